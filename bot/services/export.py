"""The audit log filtered and written out as CSV or JSON: shared by `sms-handlers history`
(the command line) and the export approvers get in Slack.

Filters are those of the command line: a resource (id, or part of its name), what one Slack
user did, and a first date. Events are read newest first in keyset pages (never OFFSET), and
written as they are read.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TextIO

from bot.db.repository import MAX_PAGE_SIZE
from bot.db.session import Database
from bot.domain import AuditEvent, ExtensionRef
from bot.labels import person_label
from bot.services.policy import ApprovalPolicy, NotAnApproverError

CSV_COLUMNS = [
    "id",
    "occurred_at",
    "actor_id",
    "actor_name",
    "action",
    "resource_type",
    "resource_id",
    "resource_name",
    "request_id",
    "added",
    "removed",
    "handlers_before",
    "handlers_after",
    "details",
]
# A file posted in Slack is built in memory: past this many events, use the command line.
EXPORT_MAX_EVENTS = 50_000


class ExportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"


@dataclass(frozen=True)
class HistoryFilter:
    """Which audit events: every filter given must match."""

    text: str | None = None  # a resource id, or part of a resource name (case-insensitive)
    actor_id: str | None = None  # only what this Slack user did
    since: datetime | None = None  # only events at or after this moment

    @property
    def is_everything(self) -> bool:
        return self.text is None and self.actor_id is None and self.since is None


def parse_since(value: str) -> datetime:
    """`2026-01-31` or `2026-01-31T08:00` (UTC unless an offset is given); ValueError saying
    what to write otherwise."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


async def matching_events(
    database: Database, selection: HistoryFilter, *, limit: int | None
) -> AsyncGenerator[AuditEvent, None]:
    """The events matching `selection`, newest first, at most `limit` (None: all)."""
    before_id: int | None = None
    remaining = limit
    while remaining is None or remaining > 0:
        page_size = MAX_PAGE_SIZE if remaining is None else min(remaining, MAX_PAGE_SIZE)
        async with database.reader() as repo:
            page = await repo.history(
                text=selection.text,
                actor_id=selection.actor_id,
                since=selection.since,
                before_id=before_id,
                limit=page_size,
            )
        for event in page.events:
            yield event
        if remaining is not None:
            remaining -= len(page.events)
        if page.next_before_id is None:
            return
        before_id = page.next_before_id


# -- CSV and JSON ------------------------------------------------------------------------------


def ref_text(ref: ExtensionRef) -> str:
    """`Ava Chen (ext. 1001)`."""
    return person_label(ref.name, ref.extension_number)


def _refs_cell(refs: Sequence[ExtensionRef] | None) -> str:
    if refs is None:
        return ""
    return "; ".join(f"{ref_text(ref)} [id {ref.id}]" for ref in refs)


# A spreadsheet reads a cell starting with one of these as a formula: names from Slack or
# RingCentral are quoted so that they stay text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text_cell(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_row(event: AuditEvent) -> list[object]:
    """One event as the cells of CSV_COLUMNS."""
    return [
        event.id,
        event.occurred_at.isoformat(),
        _text_cell(event.actor_id),
        _text_cell(event.actor_name or ""),
        event.action.value,
        event.resource_type.value if event.resource_type else "",
        _text_cell(event.resource_id),
        _text_cell(event.resource_name or ""),
        "" if event.request_id is None else event.request_id,
        _text_cell(_refs_cell(event.added)),
        _text_cell(_refs_cell(event.removed)),
        _text_cell(_refs_cell(event.handlers_before)),
        _text_cell(_refs_cell(event.handlers_after)),
        json.dumps(event.details, sort_keys=True) if event.details else "",
    ]


def _refs_json(refs: Sequence[ExtensionRef] | None) -> list[dict[str, Any]] | None:
    if refs is None:
        return None
    return [{"id": r.id, "name": r.name, "extension_number": r.extension_number} for r in refs]


def event_record(event: AuditEvent) -> dict[str, Any]:
    """One event as a JSON object: the CSV's columns, with extension lists as arrays."""
    return {
        "id": event.id,
        "occurred_at": event.occurred_at.isoformat(),
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "action": event.action.value,
        "resource_type": event.resource_type.value if event.resource_type else None,
        "resource_id": event.resource_id,
        "resource_name": event.resource_name,
        "request_id": event.request_id,
        "added": _refs_json(event.added),
        "removed": _refs_json(event.removed),
        "handlers_before": _refs_json(event.handlers_before),
        "handlers_after": _refs_json(event.handlers_after),
        "details": event.details,
    }


async def write_events(
    events: AsyncIterator[AuditEvent], handle: TextIO, *, format: ExportFormat
) -> int:
    """Write the events to `handle` as CSV (a header row, one row each) or as one JSON array
    (one object a line); how many were written."""
    count = 0
    if format is ExportFormat.CSV:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        async for event in events:
            count += 1
            writer.writerow(csv_row(event))
        return count
    handle.write("[")
    async for event in events:
        handle.write(",\n" if count else "\n")
        handle.write(json.dumps(event_record(event), ensure_ascii=False, sort_keys=True))
        count += 1
    handle.write("\n]\n" if count else "]\n")
    return count


# -- the export approvers get in Slack ---------------------------------------------------------


@dataclass(frozen=True)
class ExportFile:
    """An export ready to post: its name, content, and what it holds."""

    filename: str
    content: bytes
    format: ExportFormat
    selection: HistoryFilter
    count: int
    truncated: bool  # more events matched than one file from Slack holds (EXPORT_MAX_EVENTS)


class ExportService:
    """Builds exports of the audit log for approvers (and refuses everyone else)."""

    def __init__(
        self,
        *,
        database: Database,
        policy: ApprovalPolicy,
        max_events: int = EXPORT_MAX_EVENTS,
    ) -> None:
        self._database = database
        self._policy = policy
        self._max_events = max_events

    async def export(
        self, *, user_id: str, selection: HistoryFilter, format: ExportFormat
    ) -> ExportFile:
        """The events matching `selection`, newest first, as a file; NotAnApproverError for
        anyone who may decide no request."""
        if not await self._policy.is_approver(user_id):
            raise NotAnApproverError(
                "Only approvers can export the history of SMS handler changes. "
                f"Approvers are: {self._policy.describe}."
            )
        buffer = io.StringIO(newline="")
        limit = self._max_events
        async with aclosing(matching_events(self._database, selection, limit=limit + 1)) as events:
            count = await write_events(_at_most(events, limit), buffer, format=format)
            truncated = count == limit and await _any_left(events)
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        return ExportFile(
            filename=f"sms-handlers-history-{stamp}.{format.value}",
            content=buffer.getvalue().encode("utf-8"),
            format=format,
            selection=selection,
            count=count,
            truncated=truncated,
        )


async def _at_most(events: AsyncIterator[AuditEvent], count: int) -> AsyncIterator[AuditEvent]:
    if count <= 0:
        return
    taken = 0
    async for event in events:
        yield event
        taken += 1
        if taken >= count:
            return


async def _any_left(events: AsyncIterator[AuditEvent]) -> bool:
    async for _ in events:
        return True
    return False
