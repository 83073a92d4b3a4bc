"""Looking around: lookups, list, who, History with Older."""

from __future__ import annotations

from pathlib import Path

from bot.services.requests import Actor, ChangeDraft
from bot.views import ids
from tests.support.app_harness import Harness, running_app, texts


async def test_ambiguous_query_offers_candidates_to_pick(app: Harness) -> None:
    await app.command(app.nina, "supp")
    choices = app.last_ephemeral(app.nina)
    assert "Several resources match *supp*" in texts(choices)
    await app.click(app.nina, ids.PICK_RESOURCE, message=choices, value="4004")
    assert "Support Escalations (call queue, ext. 107)" in texts(app.last_ephemeral(app.nina))
    app.assert_everything_accepted()


async def test_unknown_query_gives_closest_names(app: Harness) -> None:
    await app.command(app.nina, "Suport")
    assert "No resource matches *Suport*.\nClosest names: *Support*" in texts(
        app.last_ephemeral(app.nina)
    )


async def test_phone_number_and_ivr_menu_resolve_to_their_site(app: Harness) -> None:
    await app.command(app.nina, "(650) 555-0110")
    card = texts(app.last_ephemeral(app.nina))
    assert "Acme Corp HQ (main site, ext. 101)" in card
    assert "IVR menu number (Main Menu)" in card
    assert "is a number of the IVR menu Main Menu" in card
    assert "Carla Diaz (ext. 1003)" in card


async def test_list_pages(tmp_path: Path) -> None:
    async with running_app(tmp_path, list_page_size=4) as app:
        await app.command(app.nina, "list")
        first = app.last_ephemeral(app.nina)
        assert "Common resources (7)" in texts(first) and "Page 1 of 2" in texts(first)
        assert "*Acme Corp HQ* (ext. 101) · Main site · 1 handler · 3 numbers" in texts(first)
        await app.click(app.nina, ids.LIST_NEXT, message=first)
        second = app.last_ephemeral(app.nina)
        assert "Page 2 of 2" in texts(second)
        assert "*Support* (ext. 104) · Call queue · 2 handlers · 1 number" in texts(second)
        assert second["ts"] == first["ts"]  # replaced in place
        app.assert_everything_accepted()


async def test_who_by_mention_email_and_name(app: Harness) -> None:
    await app.command(app.nina, "who <@U0CARLA|carla>")
    assert "*Carla Diaz* handles SMS for\n• *Acme Corp HQ* · Main site" in texts(
        app.last_ephemeral(app.nina)
    )
    await app.command(app.nina, "who ben.ortiz@acme.example")
    ben = texts(app.last_ephemeral(app.nina))
    assert "*Ben Ortiz* handles SMS for" in ben and "*Sales*" in ben and "*Support*" in ben
    await app.command(app.nina, "who Dan Miller")
    assert "• *Boston Office* · Site" in texts(app.last_ephemeral(app.nina))
    await app.command(app.nina, "who <@U0ALEX|alex>")
    assert "No RingCentral user matches *Alex Approver*" in texts(app.last_ephemeral(app.nina))
    await app.command(app.nina, "who")
    assert "Say whom to look for" in texts(app.last_ephemeral(app.nina))


async def test_history_newest_first_with_older_button(app: Harness) -> None:
    service = app.container.requests
    rita = Actor(app.carla.id, "Carla Diaz")
    for number in range(6):
        draft = ChangeDraft("4001", ("6004",), (), f"attempt {number}")
        request = await service.create(draft=draft, requester=rita)
        await service.cancel(request_id=request.id, user=rita)
    await app.settle()
    await app.command(app.nina, "support")
    await app.click(app.nina, ids.SHOW_HISTORY, message=app.last_ephemeral(app.nina))
    first = app.top_modal(app.nina)
    assert first["callback_id"] == ids.HISTORY_MODAL
    shown = texts(first)
    assert shown.index("cancelled request #6") < shown.index("opened request #6")
    assert "attempt 0" not in shown
    await app.click(app.nina, ids.HISTORY_OLDER, view=first)
    older = texts(app.top_modal(app.nina))
    assert "opened request #1" in older and "_attempt 0_" in older
    assert "#6" not in older
    await app.click(app.nina, ids.HISTORY_NEWEST, view=app.top_modal(app.nina))
    assert "cancelled request #6" in texts(app.top_modal(app.nina))
    app.assert_everything_accepted()
