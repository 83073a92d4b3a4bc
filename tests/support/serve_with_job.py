"""`sms-handlers serve` with one more periodic job, for tests of the coordinator:

    python -m tests.support.serve_with_job RUNS_FILE serve --http --port N

The job ("probe", every 0.1 s) appends `<pid> start <time>` when a run begins and `<pid> end
<time>` when it ends (also when cancelled), so a test sees which instance ran it, and when. Its
run takes 0.2 s, long enough that two instances running it at once would overlap. Everything else
is the real `serve`: the job is registered on the container's coordinator, as the product's jobs
are.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any

import bot.container as container_module
from bot import cli
from bot.config import Settings
from bot.container import Container
from bot.services.coordinator import PeriodicJob

RUN_SECONDS = 0.2


def _recorder(runs: Path) -> PeriodicJob:
    def note(what: str) -> None:
        with runs.open("a", encoding="utf-8") as out:
            out.write(f"{os.getpid()} {what} {time.time():.6f}\n")

    async def run() -> None:
        note("start")
        try:
            await asyncio.sleep(RUN_SECONDS)
        finally:
            note("end")

    return PeriodicJob("probe", every_seconds=0.1, run=run)


def main() -> int:
    runs, argv = Path(sys.argv[1]), sys.argv[2:]
    build = container_module.build_container

    async def build_with_job(settings: Settings, **kwargs: Any) -> Container:
        container = await build(settings, **kwargs)
        container.coordinator.register(_recorder(runs))
        return container

    # serve imports build_container when it runs, so replacing it in its module is enough.
    container_module.build_container = build_with_job
    return cli.main(argv)


if __name__ == "__main__":
    sys.exit(main())
