"""`sms-handlers resources` and `sms-handlers handlers`, run in-process."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator

import pytest

from bot.cli import main
from sms_handlers_sandbox.ringcentral import SandboxServer

SOURCES = {
    "MainCompanyNumber",
    "CompanyNumber",
    "SiteDirectNumber",
    "IvrMenuDirectNumber",
    "CallQueueDirectNumber",
}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_resources_json_lists_every_resource_in_the_documented_shape(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "resources", "--sandbox", "--json")

    assert code == 0
    resources = json.loads(out)["resources"]
    assert [(r["type"], r["name"]) for r in resources][:3] == [
        ("main_site", "Acme Corp HQ"),
        ("site", "Boston Office"),
        ("site", "Denver Office"),
    ]
    for resource in resources:
        assert set(resource) == {
            "id", "type", "name", "extensionNumber", "phoneNumbers", "ivrMenus"
        }  # fmt: skip
        assert all(set(n) == {"phoneNumber", "source"} for n in resource["phoneNumbers"])
        assert all(n["source"] in SOURCES for n in resource["phoneNumbers"])
    main_site = resources[0]
    assert main_site["id"] == "1000" and main_site["extensionNumber"] == "101"
    assert main_site["ivrMenus"] == [{"id": "5001", "name": "Main Menu"}]
    assert {"phoneNumber": "+16505550110", "source": "IvrMenuDirectNumber"} in main_site[
        "phoneNumbers"
    ]


def test_resources_table_is_aligned_with_readable_numbers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "resources", "--sandbox")

    assert code == 0
    lines = out.splitlines()
    header = lines[0]
    assert header.split() == ["TYPE", "NAME", "EXT", "SHARED", "SMS", "NUMBERS", "IVR", "MENUS"]
    number_column = header.index("SHARED SMS NUMBERS")
    support = next(line for line in lines if " Support " in line and "Escalations" not in line)
    assert support.index("+1 (650) 555-0104") == number_column
    assert "+1 (650) 555-0100  main company number" in out
    assert "+1650" not in out


def test_handlers_json_shows_the_resource_and_its_handlers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "handlers", "queue-support", "--sandbox", "--json")

    assert code == 0
    body = json.loads(out)
    assert body["resource"]["name"] == "Support"
    assert body["resource"]["phoneNumbers"] == [
        {"phoneNumber": "+16505550104", "source": "CallQueueDirectNumber"}
    ]
    assert body["recipients"] == [
        {"id": "6001", "extensionNumber": "1001", "name": "Ava Chen", "assignable": True,
         "hasLicense": True},
        {"id": "6002", "extensionNumber": "1002", "name": "Ben Ortiz", "assignable": True,
         "hasLicense": True},
    ]  # fmt: skip


def test_handlers_accepts_a_query_in_several_words_and_a_phone_number(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "handlers", "Support", "Queue", "--sandbox")
    assert code == 0
    assert out.startswith("Support (call queue, ext. 104) on Acme Corp HQ")
    assert "Ava Chen" in out and "Ben Ortiz" in out

    code, out, _ = run(capsys, "handlers", "(617) 555-0121", "--sandbox")
    assert code == 0
    assert out.startswith("Boston Office (site, ext. 200)")
    assert "Boston After Hours" in out and "Dan Miller" in out


def test_an_ambiguous_query_exits_1_and_lists_the_candidates(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "handlers", "office", "--sandbox")

    assert code == 1
    assert out == ""
    assert "Several resources match" in err
    assert "Boston Office (site, ext. 200)" in err and "Denver Office (site, ext. 300)" in err


def test_an_unknown_query_exits_1_with_the_closest_names_also_in_json(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "handlers", "Suport", "--sandbox", "--json")

    assert code == 1
    body = json.loads(out)
    assert body["error"] == "not_found"
    assert body["candidates"][0]["name"] == "Support"
    assert 'Nothing matches "Suport"' in err


@pytest.mark.parametrize("command", [["resources"], ["handlers", "support"]])
def test_missing_settings_give_one_line_naming_the_variable_and_sandbox(
    capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    code, out, err = run(capsys, *command)

    assert code == 1
    assert out == ""
    assert err.count("\n") == 1
    assert "RINGCENTRAL_CLIENT_ID is not set" in err
    assert "--sandbox" in err


@pytest.fixture
def sandbox_in_thread() -> Iterator[SandboxServer]:
    """A sandbox on its own event loop, so the CLI can run its own `asyncio.run`."""
    loop = asyncio.new_event_loop()
    server = SandboxServer()
    ready = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(server.start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert ready.wait(10)
    try:
        yield server
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def test_the_commands_use_the_configured_ringcentral(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    sandbox_in_thread: SandboxServer,
) -> None:
    monkeypatch.setenv("RINGCENTRAL_SERVER_URL", sandbox_in_thread.url)
    monkeypatch.setenv("RINGCENTRAL_CLIENT_ID", sandbox_in_thread.client_id)
    monkeypatch.setenv("RINGCENTRAL_CLIENT_SECRET", sandbox_in_thread.client_secret)
    monkeypatch.setenv("RINGCENTRAL_JWT", sandbox_in_thread.jwt)
    sandbox_in_thread.set_sms_recipients("4003", ["6006"])

    code, out, _ = run(capsys, "handlers", "106", "--json")

    assert code == 0
    body = json.loads(out)
    assert body["resource"]["name"] == "Billing"
    assert [r["name"] for r in body["recipients"]] == ["Farid Haddad"]


def test_a_wrong_secret_is_one_clear_line(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    sandbox_in_thread: SandboxServer,
) -> None:
    monkeypatch.setenv("RINGCENTRAL_SERVER_URL", sandbox_in_thread.url)
    monkeypatch.setenv("RINGCENTRAL_CLIENT_ID", sandbox_in_thread.client_id)
    monkeypatch.setenv("RINGCENTRAL_CLIENT_SECRET", "not-the-secret")
    monkeypatch.setenv("RINGCENTRAL_JWT", sandbox_in_thread.jwt)

    code, _, err = run(capsys, "resources")

    assert code == 1
    assert err.startswith("sms-handlers: RingCentral refused the login (OAU-")
    assert err.count("\n") == 1
    assert "not-the-secret" not in err
