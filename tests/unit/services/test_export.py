"""Exports of the audit log: CSV and JSON of the same events, cut short past the limit, for
approvers only."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.db.session import Database
from bot.domain import SYSTEM_ACTOR, AuditAction, ExtensionRef, ResourceType
from bot.services.export import (
    CSV_COLUMNS,
    ExportFormat,
    ExportService,
    HistoryFilter,
)
from bot.services.policy import ApprovalPolicy, NotAnApproverError
from tests.support.services import migrated_sqlite
from tests.unit.services.conftest import NoGroups

AVA = ExtensionRef(id="6001", name='Ava "AC" Chen, Jr.', extension_number="1001")


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    database = await migrated_sqlite(tmp_path)
    async with database.transaction() as repo:
        for index in range(5):
            await repo.append_event(
                actor_id=SYSTEM_ACTOR if index % 2 else "U0ANN",
                actor_name=None if index % 2 else "Ann",
                action=AuditAction.APPLIED,
                resource_id="4001" if index < 3 else "2000",
                resource_type=ResourceType.CALL_QUEUE,
                resource_name="Support" if index < 3 else "Boston Office",
                added=[AVA],
                details={"note": f"event {index}, with a comma"},
            )
    try:
        yield database
    finally:
        await database.dispose()


def service(database: Database, *, max_events: int = 100) -> ExportService:
    policy = ApprovalPolicy(approvers=["U0APP"], groups=NoGroups())
    return ExportService(database=database, policy=policy, max_events=max_events)


async def test_csv_and_json_hold_the_same_events_newest_first(database: Database) -> None:
    exports = service(database)
    as_csv = await exports.export(
        user_id="U0APP", selection=HistoryFilter(text="support"), format=ExportFormat.CSV
    )
    rows = list(csv.DictReader(io.StringIO(as_csv.content.decode())))
    assert list(rows[0]) == CSV_COLUMNS
    assert [r["id"] for r in rows] == ["3", "2", "1"]
    assert rows[0]["added"] == 'Ava "AC" Chen, Jr. (ext. 1001) [id 6001]'
    assert json.loads(rows[0]["details"]) == {"note": "event 2, with a comma"}
    assert as_csv.filename.endswith(".csv") and (as_csv.count, as_csv.truncated) == (3, False)

    as_json = await exports.export(
        user_id="U0APP", selection=HistoryFilter(text="support"), format=ExportFormat.JSON
    )
    events = json.loads(as_json.content)
    assert [e["id"] for e in events] == [3, 2, 1]
    assert events[0]["added"] == [{"id": "6001", "name": AVA.name, "extension_number": "1001"}]
    assert events[1]["actor_id"] == SYSTEM_ACTOR and events[1]["actor_name"] is None
    assert as_json.filename.endswith(".json")


async def test_an_export_past_the_limit_says_it_was_cut_short(database: Database) -> None:
    exports = service(database, max_events=2)
    cut = await exports.export(user_id="U0APP", selection=HistoryFilter(), format=ExportFormat.CSV)
    assert (cut.count, cut.truncated) == (2, True)
    exact = service(database, max_events=5)
    whole = await exact.export(user_id="U0APP", selection=HistoryFilter(), format=ExportFormat.JSON)
    assert (whole.count, whole.truncated) == (5, False)


async def test_nothing_matching_is_an_empty_file(database: Database) -> None:
    exports = service(database)
    empty = await exports.export(
        user_id="U0APP", selection=HistoryFilter(actor_id="U0NOBODY"), format=ExportFormat.JSON
    )
    assert json.loads(empty.content) == [] and empty.count == 0


async def test_only_approvers_may_export(database: Database) -> None:
    with pytest.raises(NotAnApproverError, match="Only approvers can export"):
        await service(database).export(
            user_id="U0ANN", selection=HistoryFilter(), format=ExportFormat.CSV
        )


async def test_names_a_spreadsheet_would_run_as_formulas_stay_text(database: Database) -> None:
    async with database.transaction() as repo:
        await repo.append_event(
            actor_id="U0EVE",
            actor_name="@Eve",
            action=AuditAction.EXTERNAL_CHANGE,
            resource_id="4009",
            resource_name='=HYPERLINK("http://x.example","Support")',
            removed=[ExtensionRef(id="6009", name="-2+3", extension_number=None)],
        )
    export = await service(database).export(
        user_id="U0APP", selection=HistoryFilter(text="4009"), format=ExportFormat.CSV
    )
    [row] = list(csv.DictReader(io.StringIO(export.content.decode())))
    assert row["resource_name"] == '\'=HYPERLINK("http://x.example","Support")'
    assert (row["actor_name"], row["removed"]) == ("'@Eve", "'-2+3 [id 6009]")
    as_json = await service(database).export(
        user_id="U0APP", selection=HistoryFilter(text="4009"), format=ExportFormat.JSON
    )
    assert json.loads(as_json.content)[0]["actor_name"] == "@Eve"  # JSON holds the data as is
