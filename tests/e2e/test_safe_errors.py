"""What Slack users read when RingCentral or the database fails: a sentence and a reference,
never a URL, a host, a DSN, a file path or RingCentral's own answer; the log holds those under
the same reference. And what they read when a button or form cannot be read."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from bot.db.session import Database, create_engine
from bot.views import ids
from sms_handlers_sandbox.ringcentral import Fault
from tests.e2e.test_request_flow import SUPPORT, send_request
from tests.support.app_harness import APPROVALS, Harness, free_port, texts

# An error page from a proxy in front of RingCentral, naming an internal host.
HTML_PAGE = (
    "<html><body><h1>502 Bad Gateway</h1>"
    "<p>upstream https://edge-7.rc-internal.example:8443/restapi timed out</p></body></html>"
)
LEAKS_OF_THE_PAGE = ("https://", "rc-internal.example", "8443", "<html", "Bad Gateway", "<p>")
REF = re.compile(r"\(ref ([0-9a-f]{6})\)")


def refs_in(text: str) -> list[str]:
    return REF.findall(text)


def assert_nothing_leaks(shown: Iterable[str], leaks: Iterable[str]) -> None:
    for text in shown:
        for leak in leaks:
            assert leak not in text, (leak, text)


def logged_with(caplog: pytest.LogCaptureFixture, ref: str) -> str:
    lines = [r.getMessage() for r in caplog.records if ref in r.getMessage()]
    assert lines, f"no log line has ref {ref}"
    return "\n".join(lines)


def replace_with_a_directory(path: Path, *, keep: Path) -> None:
    """Move the file away and leave a directory in its place: SQLite cannot open that."""
    path.rename(keep)
    path.mkdir()


def everything_shown(message: dict[str, Any]) -> list[str]:
    """What a person can read of a message: its blocks and its notification text."""
    return [texts(message), str(message.get("text") or "")]


async def test_ringcentral_answering_an_html_page_is_a_sentence_and_a_ref(
    app: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    post = await send_request(app, app.carla, add=["6004"])
    app.sandbox.inject_fault(Fault(path_pattern=r"/bulk-assign$", status=502, body=HTML_PAGE))
    await app.click(app.alex, ids.REVIEW_REQUEST, message=post)
    await app.submit(app.alex, app.top_modal(app.alex), {})

    failed_post = app.approval_posts()[-1]
    outcome_dm = app.dms(app.carla)[-1]
    approver_modal = app.top_modal(app.alex)
    await app.command(app.carla, "support")
    await app.click(app.carla, ids.SHOW_HISTORY, message=app.last_ephemeral(app.carla))
    history = app.top_modal(app.carla)
    shown = [
        *everything_shown(failed_post),
        *everything_shown(outcome_dm),
        texts(approver_modal),
        texts(history),
    ]

    assert "*Failed.*" in texts(failed_post) and "Nothing was changed." in texts(failed_post)
    assert "RingCentral is unavailable while changing the SMS handlers" in texts(failed_post)
    assert_nothing_leaks(shown, LEAKS_OF_THE_PAGE)
    [ref] = set(refs_in(texts(failed_post)))
    for text in (texts(outcome_dm), texts(approver_modal), texts(history)):
        assert ref in refs_in(text), text
    logged = logged_with(caplog, ref)
    assert "edge-7.rc-internal.example" in logged and "HTTP 502" in logged
    assert app.sandbox.sms_recipients(SUPPORT) == ["6001", "6002"]


async def test_ringcentral_refusing_a_read_with_an_html_page_is_a_sentence_and_a_ref(
    app: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    app.sandbox.inject_fault(
        Fault(path_pattern=r"/4001/sms-recipients$", method="GET", status=403, body=HTML_PAGE)
    )
    await app.command(app.nina, "support")

    answer = app.last_ephemeral(app.nina)
    assert "RingCentral denied permission while reading the SMS handlers" in texts(answer)
    assert_nothing_leaks(everything_shown(answer), LEAKS_OF_THE_PAGE)
    [ref] = refs_in(texts(answer))
    assert "rc-internal.example" in logged_with(caplog, ref)


async def test_a_database_that_cannot_be_opened_is_a_sentence_and_a_ref(
    app: Harness, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.INFO)
    post = await send_request(app, app.carla, add=["6004"])
    database = app.container.database
    await database.engine.dispose()  # the pooled connections keep the old file open
    path = Path(str(database.url.database))
    replace_with_a_directory(path, keep=tmp_path / "elsewhere.db")

    await app.click(app.alex, ids.REVIEW_REQUEST, message=post)

    answer = app.last_ephemeral(app.alex, APPROVALS)
    assert "The bot could not reach its database" in texts(answer)
    assert "tell the app's administrators" in texts(answer)
    assert_nothing_leaks(everything_shown(answer), (str(tmp_path), "e2e.db", "sqlite"))
    [ref] = refs_in(texts(answer))
    logged = logged_with(caplog, ref)
    assert str(path) in logged and "unable to open database file" in logged
    assert ids.REVIEW_MODAL not in [v["callback_id"] for v in app.slack.modal_stack(app.alex.id)]


async def test_a_database_dsn_to_a_closed_port_is_a_sentence_and_a_ref(
    app: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    post = await send_request(app, app.carla, add=["6004"])
    port = free_port()
    database = app.container.database
    await database.engine.dispose()
    # The same Database object every service holds, now pointing at a port nobody listens on.
    Database.__init__(
        database, create_engine(f"postgresql://sms:hunter2@127.0.0.1:{port}/sms_handlers")
    )

    await app.click(app.alex, ids.REVIEW_REQUEST, message=post)

    answer = app.last_ephemeral(app.alex, APPROVALS)
    assert "The bot could not reach its database" in texts(answer)
    leaks = ("127.0.0.1", str(port), "postgresql", "hunter2", "sms_handlers", "refused")
    assert_nothing_leaks(everything_shown(answer), leaks)
    [ref] = refs_in(texts(answer))
    logged = logged_with(caplog, ref)
    assert f"127.0.0.1:{port}/sms_handlers" in logged and "connection refused" in logged
    assert "hunter2" not in caplog.text


async def test_a_button_whose_value_cannot_be_read_is_refused_with_a_sentence(
    app: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    post = await send_request(app, app.carla, add=["6004"])
    payload = app.click_payload(app.alex, ids.REVIEW_REQUEST, message=post)
    payload["actions"][0]["value"] = "not-a-number"
    status, _ = await app.post(payload, kind="interactive")
    await app.settle()

    assert status == 200
    shown = texts(app.last_ephemeral(app.alex, APPROVALS))
    assert "That button could not be read" in shown and "nothing was done" in shown
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "Waiting for an approver" in texts(app.approval_posts()[-1])


@pytest.mark.parametrize("metadata", ["not-a-number", "", "0", "-3", "9" * 30, '{"r": "1"}'])
async def test_a_review_whose_metadata_is_not_a_request_id_is_refused_in_the_modal(
    app: Harness, caplog: pytest.LogCaptureFixture, metadata: str
) -> None:
    post = await send_request(app, app.carla, add=["6004"])
    await app.click(app.alex, ids.REVIEW_REQUEST, message=post)
    review = {**app.top_modal(app.alex), "private_metadata": metadata}
    outcome = await app.submit(app.alex, review, {})

    assert outcome.action == "update"
    assert "This form could not be read" in texts(app.top_modal(app.alex))
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    async with app.container.database.reader() as repo:
        assert [r.status.value for r in await repo.pending_requests()] == ["pending"]
    assert app.sandbox.sms_recipients(SUPPORT) == ["6001", "6002"]


async def test_a_comment_over_the_limit_is_refused_on_its_field_and_not_stored(
    app: Harness,
) -> None:
    post = await send_request(app, app.carla, add=["6004"])
    await app.click(app.alex, ids.REVIEW_REQUEST, message=post)
    outcome = await app.submit(app.alex, app.top_modal(app.alex), {ids.COMMENT_BLOCK: "x" * 3000})

    assert outcome.action == "errors"
    assert outcome.errors == {ids.COMMENT_BLOCK: "Keep the comment under 1000 characters."}
    async with app.container.database.reader() as repo:
        [pending] = await repo.pending_requests()
    assert pending.decision_comment is None
    assert app.sandbox.sms_recipients(SUPPORT) == ["6001", "6002"]


async def test_an_applied_change_whose_modal_cannot_be_updated_is_not_called_a_failure(
    app: Harness,
) -> None:
    post = await send_request(app, app.carla, add=["6004"])
    await app.click(app.alex, ids.REVIEW_REQUEST, message=post)
    app.slack.fail_next("views.update", "internal_error")
    await app.submit(app.alex, app.top_modal(app.alex), {})

    assert "*Applied.*" in texts(app.approval_posts()[-1])
    assert sorted(app.sandbox.sms_recipients(SUPPORT)) == ["6001", "6002", "6004"]
    shown = texts(app.top_modal(app.alex))
    assert "Approving request #1" in shown
    assert "went wrong" not in shown and "nothing was changed" not in shown.lower()
