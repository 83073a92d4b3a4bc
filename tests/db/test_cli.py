"""`sms-handlers db ...` and `sms-handlers history`, as a person at a terminal sees them."""

from __future__ import annotations

import asyncio
import csv
import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.db.migrate import head_revision
from bot.db.session import Database
from bot.domain import AuditAction, ExtensionRef, ResourceType

BOB = ExtensionRef(id="101", name="Bob Lee", extension_number="1001")


def run(
    args: list[str], capsys: pytest.CaptureFixture[str], database_url: str | None = None
) -> tuple[int, str, str]:
    with pytest.MonkeyPatch.context() as patch:
        if database_url is not None:
            patch.setenv("DATABASE_URL", database_url)
        code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


async def run_in_thread(
    args: list[str], capsys: pytest.CaptureFixture[str], database_url: str
) -> tuple[int, str, str]:
    """`run` from an async test: the CLI starts its own event loop, so it needs its own thread."""
    return await asyncio.to_thread(run, args, capsys, database_url)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mysql://user:secret@127.0.0.1/app", "unsupported scheme mysql://"),
        ("postgresql://postgres:secret@127.0.0.1:1/x", "connection refused"),
        ("sqlite:///no/such/dir/app.db", "directory that does not exist"),
    ],
)
@pytest.mark.parametrize(
    "command", [["db", "upgrade"], ["db", "downgrade"], ["db", "current"], ["history"]]
)
def test_bad_database_url_is_one_clear_line(
    url: str, expected: str, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(command, capsys, url)

    assert code == 1
    assert out == ""
    [line] = err.splitlines()
    assert expected in line and "DATABASE_URL" in line
    assert "secret" not in line
    assert not list(Path.cwd().iterdir())  # nothing was created


def test_history_before_any_database_says_what_to_do(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["history"], capsys)

    assert code == 1
    assert "db upgrade" in err and len(err.splitlines()) == 1
    assert not Path("sms-handlers.db").exists()


def test_db_upgrade_current_downgrade(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "has no tables yet" in run(["db", "current"], capsys, database_url)[1]

    code, out, _ = run(["db", "upgrade"], capsys, database_url)
    assert code == 0 and f"is at revision {head_revision()}" in out
    assert "(the newest)" in run(["db", "current"], capsys, database_url)[1]

    code, out, _ = run(["db", "downgrade", "base"], capsys, database_url)
    assert code == 0 and "base (no tables)" in out

    code, _, err = run(["db", "upgrade", "nonexistent"], capsys, database_url)
    assert code == 1 and "nonexistent" in err and len(err.splitlines()) == 1


async def _seed(database_url: str) -> None:
    database = Database.from_url(database_url)
    try:
        async with database.transaction() as repo:
            await repo.create_request(
                resource_id="cq-1",
                resource_type=ResourceType.CALL_QUEUE,
                resource_name='Support, "Tier 1"',
                requester_id="U_ANN",
                requester_name="Ann",
                add=[BOB],
                remove=[],
                reason="more hands",
            )
            await repo.append_event(
                actor_id="system",
                actor_name=None,
                action=AuditAction.EXTERNAL_CHANGE,
                resource_id="site-2",
                resource_name="Berlin",
                removed=[BOB],
            )
    finally:
        await database.dispose()


async def test_history_prints_and_filters(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    async def history(*extra: str) -> str:
        code, out, _ = await run_in_thread(["history", *extra], capsys, database_url)
        assert code == 0
        return out

    assert (await run_in_thread(["db", "upgrade"], capsys, database_url))[0] == 0
    await _seed(database_url)

    lines = (await history()).splitlines()
    assert len(lines) == 2
    assert "external_change" in lines[0] and "-Bob Lee (ext. 1001)" in lines[0]
    assert "requested" in lines[1] and "Ann (U_ANN)" in lines[1] and "+Bob Lee" in lines[1]
    assert "Berlin" in await history("berlin")
    assert len((await history("--user", "U_ANN")).splitlines()) == 1
    assert len((await history("--limit", "1")).splitlines()) == 1
    assert await history("--since", "2999-01-01") == "No audit events match.\n"


async def test_history_csv_export(
    database_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert (await run_in_thread(["db", "upgrade"], capsys, database_url))[0] == 0
    await _seed(database_url)
    target = tmp_path / "audit.csv"

    code, out, _ = await run_in_thread(["history", "--csv", str(target)], capsys, database_url)

    assert code == 0 and "Wrote 2 audit events" in out
    with target.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["action"] for row in rows] == ["external_change", "requested"]
    requested = rows[1]
    assert requested["resource_name"] == 'Support, "Tier 1"'
    assert requested["resource_type"] == "call_queue"
    assert requested["actor_id"] == "U_ANN"
    assert requested["added"] == "Bob Lee (ext. 1001) [id 101]"
    assert requested["request_id"] != ""
    assert requested["details"] == '{"reason": "more hands"}'
    assert requested["occurred_at"].endswith("+00:00")
    assert rows[0]["removed"] == "Bob Lee (ext. 1001) [id 101]" and rows[0]["request_id"] == ""


async def test_history_json_export_holds_the_same_events(
    database_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert (await run_in_thread(["db", "upgrade"], capsys, database_url))[0] == 0
    await _seed(database_url)
    target = tmp_path / "audit.json"

    code, out, _ = await run_in_thread(
        ["history", "support", "--json", str(target)], capsys, database_url
    )

    assert code == 0 and "Wrote 1 audit events" in out
    [requested] = json.loads(target.read_text(encoding="utf-8"))
    assert (requested["action"], requested["resource_name"]) == ("requested", 'Support, "Tier 1"')
    assert requested["added"] == [{"id": "101", "name": "Bob Lee", "extension_number": "1001"}]
    assert requested["details"] == {"reason": "more hands"}


def test_history_writes_csv_or_json_not_both(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["history", "--csv", "a.csv", "--json", "a.json"])
    assert exit_info.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_history_rejects_a_bad_date(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["history", "--since", "last tuesday"])
    assert exit_info.value.code == 2
    assert "'last tuesday' is not a date" in capsys.readouterr().err
