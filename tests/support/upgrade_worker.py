"""A process that runs `sms-handlers db upgrade` once for every DATABASE_URL it reads on stdin.

The simultaneous-upgrade tests start two of these and hand both the same fresh database at the
same moment, many times: two real processes race on every migration, while Python starts (and
imports the bot) only once per process. Each result is one JSON line on stdout.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys

from bot.cli import main


def run() -> None:
    for line in sys.stdin:
        os.environ["DATABASE_URL"] = line.strip()
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(["db", "upgrade"])
            except BaseException as exc:  # reported, not raised: the next trial still runs
                code, err = 99, io.StringIO(f"{type(exc).__name__}: {exc}")
        print(json.dumps({"code": code, "out": out.getvalue(), "err": err.getvalue()}), flush=True)


if __name__ == "__main__":
    run()
