"""A resource's change history, newest first, one keyset page at a time."""

from __future__ import annotations

from dataclasses import dataclass

from bot.db.repository import HistoryPage
from bot.db.session import Database
from bot.domain import Resource
from bot.errors import SmsHandlersError
from bot.inputs import MAX_ROW_ID, whole_number
from bot.services.directory import Directory

PAGE_SIZE = 10


class BadHistoryCursorError(SmsHandlersError):
    """An "Older" button carried a cursor this version cannot read."""


@dataclass(frozen=True)
class ResourceHistory:
    """One page of a resource's history: every event, including the steps of an apply (a
    change being applied, taken over after a stop, sent again), so none stays hidden."""

    resource: Resource
    page: HistoryPage


class HistoryService:
    """Reads the audit log of one resource at a time."""

    def __init__(self, *, database: Database, directory: Directory) -> None:
        self._database = database
        self._directory = directory

    async def page(
        self, *, resource_id: str, before: str | None = None, limit: int = PAGE_SIZE
    ) -> ResourceHistory:
        """One page of the resource's audit events (keyset by event id, no OFFSET); `before`
        is the cursor of an "Older" button (an event id), None for the newest page."""
        before_id = _parse_cursor(before)
        resource = await self._directory.resource(resource_id=resource_id)
        async with self._database.reader() as repo:
            page = await repo.history(resource_id=resource.id, before_id=before_id, limit=limit)
        return ResourceHistory(resource=resource, page=page)


def _parse_cursor(before: str | None) -> int | None:
    if before is None:
        return None
    event_id = whole_number(before, maximum=MAX_ROW_ID)
    if event_id is None:
        raise BadHistoryCursorError("That history page is no longer valid; open History again.")
    return event_id
