"""`sms-handlers doctor`: check the settings against Slack, RingCentral and the database.

One line per check (OK, FAIL, WARN or SKIP, what was checked, and for a failure what is wrong
and what to do); exit code 1 when one the bot cannot work without failed. `serve` runs the same
checks before it starts (see `start_checks`).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:  # the checks load Slack's SDK, SQLAlchemy and more: only when they run
    from bot.config import Settings
    from bot.ringcentral.client import AnswerObserver
    from bot.services.doctor import Check


logger = logging.getLogger(__name__)
_LEVELS = {"FAIL": logging.ERROR, "WARN": logging.WARNING}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    doctor = subparsers.add_parser(
        "doctor",
        help="check the settings, Slack, RingCentral and the database, without starting",
        description="Check what `serve` needs: the Slack bot token and its scopes, the approval "
        "channel, the approvers, the RingCentral login and its permissions, SMS thread "
        "messaging, and the database. Exits with 1 when the bot could not work.",
    )
    doctor.add_argument(
        "--http",
        action="store_true",
        help="check for `serve --http` (the signing secret instead of the app-level token)",
    )
    doctor.set_defaults(handler=run_doctor)


def run_doctor(args: argparse.Namespace) -> Any:
    """The `doctor` handler: a coroutine returning the exit code."""
    return _doctor(http=bool(args.http))


async def _doctor(*, http: bool) -> int:
    from bot.checks import run_checks
    from bot.config import load_settings
    from bot.services.doctor import blocking

    checks = await run_checks(load_settings(), http=http)
    write_checks(checks, sys.stdout)
    failures = blocking(checks)
    warnings = [check for check in checks if check.status == "WARN"]
    if failures:
        print(f"{_count(failures, 'check')} failed: the bot would not start. {_fix(failures)}")
        return 1
    note = f" ({_count(warnings, 'warning')})" if warnings else ""
    print(f"All checks passed{note}: `sms-handlers serve` can start.")
    return 0


async def start_checks(
    settings: Settings,
    *,
    http: bool,
    out: TextIO,
    only_problems: bool = False,
    observe: AnswerObserver | None = None,
) -> bool:
    """`serve`'s checks before it starts: one line each on `out` (`only_problems`: only those
    that did not pass), or log records when the log is JSON lines; False when one the bot
    cannot work without failed."""
    from bot.checks import run_checks
    from bot.services.doctor import blocking

    checks = await run_checks(settings, http=http, observe=observe)
    shown = [check for check in checks if not check.ok] if only_problems else checks
    failures = blocking(checks)
    refusal = None
    if failures:
        names = ", ".join(check.name for check in failures)
        refusal = f"not starting: {names} failed. {_fix(failures)}"
    if settings.log_format == "json":  # every line of stderr stays one JSON object
        for check in shown:
            logger.log(_LEVELS.get(check.status, logging.INFO), "%s", check.line())
        if refusal:
            logger.error("%s", refusal)
    else:
        write_checks(shown, out, prefix="sms-handlers: ")
        if refusal:
            out.write(f"sms-handlers: {refusal}\n")
            out.flush()
    return refusal is None


def write_checks(checks: Sequence[Check], out: TextIO, *, prefix: str = "") -> None:
    for check in checks:
        out.write(f"{prefix}{check.line()}\n")
    out.flush()


def _count(checks: Sequence[Check], noun: str) -> str:
    return f"{len(checks)} {noun}{'' if len(checks) == 1 else 's'}"


def _fix(failures: Sequence[Check]) -> str:
    it = "it" if len(failures) == 1 else "them"
    return f"Fix {it} (see FAIL above) and run `sms-handlers doctor` again."
