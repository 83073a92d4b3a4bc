from __future__ import annotations

import re
from datetime import datetime, timedelta

from bot.domain import NumberSource, Resource, ResourceType, SharedNumber, ThreadMessagingFeature
from bot.services.browse import (
    HandledResources,
    ListPage,
    PersonNotFound,
    ResourceCard,
)
from bot.services.handler_index import HandledBy, ListCount, ScanPlan, Sighting
from bot.services.lookup import Candidate, LookupResult, LookupStatus
from bot.views import ids
from bot.views.home import home_view
from bot.views.resources import (
    help_message,
    list_message,
    lookup_message,
    resource_card,
    who_message,
)
from tests.unit.views.blockkit import all_texts, mrkdwn_texts, render_message, walk
from tests.unit.views.factories import WHEN, handler, support_queue, user
from tests.unit.views.test_home import empty_home


def _buttons(blocks: object) -> dict[str, str]:
    return {d["action_id"]: d["value"] for d in walk(blocks) if d.get("type") == "button"}


def test_card_shows_numbers_handlers_flags_and_buttons() -> None:
    resource = support_queue()
    handlers = [
        handler(1, "Ava Chen"),
        handler(2, "Ben Ortiz", assignable=False),
        handler(3, "Carla Diaz", has_license=False),
    ]
    blocks = render_message(resource_card(ResourceCard(resource, tuple(handlers))))
    text = all_texts(blocks)
    assert "Support (call queue, ext. 104)" in text
    assert "+1 (650) 555-0104 — queue direct number" in text
    assert "Ava Chen (ext. 1001)" in text
    assert "Ben Ortiz (ext. 1002) — :warning: not assignable" in text
    assert "Carla Diaz (ext. 1003) — :warning: no licence" in text
    assert "*Site:* Acme Corp HQ" in text
    assert _buttons(blocks) == {ids.REQUEST_CHANGE: "4001", ids.SHOW_HISTORY: "4001"}
    assert ":warning:" not in "".join(
        d["elements"][0]["text"] for d in blocks if d["type"] == "context"
    )


def test_card_warns_about_missing_numbers_and_feature() -> None:
    resource = support_queue(phone_numbers=())
    feature = ThreadMessagingFeature(
        available=True, call_queue_supported=False, site_supported=True
    )
    text = all_texts(render_message(resource_card(ResourceCard(resource, (), feature))))
    assert "Support has no SMS-capable shared number." in text
    assert "not available for call queues" in text
    assert "_nobody_" in text


def test_card_for_account_without_the_feature_gives_the_reason() -> None:
    feature = ThreadMessagingFeature(
        available=False, call_queue_supported=False, site_supported=False, reason="not in plan"
    )
    site = support_queue(type=ResourceType.SITE, name="Boston Office")
    text = all_texts(render_message(resource_card(ResourceCard(site, (), feature))))
    assert "not available on this account (not in plan)" in text


def test_card_explains_ivr_menu_resolution_and_escapes_names() -> None:
    site = support_queue(
        type=ResourceType.MAIN_SITE,
        name="<!channel> HQ",
        phone_numbers=(
            SharedNumber("+16505550110", NumberSource.IVR_MENU_DIRECT_NUMBER, "Main <Menu>"),
        ),
    )
    card = resource_card(
        ResourceCard(
            resource=site,
            handlers=(handler(1, "<@U999> & co"),),
            note="Main <Menu> is an IVR menu on HQ: its numbers are handled by HQ's SMS handlers.",
        )
    )
    texts = "\n".join(mrkdwn_texts(render_message(card)))
    assert "<!channel>" not in texts and "<@U999>" not in texts
    assert "&lt;@U999&gt; &amp; co" in texts
    assert "IVR menu number (Main &lt;Menu&gt;)" in texts
    assert ":information_source: Main &lt;Menu&gt; is an IVR menu on HQ" in texts


def test_card_shown_from_the_last_read_says_when_it_was_read() -> None:
    card = ResourceCard(support_queue(), (handler(1, "Ava Chen"),), handlers_as_of=WHEN)
    context_texts = [
        block["elements"][0]["text"]
        for block in render_message(resource_card(card))
        if block["type"] == "context"
    ]
    stamp = int(WHEN.timestamp())
    assert context_texts == [
        ":hourglass_flowing_sand: RingCentral's rate limit leaves no room to read these handlers "
        f"now: they are as the bot read them <!date^{stamp}^{{date_short_pretty}} {{time}}|"
        "2026-11-26 14:30 UTC>. Open the card again in a minute for the live list."
    ]
    live = render_message(resource_card(ResourceCard(support_queue(), (handler(1, "Ava Chen"),))))
    assert "rate limit" not in all_texts(live)


def test_card_with_hundreds_of_handlers_stays_within_limits() -> None:
    handlers = tuple(handler(i, "A very long name " * 3) for i in range(400))
    blocks = render_message(resource_card(ResourceCard(support_queue(), handlers)))
    text = all_texts(blocks)
    assert "SMS handlers (400)" in text
    shown = re.findall(r"^• A very long name .*\(ext\. (1\d{3})\)$", text, re.MULTILINE)
    left_out = re.findall(r"^…and (\d+) more$", text, re.MULTILINE)
    assert shown[:2] == ["1000", "1001"]
    assert len(left_out) == 1 and len(shown) + int(left_out[0]) == 400


def test_candidates_have_one_show_button_each() -> None:
    candidates = tuple(
        Candidate(support_queue(id=str(4000 + i), name=f"Support {i}"), 0.8, "name")
        for i in range(14)
    )
    result = LookupResult("supp", LookupStatus.AMBIGUOUS, candidates=candidates, note="Several…")
    blocks = render_message(lookup_message(result))
    values = [d["value"] for d in walk(blocks) if d.get("action_id") == ids.PICK_RESOURCE]
    assert values == [str(4000 + i) for i in range(10)]
    assert "…and 4 more" in all_texts(blocks)


def test_no_match_lists_closest_names_escaped() -> None:
    closest = tuple(
        Candidate(support_queue(name=name), 0.6, f"name {name}") for name in ("Support", "Sales")
    )
    result = LookupResult("<!here>", LookupStatus.NOT_FOUND, candidates=closest, note="Nothing…")
    blocks = render_message(lookup_message(result))
    text = all_texts(blocks)
    assert "No resource matches *&lt;!here&gt;*" in text
    assert "Closest names: *Support*, *Sales*." in text
    phone = all_texts(
        render_message(
            lookup_message(LookupResult("+1", LookupStatus.NOT_FOUND, note="Not <shared>."))
        )
    )
    assert "Not &lt;shared&gt;." in phone


def test_list_page_has_counts_and_paging_buttons() -> None:
    rows = [ListCount(support_queue(name=f"Queue {i}"), i % 3, None) for i in range(25)]
    rows[0] = ListCount(support_queue(name="Unknown"), None, None)
    rows[2] = ListCount(support_queue(name="Old"), 2, seen_at=WHEN)
    blocks = render_message(list_message(ListPage(tuple(rows), page=2, page_count=3, total=70)))
    text = all_texts(blocks)
    assert "Common resources (70)" in text
    assert "*Queue 1* (ext. 104) · Call queue · 1 handler · 1 number" in text
    assert "*Unknown* (ext. 104) · Call queue · handlers not read yet · 1 number" in text
    assert "*Old* (ext. 104) · Call queue · 2 handlers (as of <!date^" in text
    assert "some are as the bot last saw them" in text
    assert "Page 2 of 3" in text
    pages = {d["action_id"]: d["value"] for d in walk(blocks) if d.get("type") == "button"}
    assert pages == {ids.LIST_PREVIOUS: "1", ids.LIST_NEXT: "3"}


def test_single_list_page_has_no_paging() -> None:
    blocks = render_message(list_message(ListPage((), page=1, page_count=1, total=0)))
    assert not [d for d in walk(blocks) if d.get("type") == "button"]
    assert "No common resources found" in all_texts(blocks)
    assert "last saw" not in all_texts(blocks)


def _queues(count: int, prefix: str = "Queue") -> tuple[Resource, ...]:
    return tuple(support_queue(id=str(9000 + i), name=f"{prefix} {i}") for i in range(count))


def _known(
    *,
    handled: tuple[Sighting, ...] = (),
    never_read: int = 0,
    old: tuple[Sighting, ...] = (),
    total: int,
    oldest_read: datetime | None = None,
) -> HandledBy:
    return HandledBy(
        handled=handled,
        never_read=_queues(never_read, "Never"),
        old=old,
        total=total,
        oldest_read=oldest_read,
    )


AVA = user(1, "Ava")


def test_who_variants() -> None:
    none = all_texts(render_message(who_message(PersonNotFound(asked="<!here>"))))
    assert "No RingCentral user matches *&lt;!here&gt;*" in none
    idle = all_texts(
        render_message(who_message(HandledResources(AVA, _known(total=7, oldest_read=WHEN))))
    )
    assert "*Ava* does not handle SMS for any shared number." in idle
    assert "From the handler lists read from RingCentral since <!date^" in idle
    busy = all_texts(
        render_message(
            who_message(
                HandledResources(
                    user(1, "Ava <Chen>"),
                    _known(handled=(Sighting(support_queue(), WHEN),), total=7),
                )
            )
        )
    )
    assert busy == "*Ava &lt;Chen&gt;* handles SMS for\n• *Support* · Call queue"


def test_who_while_checking_says_how_sure_and_how_long() -> None:
    sales = Sighting(support_queue(id="4002", name="Sales"), WHEN - timedelta(hours=2))
    old = (sales, *(Sighting(r, WHEN - timedelta(hours=1)) for r in _queues(29, "Old")))
    known = _known(
        handled=(Sighting(support_queue(), WHEN), sales), never_read=500, old=old, total=550
    )
    plan = ScanPlan(to_read=(), left_out=0, seconds=22 * 60)
    text = all_texts(render_message(who_message(HandledResources(AVA, known, checking=plan))))
    assert "*Ava* handles SMS for, as far as the bot has seen:\n• *Support* · Call queue\n" in text
    assert "• *Sales* · Call queue _(as of <!date^" in text
    assert "has not read the handlers of 530 of 550 resources recently (500 never)" in text
    assert "that takes about 22 minutes. The full answer will be posted here." in text
    assert "too many" not in text
    everything = _known(never_read=1200, total=1200)
    more = ScanPlan(to_read=(), left_out=550, seconds=1500)
    text = all_texts(render_message(who_message(HandledResources(AVA, everything, checking=more))))
    assert "about 25 minutes. That is too many for one check: 550 of them will still" in text


def test_who_before_anything_was_read_does_not_pretend() -> None:
    known = _known(never_read=550, total=550)
    plan = ScanPlan(to_read=(), left_out=0, seconds=1320)
    text = all_texts(render_message(who_message(HandledResources(AVA, known, checking=plan))))
    assert "has not read any handler lists yet, so it cannot tell yet where *Ava*" in text
    assert "does not handle" not in text


def test_who_after_an_incomplete_check_says_what_is_unsure() -> None:
    text = all_texts(
        render_message(who_message(HandledResources(AVA, _known(never_read=30, total=550))))
    )
    assert "*Ava* does not handle SMS for any shared number, as far as the bot has seen." in text
    assert "30 of 550 resources could not be read now" in text
    assert "(30 never)" not in text


def test_help_has_examples() -> None:
    text = all_texts(render_message(help_message()))
    for example in (
        "/sms-handlers queue-support",
        "/sms-handlers +16505550100",
        "who @person",
        "list",
        "*`/sms-handlers history QUERY`*",
        "`/sms-handlers history support`",
    ):
        assert example in text


def test_home_tab_usage_does_not_call_itself_a_message() -> None:
    home = all_texts(home_view(empty_home()).to_dict()["blocks"])
    assert "who @person" in home and "this message" not in home
    assert "*`/sms-handlers help`* — this message" in all_texts(render_message(help_message()))
