from __future__ import annotations

import re

from bot.domain import NumberSource, ResourceType, SharedNumber, ThreadMessagingFeature
from bot.views import ids
from bot.views.history import home_view
from bot.views.resources import (
    ListRow,
    WhoCoverage,
    WhoRow,
    candidates_message,
    help_message,
    list_message,
    no_match_message,
    resource_card,
    who_message,
)
from tests.unit.views.blockkit import all_texts, mrkdwn_texts, render_message, walk
from tests.unit.views.factories import WHEN, handler, support_queue


def _buttons(blocks: object) -> dict[str, str]:
    return {d["action_id"]: d["value"] for d in walk(blocks) if d.get("type") == "button"}


def test_card_shows_numbers_handlers_flags_and_buttons() -> None:
    resource = support_queue()
    handlers = [
        handler(1, "Ava Chen"),
        handler(2, "Ben Ortiz", assignable=False),
        handler(3, "Carla Diaz", has_license=False),
    ]
    blocks = render_message(resource_card(resource=resource, handlers=handlers))
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
    text = all_texts(render_message(resource_card(resource=resource, handlers=[], feature=feature)))
    assert "Support has no SMS-capable shared number." in text
    assert "not available for call queues" in text
    assert "_nobody_" in text


def test_card_for_account_without_the_feature_gives_the_reason() -> None:
    feature = ThreadMessagingFeature(
        available=False, call_queue_supported=False, site_supported=False, reason="not in plan"
    )
    site = support_queue(type=ResourceType.SITE, name="Boston Office")
    text = all_texts(render_message(resource_card(resource=site, handlers=[], feature=feature)))
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
        resource=site,
        handlers=[handler(1, "<@U999> & co")],
        note="Main <Menu> is an IVR menu on HQ: its numbers are handled by HQ's SMS handlers.",
    )
    texts = "\n".join(mrkdwn_texts(render_message(card)))
    assert "<!channel>" not in texts and "<@U999>" not in texts
    assert "&lt;@U999&gt; &amp; co" in texts
    assert "IVR menu number (Main &lt;Menu&gt;)" in texts
    assert ":information_source: Main &lt;Menu&gt; is an IVR menu on HQ" in texts


def test_card_with_hundreds_of_handlers_stays_within_limits() -> None:
    handlers = [handler(i, "A very long name " * 3) for i in range(400)]
    blocks = render_message(resource_card(resource=support_queue(), handlers=handlers))
    text = all_texts(blocks)
    assert "SMS handlers (400)" in text
    shown = re.findall(r"^• A very long name .*\(ext\. (1\d{3})\)$", text, re.MULTILINE)
    left_out = re.findall(r"^…and (\d+) more$", text, re.MULTILINE)
    assert shown[:2] == ["1000", "1001"]
    assert len(left_out) == 1 and len(shown) + int(left_out[0]) == 400


def test_candidates_have_one_show_button_each() -> None:
    candidates = [support_queue(id=str(4000 + i), name=f"Support {i}") for i in range(14)]
    blocks = render_message(candidates_message(query="supp", candidates=candidates))
    values = [d["value"] for d in walk(blocks) if d.get("action_id") == ids.PICK_RESOURCE]
    assert values == [str(4000 + i) for i in range(10)]
    assert "…and 4 more" in all_texts(blocks)


def test_no_match_lists_closest_names_escaped() -> None:
    blocks = render_message(no_match_message(query="<!here>", closest=["Support", "Sales"]))
    text = all_texts(blocks)
    assert "No resource matches *&lt;!here&gt;*" in text
    assert "Closest names: *Support*, *Sales*." in text
    phone = all_texts(
        render_message(no_match_message(query="+1", closest=[], note="Not <shared>."))
    )
    assert "Not &lt;shared&gt;." in phone


def test_list_page_has_counts_and_paging_buttons() -> None:
    rows = [ListRow(support_queue(name=f"Queue {i}"), handler_count=i % 3) for i in range(25)]
    rows[0] = ListRow(support_queue(name="Unknown"), handler_count=None)
    rows[2] = ListRow(support_queue(name="Old"), handler_count=2, seen_at=WHEN)
    blocks = render_message(list_message(rows=rows, page=2, page_count=3, total=70))
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
    blocks = render_message(list_message(rows=[], page=1, page_count=1, total=0))
    assert not [d for d in walk(blocks) if d.get("type") == "button"]
    assert "No common resources found" in all_texts(blocks)
    assert "last saw" not in all_texts(blocks)


def test_who_variants() -> None:
    none = all_texts(render_message(who_message(person_label="<!here>", extension_name=None)))
    assert "No RingCentral user matches *&lt;!here&gt;*" in none
    idle = all_texts(render_message(who_message(person_label="ava", extension_name="Ava Chen")))
    assert "*Ava Chen* does not handle SMS for any shared number." in idle
    busy = all_texts(
        render_message(
            who_message(
                person_label="ava", extension_name="Ava <Chen>", rows=[WhoRow(support_queue())]
            )
        )
    )
    assert busy == "*Ava &lt;Chen&gt;* handles SMS for\n• *Support* · Call queue"


def test_who_while_checking_says_how_sure_and_how_long() -> None:
    coverage = WhoCoverage(total=550, unchecked=530, never_read=500, checking_seconds=22 * 60)
    rows = [WhoRow(support_queue()), WhoRow(support_queue(name="Sales"), seen_at=WHEN)]
    text = all_texts(
        render_message(
            who_message(person_label="a", extension_name="Ava", rows=rows, coverage=coverage)
        )
    )
    assert "*Ava* handles SMS for, as far as the bot has seen:\n• *Support* · Call queue\n" in text
    assert "• *Sales* · Call queue _(as of <!date^" in text
    assert "has not read the handlers of 530 of 550 resources recently (500 never)" in text
    assert "that takes about 22 minutes. The full answer will be posted here." in text
    assert "too many" not in text
    more = WhoCoverage(
        total=1200, unchecked=1200, never_read=1200, checking_seconds=1500, left_out=550
    )
    text = all_texts(
        render_message(who_message(person_label="a", extension_name="Ava", coverage=more))
    )
    assert "about 25 minutes. That is too many for one check: 550 of them will still" in text


def test_who_before_anything_was_read_does_not_pretend() -> None:
    coverage = WhoCoverage(total=550, unchecked=550, never_read=550, checking_seconds=1320)
    text = all_texts(
        render_message(who_message(person_label="a", extension_name="Ava", coverage=coverage))
    )
    assert "has not read any handler lists yet, so it cannot tell yet where *Ava*" in text
    assert "does not handle" not in text


def test_who_after_an_incomplete_check_says_what_is_unsure() -> None:
    coverage = WhoCoverage(total=550, unchecked=30, never_read=30)
    text = all_texts(
        render_message(who_message(person_label="a", extension_name="Ava", coverage=coverage))
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
    ):
        assert example in text


def test_home_tab_usage_does_not_call_itself_a_message() -> None:
    home = all_texts(home_view(pending=[], is_approver=False).to_dict()["blocks"])
    assert "who @person" in home and "this message" not in home
    assert "*`/sms-handlers help`* — this message" in all_texts(render_message(help_message()))
