"""`sms-handlers requests`: change requests for operators.

    sms-handlers requests            # open requests: pending, approved, applying, failed
    sms-handlers requests --stuck    # approved/applying whose applier is gone, and failed ones
    sms-handlers requests retry N    # finish or retry request N now (takes over if abandoned)

`retry` runs what recovery runs (RingCentral is read first, only what is missing is sent), with
the bot's settings, and updates the request's Slack messages.
"""

from __future__ import annotations

import argparse
import getpass
import socket
import textwrap
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.cli.table import render_table
from bot.db.errors import DatabaseNotMigratedError
from bot.errors import SmsHandlersError

if TYPE_CHECKING:  # bot.domain is loaded when a command runs, not for `--help`
    from bot.domain import ChangeRequest, RequestStatus

# After a retry, how long the Slack updates it started (Homes) may take before the command ends.
RETRY_DRAIN_SECONDS = 10.0


def register(subparsers: Any) -> None:
    """Add `requests` (list; --stuck) and `requests retry N`."""
    requests = subparsers.add_parser(
        "requests",
        help="list change requests; --stuck: those nobody is finishing; retry N",
        description="List open change requests, or with --stuck the ones nobody is finishing "
        "(approved or applying whose bot instance stopped, and failed ones), with their age "
        "and the instance that last applied them.",
    )
    requests.add_argument("--stuck", action="store_true", help="only requests nobody is finishing")
    requests.set_defaults(handler=_list)
    actions = requests.add_subparsers(dest="requests_command", metavar="ACTION")
    retry = actions.add_parser(
        "retry",
        help="finish an abandoned request or retry a failed one now",
        description="Take over request N if the instance applying it stopped, or retry it if it "
        "failed: RingCentral is read first and only what is missing is sent. Needs the bot's "
        "settings (RingCentral, Slack, DATABASE_URL).",
    )
    retry.add_argument("number", metavar="N", help="the request's number, as in #N")
    retry.set_defaults(handler=_retry)


async def _list(args: argparse.Namespace) -> int:
    from bot.config import load_settings
    from bot.db import migrate
    from bot.db.base import utc_now
    from bot.db.session import Database, parse_database_url, sqlite_file_missing
    from bot.services.recovery import stuck_requests

    url = load_settings().database_url
    if sqlite_file_missing(parse_database_url(url)):
        raise DatabaseNotMigratedError(
            f"There is no database file yet at {url} (DATABASE_URL): start the bot or run "
            "`sms-handlers db upgrade` first."
        )
    database = Database.from_url(url)
    try:
        await migrate.require_current_schema(database)
        if args.stuck:
            lease = load_settings().apply_lease_seconds
            found = await stuck_requests(database, lease_seconds=lease)
        else:
            async with database.reader() as repo:
                found = await repo.pending_requests(statuses=_open_statuses())
    finally:
        await database.dispose()
    if not found:
        print("No stuck requests." if args.stuck else "No open requests.")
        return 0
    print(_table(found, now=utc_now()))
    return 0


def _open_statuses() -> tuple[RequestStatus, ...]:
    from bot.domain import RequestStatus

    return (
        RequestStatus.PENDING,
        RequestStatus.APPROVED,
        RequestStatus.APPLYING,
        RequestStatus.FAILED,
    )


def _table(requests: list[ChangeRequest], *, now: datetime) -> str:
    from bot.domain import RequestStatus

    rows = []
    for request in requests:
        lease = request.apply_lease_until
        if request.status is RequestStatus.APPLYING and lease is not None:
            lease_text = f"ran out {_age(now - lease)} ago" if lease < now else "live"
        else:
            lease_text = ""
        rows.append(
            [
                f"#{request.id}",
                request.status.value,
                _age(now - request.updated_at),
                request.resource_name,
                request.apply_owner or "",
                lease_text,
                textwrap.wrap(request.error_message or "", 60),
            ]
        )
    return render_table(["request", "status", "since", "resource", "owner", "lease", "error"], rows)


def _age(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 172800:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


def _request_number(raw: str) -> int:
    text = raw.strip().removeprefix("#")
    if not text.isdigit() or int(text) < 1:
        raise SmsHandlersError(f"{raw!r} is not a request number: give N as in #N, e.g. 12.")
    return int(text)


async def _retry(args: argparse.Namespace) -> int:
    from bot.config import load_settings
    from bot.container import build_container
    from bot.domain import OPERATOR_ACTOR, RequestStatus

    request_id = _request_number(args.number)
    container = await build_container(load_settings())
    try:
        done = await container.recovery.retry_now(
            request_id=request_id,
            actor_id=OPERATOR_ACTOR,
            actor_name=f"{getpass.getuser()}@{socket.gethostname()}",
        )
    finally:
        # The Homes of the people concerned are being published: let them be.
        await container.aclose(drain_seconds=RETRY_DRAIN_SECONDS)
    print(_outcome_line(done))
    return 0 if done.status is RequestStatus.APPLIED else 1


def _outcome_line(request: ChangeRequest) -> str:
    from bot.domain import RequestStatus

    if request.status is RequestStatus.APPLIED:
        return f"Request #{request.id}: applied."
    if request.status is RequestStatus.FAILED:
        return f"Request #{request.id}: failed: {request.error_message}"
    return (
        f"Request #{request.id} is still {request.status}: its outcome could not be recorded "
        "yet; recovery will finish it."
    )
