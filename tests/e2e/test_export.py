"""The history exported from Slack as a CSV or JSON file, for approvers only, with the filters of
`sms-handlers history`, through the real app on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.services.export import CSV_COLUMNS
from bot.views import ids
from tests.e2e.conftest import DatabaseChoice, assert_nothing_rejected
from tests.e2e.test_home import approve, open_home
from tests.e2e.test_request_flow import send_request
from tests.support.app_harness import Harness, Person, running_app, texts


@pytest.fixture
async def app(tmp_path: Path, database_choice: DatabaseChoice) -> AsyncIterator[Harness]:
    async with running_app(tmp_path, database_url=database_choice.url) as harness:
        await send_request(harness, harness.carla, add=["6004"])  # Support: request #1
        await approve(harness, harness.alex, 1)
        yield harness
        assert_nothing_rejected(harness)


def exported(app: Harness, person: Person) -> tuple[dict[str, Any], bytes]:
    """The last file the app shared in its DM with the person, and the file's bytes."""
    shared = [m for m in app.dms(person) if m.get("files")]
    assert shared, f"no file in the DM with {person.id}"
    message = shared[-1]
    stored = app.slack.files.file(message["files"][0]["id"])
    assert stored is not None and stored.content is not None
    return message, stored.content


def csv_rows(content: bytes) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(content.decode("utf-8")))
    assert reader.fieldnames == CSV_COLUMNS
    return list(reader)


async def test_an_approver_gets_one_resources_history_as_json(app: Harness) -> None:
    await app.command(app.alex, "export support --json")
    message, content = exported(app, app.alex)
    events = json.loads(content)
    assert [e["action"] for e in events] == ["applied", "applying", "approved", "requested"]
    assert {e["resource_name"] for e in events} == {"Support"}
    assert events[0]["added"] == [{"id": "6004", "name": "Dan Miller", "extension_number": "1004"}]
    assert events[-1]["actor_id"] == app.carla.id
    assert message["files"][0]["name"].endswith(".json")
    assert "(JSON): 4 events for resources matching *support*, newest first." in message["text"]
    confirmation = texts(app.last_ephemeral(app.alex))
    assert "in your direct messages with the app" in confirmation and "(4 events)" in confirmation
    app.assert_everything_accepted()


async def test_the_filters_are_those_of_the_command_line(app: Harness) -> None:
    await app.command(app.sam, app.slack.typed_text("export --user @carla --since 2000-01-01"))
    message, content = exported(app, app.sam)
    rows = csv_rows(content)
    assert [(r["action"], r["actor_id"], r["resource_name"]) for r in rows] == [
        ("requested", app.carla.id, "Support")
    ]
    assert rows[0]["added"] == "Dan Miller (ext. 1004) [id 6004]"
    assert message["files"][0]["name"].endswith(".csv")
    assert f"by <@{app.carla.id}>, since <!date^" in message["text"]

    await app.command(app.sam, "export --since 2999-01-01")
    _, content = exported(app, app.sam)
    assert csv_rows(content) == []

    await app.command(app.sam, "export")
    _, content = exported(app, app.sam)
    assert len(csv_rows(content)) == 4


async def test_an_export_from_home_holds_the_whole_history(app: Harness) -> None:
    await send_request(app, app.carla, add=["6005"])  # a fifth event
    home = await open_home(app, app.alex)
    await app.click(app.alex, ids.EXPORT_HISTORY_CSV, view=home, value="csv")
    _, content = exported(app, app.alex)
    assert [r["action"] for r in csv_rows(content)][:2] == ["requested", "applied"]
    assert len(csv_rows(content)) == 5
    await app.click(app.alex, ids.EXPORT_HISTORY_JSON, view=home, value="json")
    _, content = exported(app, app.alex)
    assert len(json.loads(content)) == 5


async def test_non_approvers_are_refused_and_get_no_file(app: Harness) -> None:
    await app.command(app.nina, "export support")
    refusal = texts(app.last_ephemeral(app.nina))
    assert "Only approvers can export the history of SMS handler changes." in refusal
    assert "Approvers are: members of @telephony-admins and 1 named person." in refusal
    await app.command(app.carla, "export --json")
    assert "Only approvers can export" in texts(app.last_ephemeral(app.carla))
    assert not [c for c in app.slack.calls if c.method.startswith("files.")]
    assert not [m for m in app.dms(app.nina) + app.dms(app.carla) if m.get("files")]


async def test_a_malformed_export_says_how_to_write_it(app: Harness) -> None:
    await app.command(app.alex, "export --since yesterday")
    answer = texts(app.last_ephemeral(app.alex))
    assert "`--since`: 'yesterday' is not a date: use YYYY-MM-DD" in answer
    await app.command(app.alex, "export --user")
    assert "`--user` needs a value." in texts(app.last_ephemeral(app.alex))
    await app.command(app.alex, "export --everything")
    assert "Usage: `/sms-handlers export [QUERY]" in texts(app.last_ephemeral(app.alex))
    assert not [c for c in app.slack.calls if c.method.startswith("files.")]


async def test_when_slack_refuses_the_file_the_approver_is_told(app: Harness) -> None:
    app.slack.fail_next("files.getUploadURLExternal", "file_uploads_disabled")
    await app.command(app.alex, "export")
    answer = texts(app.last_ephemeral(app.alex))
    assert "File uploads are turned off in this Slack workspace" in answer
    assert "(ref " in answer and "sms-handlers history --csv FILE" in answer
