"""`/sms-handlers history QUERY`: a resource's change history in the History modal, opened by
the slash command itself, through the real app on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.services.requests import Actor, ChangeDraft
from bot.views import ids
from bot.views.requests import GENERIC_APOLOGY
from tests.e2e.conftest import DatabaseChoice, assert_nothing_rejected
from tests.e2e.test_home import approve
from tests.e2e.test_request_flow import SUPPORT, send_request
from tests.support.app_harness import Harness, running_app, texts
from tests.unit.views.blockkit import walk

BOSTON_OFFICE, DENVER_OFFICE = "2000", "3000"


@pytest.fixture
async def app(tmp_path: Path, database_choice: DatabaseChoice) -> AsyncIterator[Harness]:
    """The demo account with request #1 (Dan Miller added to Support) approved and applied."""
    async with running_app(tmp_path, database_url=database_choice.url) as harness:
        await send_request(harness, harness.carla, add=["6004"])
        await approve(harness, harness.alex, 1)
        assert "6004" in harness.sandbox.sms_recipients(SUPPORT)
        yield harness
        assert_nothing_rejected(harness)


async def history_command(app: Harness, text: str) -> tuple[list[str], dict[str, Any] | None]:
    """Nina types `/sms-handlers TEXT`: the Slack methods the app called for it, and the modal
    she then has open (if any)."""
    before = len(app.slack.calls)
    status, body = await app.command(app.nina, text)
    assert (status, body.strip()) == (200, "")  # acknowledged at once, answered afterwards
    methods = [call.method for call in app.slack.calls[before:]]
    stack = app.slack.modal_stack(app.nina.id)
    return methods, (stack[-1] if stack else None)


def assert_no_failure_shown(shown: str) -> None:
    assert "Traceback" not in shown and "Error" not in shown and GENERIC_APOLOGY not in shown


async def test_history_command_shows_the_applied_events_in_the_modal_it_opens(
    app: Harness,
) -> None:
    reads = len(app.sandbox.requests)
    methods, modal = await history_command(app, "history support")
    assert methods == ["views.open", "views.update"]
    # found as a card's lookup finds it, without reading its handlers from RingCentral
    assert not [r.path for r in app.sandbox.requests[reads:] if "sms-recipients" in r.path]
    opened = app.slack.calls_to("views.open")[-1]
    # the loading modal first, opened with the command's trigger id; the history replaces it
    assert opened.args["view"]["callback_id"] == ids.LOADING_MODAL
    assert "Loading the history" in texts(opened.args["view"])
    assert modal is not None and modal["callback_id"] == ids.HISTORY_MODAL
    assert modal["id"] == opened.response["view"]["id"]
    shown = texts(modal)
    assert "Changes to the SMS handlers of *Support*" in shown
    order = [
        shown.index(f"{verb} request #1")
        for verb in ("applied", "started applying", "approved", "opened")
    ]
    assert order == sorted(order)  # newest first
    assert "➕ Dan Miller (ext. 1004)" in shown
    assert "Older" not in shown and "Newest" not in shown  # four events: one page
    app.assert_everything_accepted()


async def test_history_command_pages_like_the_history_button(app: Harness) -> None:
    service = app.container.requests
    carla = Actor(app.carla.id, "Carla Diaz")
    for number in range(4):  # eight more events: twelve in all, more than a page
        draft = ChangeDraft(SUPPORT, ("6003",), (), f"attempt {number}")
        request = await service.create(draft=draft, requester=carla)
        await service.cancel(request_id=request.id, user=carla)
    await app.settle()
    _, first = await history_command(app, "history ext 104")  # Support's extension number
    assert first is not None and first["callback_id"] == ids.HISTORY_MODAL
    assert "cancelled request #5" in texts(first) and "opened request #1" not in texts(first)
    await app.click(app.nina, ids.HISTORY_OLDER, view=first)
    older = texts(app.top_modal(app.nina))
    assert "opened request #1" in older and "#5" not in older
    await app.click(app.nina, ids.HISTORY_NEWEST, view=app.top_modal(app.nina))
    assert "cancelled request #5" in texts(app.top_modal(app.nina))
    app.assert_everything_accepted()


async def test_a_query_naming_several_resources_offers_each_ones_history(app: Harness) -> None:
    recipients = {r: app.sandbox.sms_recipients(r) for r in (SUPPORT, BOSTON_OFFICE, DENVER_OFFICE)}
    methods, modal = await history_command(app, "history office")
    assert methods == ["views.open", "views.update"]  # no message, no change: only the modal
    assert modal is not None and modal["callback_id"] == ids.HISTORY_MODAL
    shown = texts(modal)
    assert "Several resources match *office*. Whose history?" in shown
    assert "*Boston Office* · Site" in shown and "*Denver Office* · Site" in shown
    assert_no_failure_shown(shown)
    assert {r: app.sandbox.sms_recipients(r) for r in recipients} == recipients
    assert not app.ephemerals(app.nina)

    # Its History button opens that resource's history on top (Back returns to the choice).
    await app.click(app.nina, ids.SHOW_HISTORY, value=BOSTON_OFFICE, view=modal)
    stack = app.slack.modal_stack(app.nina.id)
    assert len(stack) == 2 and stack[0]["id"] == modal["id"]
    assert "Changes to the SMS handlers of *Boston Office*" in texts(stack[-1])
    assert "No changes recorded yet." in texts(stack[-1])
    app.assert_everything_accepted()


async def test_a_query_naming_none_offers_the_closest_names_history(app: Harness) -> None:
    _, modal = await history_command(app, "history suport")
    assert modal is not None
    shown = texts(modal)
    assert "No resource matches *suport*. Closest names:" in shown and "*Support* · " in shown
    await app.click(app.nina, ids.SHOW_HISTORY, value=SUPPORT, view=modal)
    assert "applied request #1" in texts(app.top_modal(app.nina))

    _, modal = await history_command(app, "history nothing-like-this")
    assert modal is not None
    shown = texts(modal)
    assert 'Nothing matches "nothing-like-this". Known resources: ' in shown
    assert_no_failure_shown(shown)
    buttons = [e for e in walk(modal["blocks"]) if e.get("type") == "button"]
    assert buttons == []
    app.assert_everything_accepted()


async def test_history_alone_answers_the_usage_line_and_opens_nothing(app: Harness) -> None:
    methods, modal = await history_command(app, "history")
    assert modal is None and "views.open" not in methods
    usage = texts(app.last_ephemeral(app.nina))
    assert "Usage: `/sms-handlers history QUERY`" in usage
    assert "`/sms-handlers history support`" in usage
    assert_no_failure_shown(usage)
    app.assert_everything_accepted()


async def test_the_query_is_escaped_where_the_modal_repeats_it(app: Harness) -> None:
    # What Slack sends (should_escape) when someone types `history <!channel> &` literally
    _, modal = await history_command(app, "history &lt;!channel&gt; &amp;")
    assert modal is not None
    shown = texts(modal)
    assert 'Nothing matches "&lt;!channel&gt; &amp;".' in shown
    assert "<!channel>" not in shown and "& " not in shown.replace("&amp;", "")
    # ...and when they type @channel, which Slack formats as a special mention
    _, modal = await history_command(app, "history <!channel> nowhere")
    assert modal is not None
    shown = texts(modal)
    assert 'Nothing matches "!channel nowhere".' in shown and "<!channel>" not in shown
    app.assert_everything_accepted()
