"""The `sms-handlers` command.

Each group of subcommands lives in its own module with a `register(subparsers)` function that
adds its parsers and sets `handler` (a function taking the parsed arguments and returning an exit
code, or a coroutine function doing so). Errors meant for people (`SmsHandlersError`) are printed
as one line on stderr with exit code 1, with the details kept from Slack users (the operator runs
the command line); nothing here prints a traceback for them.
"""

from __future__ import annotations

import argparse
import sys
import types
from collections.abc import Sequence

from bot.errors import SmsHandlersError
from bot.logs import configure_logging


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    from bot.cli import commands

    parser = argparse.ArgumentParser(
        prog="sms-handlers",
        description="See and change who handles SMS on shared RingCentral numbers, from Slack.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in commands.MODULES:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = args.handler
    try:
        _configure_logging(verbose=bool(args.verbose))
        result = handler(args)
        if isinstance(result, types.CoroutineType):
            import asyncio  # here: `--help` need not load it (issue 11: `--help` in 0.3 s)

            code = asyncio.run(result)
        else:
            code = result
    except SmsHandlersError as exc:
        print(f"sms-handlers: {exc.details}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return int(code or 0)


def _configure_logging(*, verbose: bool) -> None:
    from bot.config import load_log_settings

    configure_logging(verbose=verbose, json_lines=load_log_settings().log_format == "json")
