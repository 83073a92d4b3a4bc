"""`sms-handlers db upgrade|downgrade|current`, and `sms-handlers history`: the audit log, or a
CSV or JSON file of it (written by bot.services.export, as the export from Slack is)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from bot.db.errors import DatabaseNotMigratedError, DatabaseUrlError
from bot.errors import SmsHandlersError

if TYPE_CHECKING:
    # Alembic, SQLAlchemy and bot.domain load when a command runs, not for --help
    # (tests/test_cli_imports.py).
    from bot.domain import AuditEvent
    from bot.services.export import ExportFormat


def register(subparsers: Any) -> None:
    """Add `db` (schema migrations) and `history` (the audit log)."""
    db = subparsers.add_parser("db", help="create or migrate the database (DATABASE_URL)")
    actions = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = actions.add_parser("upgrade", help="migrate the database to a revision (default: newest)")
    up.add_argument("revision", nargs="?", default="head", metavar="REV")
    up.set_defaults(handler=_upgrade)
    down = actions.add_parser("downgrade", help="undo migrations down to REV (default: one step)")
    down.add_argument("revision", nargs="?", default="-1", metavar="REV")
    down.set_defaults(handler=_downgrade)
    current = actions.add_parser("current", help="show the database's revision")
    current.set_defaults(handler=_current)

    history = subparsers.add_parser(
        "history", help="print the audit log, newest first, or export it as CSV or JSON"
    )
    history.add_argument(
        "query", nargs="?", metavar="QUERY", help="a resource id, or part of a resource name"
    )
    history.add_argument("--user", metavar="SLACK_ID", help="only what this Slack user did")
    history.add_argument(
        "--since", type=_since, metavar="DATE", help="only events at or after DATE (UTC)"
    )
    history.add_argument(
        "--limit", type=_limit, metavar="N", help="at most N events (default 20; a file: all)"
    )
    to_file = history.add_mutually_exclusive_group()
    to_file.add_argument("--csv", type=Path, metavar="FILE", help="write the events to FILE as CSV")
    to_file.add_argument(
        "--json", type=Path, metavar="FILE", help="write the events to FILE as a JSON array"
    )
    history.set_defaults(handler=_history)


def _since(value: str) -> datetime:
    from bot.services.export import parse_since

    try:
        return parse_since(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _limit(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a positive whole number")
    return int(value)


def _database_url() -> str:
    from bot.config import load_settings
    from bot.db.session import parse_database_url

    url = load_settings().database_url
    parse_database_url(url)  # fails early, with one line, on a bad URL
    return url


async def _upgrade(args: argparse.Namespace) -> int:
    from bot.db import migrate
    from bot.db.session import describe_url, parse_database_url

    url = _database_url()
    with _alembic_errors():
        await migrate.upgrade_async(url, args.revision)
    revision = await migrate.current_async(url)
    print(f"Database {describe_url(parse_database_url(url))} is at revision {revision}.")
    return 0


async def _downgrade(args: argparse.Namespace) -> int:
    from bot.db import migrate
    from bot.db.session import describe_url, parse_database_url, sqlite_file_missing

    url = _database_url()
    if sqlite_file_missing(parse_database_url(url)):
        raise DatabaseUrlError(f"DATABASE_URL names a SQLite file that does not exist: {url}.")
    with _alembic_errors():
        await migrate.downgrade_async(url, args.revision)
    revision = await migrate.current_async(url)
    shown = revision or "base (no tables)"
    print(f"Database {describe_url(parse_database_url(url))} is at revision {shown}.")
    return 0


async def _current(args: argparse.Namespace) -> int:
    from bot.db import migrate
    from bot.db.session import describe_url, parse_database_url, sqlite_file_missing

    url = _database_url()
    parsed = parse_database_url(url)
    revision = None if sqlite_file_missing(parsed) else await migrate.current_async(url)
    head = migrate.head_revision()
    if revision is None:
        state = "has no tables yet: run `sms-handlers db upgrade`"
    elif revision == head:
        state = f"is at revision {revision} (the newest)"
    else:
        state = f"is at revision {revision}; the newest is {head}: run `sms-handlers db upgrade`"
    print(f"Database {describe_url(parsed)} {state}.")
    return 0


@contextmanager
def _alembic_errors() -> Iterator[None]:
    """Alembic's own errors (an unknown revision, ...) as one line naming the problem."""
    from alembic.util import CommandError

    try:
        yield
    except CommandError as error:
        raise SmsHandlersError(f"Migration failed: {error}") from error


async def _history(args: argparse.Namespace) -> int:
    from bot.db import migrate
    from bot.db.session import Database, parse_database_url, sqlite_file_missing
    from bot.services.export import ExportFormat, HistoryFilter, matching_events

    url = _database_url()
    if sqlite_file_missing(parse_database_url(url)):
        raise DatabaseNotMigratedError(
            f"There is no database file yet at {url} (DATABASE_URL): start the bot or run "
            "`sms-handlers db upgrade` first."
        )
    path, format = (args.csv, ExportFormat.CSV) if args.csv else (args.json, ExportFormat.JSON)
    limit = args.limit if args.limit is not None else (None if path else 20)
    selection = HistoryFilter(text=args.query, actor_id=args.user, since=args.since)
    database = Database.from_url(url)
    try:
        await migrate.require_current_schema(database)
        events = matching_events(database, selection, limit=limit)
        if path is None:
            count = await _print_events(events, sys.stdout)
            if count == 0:
                print("No audit events match.")
        else:
            count = await _write_file(events, path, format)
            print(f"Wrote {count} audit events to {path}.")
    finally:
        await database.dispose()
    return 0


async def _print_events(events: AsyncIterator[AuditEvent], out: TextIO) -> int:
    count = 0
    async for event in events:
        count += 1
        out.write(_event_line(event) + "\n")
    return count


def _event_line(event: AuditEvent) -> str:
    from bot.domain import AuditAction, readings_between
    from bot.services.export import ref_text

    when = _when(event.occurred_at)
    who = f"{event.actor_name} ({event.actor_id})" if event.actor_name else event.actor_id
    if event.action is AuditAction.EXTERNAL_CHANGE:
        who = "made outside the bot"
    what = f"{event.resource_name or event.resource_id} [{event.resource_id}]"
    parts = [when, f"#{event.id}", event.action.value, who, what]
    if event.added:
        parts.append("+" + ", +".join(ref_text(ref) for ref in event.added))
    if event.removed:
        parts.append("-" + ", -".join(ref_text(ref) for ref in event.removed))
    if event.request_id is not None:
        parts.append(f"request #{event.request_id}")
    readings = readings_between(event)
    if readings is not None:
        parts.append(f"seen between the readings of {_when(readings[0])} and {_when(readings[1])}")
    for key in ("comment", "error_code", "error_message", "warning", "reason"):
        if key in event.details:
            parts.append(f"{key}: {event.details[key]}")
    return "  ".join(parts)


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")


async def _write_file(events: AsyncIterator[AuditEvent], path: Path, format: ExportFormat) -> int:
    from bot.services.export import write_events

    try:
        handle = path.open("w", newline="", encoding="utf-8")
    except OSError as exc:
        kind = format.value.upper()
        raise SmsHandlersError(f"Cannot write the {kind} file {path}: {exc.strerror}.") from None
    with handle:
        return await write_events(events, handle, format=format)
