"""App Home as the start page, through the real app on SQLite and PostgreSQL: each section for
someone with data and empty for someone without (as the Slack stand-in's Block Kit checks accept
them, 100 blocks on Home included), Home published again when a request changes, and the search
box opening a resource's card."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.services.requests import Actor, ChangeDraft
from bot.views import ids
from sms_handlers_sandbox.ringcentral import Fault
from sms_handlers_sandbox.slack_payloads import app_home_opened_event, block_actions, element_action
from tests.e2e.conftest import DatabaseChoice, assert_nothing_rejected
from tests.e2e.test_request_flow import open_request_modal, option, send_request
from tests.support.app_harness import Harness, Person, find_element, running_app, texts
from tests.support.waiting import wait_until

SUPPORT = "4001"


@pytest.fixture
async def app(tmp_path: Path, database_choice: DatabaseChoice) -> AsyncIterator[Harness]:
    """The app on SQLite or PostgreSQL; afterwards nothing it sent Slack was malformed."""
    async with running_app(tmp_path, database_url=database_choice.url) as harness:
        yield harness
        assert_nothing_rejected(harness)


async def open_home(app: Harness, person: Person) -> dict[str, Any]:
    """The person opens the app's Home tab; what it shows."""
    event = app_home_opened_event(
        user_id=person.id, channel_id=f"D{person.id}", bot_user_id=app.slack.bot.bot_user_id
    )
    before = publications(app, person)
    assert (await app.post(event, kind="event"))[0] == 200
    # Bolt runs event listeners after its ack, outside the app's task set: wait for the publish.
    await wait_until(lambda: publications(app, person) > before, what=f"{person.id}'s Home")
    await app.settle()
    return home_of(app, person)


def home_of(app: Harness, person: Person) -> dict[str, Any]:
    home = app.slack.home_view(person.id)
    assert home is not None, f"no Home published for {person.id}"
    return home


def publications(app: Harness, person: Person) -> int:
    return len([c for c in app.slack.calls_to("views.publish") if c.args["user_id"] == person.id])


def accessories(view: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (b["accessory"]["action_id"], b["accessory"]["value"])
        for b in view["blocks"]
        if "accessory" in b
    ]


async def approve(app: Harness, approver: Person, request_id: int) -> None:
    post = next(p for p in app.approval_posts() if f"#{request_id}*" in texts(p))
    await app.click(approver, ids.REVIEW_REQUEST, message=post)
    await app.submit(approver, app.top_modal(approver), {})


async def create_request(app: Harness, person: Person, *, add: str) -> int:
    """A request stored and announced as the request modal would (set-up for many of them)."""
    created = await app.container.requests.create(
        draft=ChangeDraft(resource_id=SUPPORT, add_ids=(add,), remove_ids=(), reason="cover"),
        requester=Actor(id=person.id, name=person.real_name),
    )
    return created.id


async def test_home_shows_each_section_for_someone_with_data_and_empty_states_otherwise(
    app: Harness,
) -> None:
    await app.command(app.carla, "main")  # the main site's handlers (Carla) are read once
    await send_request(app, app.carla, add=["6004"])
    await approve(app, app.alex, 1)
    await send_request(app, app.carla, add=["6012"])

    carla = await open_home(app, app.carla)
    shown = texts(carla)
    assert "*Your open requests (1)*" in shown and "*#2 Support* · asked on" in shown
    assert "➕ Liam O'Brien (ext. 1012)" in shown and "Waiting for an approver" in shown
    assert accessories(carla) == [(ids.CANCEL_REQUEST, "2")]
    assert "Only approvers decide requests, so none waits for you." in shown
    assert "*Your temporary changes still running (0)*" in shown
    assert "None of your temporary changes is running." in shown
    assert "*Resources you handle (1)*\n• *Acme Corp HQ* · Main site" in shown
    assert "From the handler lists the bot read from RingCentral since <!date^" in shown
    assert "*Support* · <!date^" in shown and "The bot applied request #1" in shown
    assert "➕ Dan Miller (ext. 1004)" in shown
    assert not [e for e in _buttons(carla) if e["action_id"].startswith("export_history")]

    alex = await open_home(app, app.alex)
    assert "*Requests waiting for a decision (1)*" in texts(alex)
    assert accessories(alex) == [(ids.REVIEW_REQUEST, "2")]
    assert {ids.EXPORT_HISTORY_CSV, ids.EXPORT_HISTORY_JSON} <= {
        e["action_id"] for e in _buttons(alex)
    }

    nina = await open_home(app, app.nina)
    shown = texts(nina)
    assert "*Your open requests (0)*" in shown and "You have no open request." in shown
    assert "Requests waiting for a decision (0)" in shown
    assert "No RingCentral user has your email (nina@acme.example)" in shown
    assert "No handler changed yet on a resource you asked to change." in shown
    assert accessories(nina) == [] and _buttons(nina) == []
    app.assert_everything_accepted()


async def test_home_with_many_requests_stays_within_100_blocks_and_says_how_many_more(
    app: Harness,
) -> None:
    for index in range(30):
        await create_request(app, app.carla, add=("6004", "6005", "6011")[index % 3])
    carla = await open_home(app, app.carla)
    alex = await open_home(app, app.alex)
    assert "*Your open requests (30)*" in texts(carla)
    assert "…and 25 more open requests of yours." in texts(carla)
    assert "*Requests waiting for a decision (30)*" in texts(alex)
    assert "…and 20 more waiting" in texts(alex)
    assert len(carla["blocks"]) <= 100 and len(alex["blocks"]) <= 100
    assert all(call.ok for call in app.slack.calls_to("views.publish"))


async def test_home_is_published_again_when_a_request_changes_state(app: Harness) -> None:
    for person in (app.carla, app.alex, app.sam, app.nina):
        await open_home(app, person)
    nina_before = publications(app, app.nina)

    await send_request(app, app.carla, add=["6004"])  # created
    assert accessories(home_of(app, app.carla)) == [(ids.CANCEL_REQUEST, "1")]
    assert accessories(home_of(app, app.alex)) == [(ids.REVIEW_REQUEST, "1")]
    assert accessories(home_of(app, app.sam)) == [(ids.REVIEW_REQUEST, "1")]  # via the group

    home = home_of(app, app.alex)  # Review from Home, then approve: applied
    await app.click(app.alex, ids.REVIEW_REQUEST, view=home, value="1")
    await app.submit(app.alex, app.top_modal(app.alex), {})
    assert "*Your open requests (0)*" in texts(home_of(app, app.carla))
    assert "The bot applied request #1" in texts(home_of(app, app.carla))
    assert "*Requests waiting for a decision (0)*" in texts(home_of(app, app.sam))

    await send_request(app, app.carla, add=["6005"])  # cancelled from Home
    await app.click(app.carla, ids.CANCEL_REQUEST, view=home_of(app, app.carla), value="2")
    assert "*Cancelled* by the requester" in texts(app.approval_posts()[-1])
    assert "*Your open requests (0)*" in texts(home_of(app, app.carla))
    assert accessories(home_of(app, app.alex)) == []

    post = await send_request(app, app.carla, add=["6011"])  # rejected
    await app.click(app.sam, ids.REVIEW_REQUEST, message=post)
    await app.click(app.sam, ids.REJECT_REQUEST, view=app.top_modal(app.sam))
    assert accessories(home_of(app, app.sam)) == []
    assert "*Your open requests (0)*" in texts(home_of(app, app.carla))

    app.sandbox.inject_fault(Fault(path_pattern=r"/bulk-assign$", status=500, times=1))
    await send_request(app, app.carla, add=["6012"])  # failed
    await approve(app, app.alex, 4)
    shown = texts(home_of(app, app.carla))
    assert "*Your open requests (1)*" in shown and "*#4 Support*" in shown
    assert "*Failed.*" in shown
    assert accessories(home_of(app, app.carla)) == []  # an approver retries, not the requester

    assert publications(app, app.nina) == nina_before  # nothing of this concerns Nina


async def test_home_of_someone_added_as_a_handler_shows_the_resource_once_applied(
    app: Harness,
) -> None:
    carla = await open_home(app, app.carla)
    assert "*Resources you handle (1)*" not in texts(carla)
    await send_request(app, app.nina, add=["6003"])  # Nina adds Carla Diaz to Support
    assert publications(app, app.carla) == 1  # not Carla's request, nor hers to decide
    await approve(app, app.alex, 1)
    shown = texts(home_of(app, app.carla))
    assert "*Resources you handle (1)*\n• *Support* · Call queue" in shown
    assert publications(app, app.carla) == 2


async def test_only_people_who_opened_home_get_it_published(app: Harness) -> None:
    await open_home(app, app.alex)
    await send_request(app, app.carla, add=["6004"])
    assert publications(app, app.alex) == 2
    assert publications(app, app.carla) == 0 and publications(app, app.sam) == 0


async def test_a_failing_home_publication_does_not_hold_up_the_request(app: Harness) -> None:
    await open_home(app, app.alex)
    app.slack.fail_next("views.publish", "internal_error")
    post = await send_request(app, app.carla, add=["6004"])
    assert "Waiting for an approver" in texts(post)
    assert "*Your request #1* was sent to the approvers." in texts(app.dms(app.carla)[-1])
    assert not app.slack.calls_to("views.publish")[-1].ok
    await approve(app, app.alex, 1)  # the next change publishes Home again
    assert app.slack.calls_to("views.publish")[-1].ok
    assert "Requests waiting for a decision (0)" in texts(home_of(app, app.alex))


async def search(app: Harness, person: Person, typed: str) -> dict[str, Any]:
    """Type in Home's search box and press Enter; the modal that opens."""
    home = home_of(app, person)
    element, block_id = find_element(home, ids.HOME_SEARCH)
    payload = block_actions(
        user=person.slack,
        action=element_action(element, block_id=block_id, selected=typed),
        trigger_id=app.slack.new_trigger_id(person.id),
        view=home,
    )
    assert await app.post(payload, kind="interactive") == (200, "")
    await app.settle()
    return app.top_modal(person)


async def test_the_search_box_opens_a_card_whose_buttons_work_in_the_modal(
    app: Harness,
) -> None:
    await open_home(app, app.carla)
    card = await search(app, app.carla, "104")
    assert card["callback_id"] == ids.RESOURCE_MODAL
    assert "Ava Chen (ext. 1001)" in texts(card) and "Ben Ortiz (ext. 1002)" in texts(card)

    await app.click(app.carla, ids.REQUEST_CHANGE, view=card)
    form = app.top_modal(app.carla)
    assert form["callback_id"] == ids.REQUEST_MODAL
    assert len(app.slack.modal_stack(app.carla.id)) == 2  # pushed on top of the card
    offered = await app.suggest(
        app.carla, form, block_id=ids.ADD_BLOCK, action_id=ids.ADD_ACTION, typed="dan"
    )
    outcome = await app.submit(
        app.carla, form, {ids.ADD_BLOCK: [option(offered, "6004")], ids.REASON_BLOCK: "cover"}
    )
    assert outcome.action == "update"
    assert "Request #1 for *Support* was sent" in texts(app.top_modal(app.carla))
    assert accessories(home_of(app, app.carla)) == [(ids.CANCEL_REQUEST, "1")]

    app.slack.close_view(app.carla.id)
    await app.click(app.carla, ids.SHOW_HISTORY, view=app.top_modal(app.carla))
    assert app.top_modal(app.carla)["callback_id"] == ids.HISTORY_MODAL
    assert "opened request #1" in texts(app.top_modal(app.carla))


async def test_the_search_box_offers_candidates_then_the_card_and_says_when_nothing_matches(
    app: Harness,
) -> None:
    await open_home(app, app.nina)
    choices = await search(app, app.nina, "supp")
    assert "Several resources match *supp*" in texts(choices)
    await app.click(app.nina, ids.PICK_RESOURCE, view=choices, value="4004")
    card = app.top_modal(app.nina)
    assert card["id"] == choices["id"] and "Support Escalations" in texts(card)
    assert [b["elements"][0]["action_id"] for b in card["blocks"] if b["type"] == "actions"] == [
        ids.REQUEST_CHANGE
    ]

    nothing = await search(app, app.nina, "zzz-nowhere")
    assert 'Nothing matches "zzz-nowhere"' in texts(nothing)


async def test_a_request_modal_opened_from_a_message_card_still_opens_on_its_own(
    app: Harness,
) -> None:
    modal = await open_request_modal(app, app.carla)  # the card in a channel, as before
    assert len(app.slack.modal_stack(app.carla.id)) == 1
    assert modal["callback_id"] == ids.REQUEST_MODAL


def _buttons(view: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for block in view["blocks"]:
        elements = list(block.get("elements") or [])
        if block.get("accessory"):
            elements.append(block["accessory"])
        found += [e for e in elements if e.get("type") == "button"]
    return found
