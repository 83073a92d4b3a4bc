"""A resource's change history, newest first, one keyset page at a time."""

from __future__ import annotations

from dataclasses import dataclass

from bot.db.session import Database
from bot.domain import AuditAction, AuditEvent
from bot.errors import SmsHandlersError

PAGE_SIZE = 10

# Steps that only say a change is under way; the outcome event that follows says more.
QUIET_ACTIONS = frozenset({AuditAction.APPLYING})


class BadHistoryCursorError(SmsHandlersError):
    """An "Older" button carried a cursor this version cannot read."""


@dataclass(frozen=True)
class HistoryPage:
    """Events newest first; `older` is the cursor of the next (older) page, if any."""

    events: tuple[AuditEvent, ...]
    older: str | None


async def resource_history(
    *, database: Database, resource_id: str, before: str | None = None, limit: int = PAGE_SIZE
) -> HistoryPage:
    """One page of the resource's audit events (keyset by event id, no OFFSET)."""
    before_id = _parse_cursor(before)
    async with database.reader() as repo:
        page = await repo.history(resource_id=resource_id, before_id=before_id, limit=limit)
    events = tuple(e for e in page.events if e.action not in QUIET_ACTIONS)
    older = None if page.next_before_id is None else str(page.next_before_id)
    return HistoryPage(events=events, older=older)


def _parse_cursor(before: str | None) -> int | None:
    if before is None:
        return None
    if not before.isdigit():
        raise BadHistoryCursorError("That history page is no longer valid; open History again.")
    return int(before)
