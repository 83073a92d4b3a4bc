from __future__ import annotations

from bot.db.repository import HistoryPage
from bot.domain import OPERATOR_ACTOR, SYSTEM_ACTOR, AuditAction
from bot.services.history import ResourceHistory
from bot.services.lookup import LookupResult, LookupStatus
from bot.services.ranking import Candidate
from bot.views import ids
from bot.views.history import HistoryCursor, event_text, history_choices_modal, history_modal
from bot.views.resources import MAX_CANDIDATES
from sms_handlers_sandbox.slack.blockkit import view_problems
from tests.unit.views.blockkit import all_texts, mrkdwn_texts, render_view, walk
from tests.unit.views.factories import audit_event, ref, support_queue


def test_cursor_round_trip() -> None:
    cursor = HistoryCursor(resource_id="4001", before="2026-11-26T14:30:00|42")
    assert HistoryCursor.from_value(cursor.to_value()) == cursor
    assert HistoryCursor.from_value(HistoryCursor("1000").to_value()).before is None


def test_event_text_covers_who_what_when_and_escapes() -> None:
    text = event_text(audit_event(1, details={"reason": "<!channel> go"}))
    assert "<@U0REQ> opened request #7" in text
    assert "➕ Carla Diaz (ext. 1003)" in text
    assert "&lt;!channel&gt; go" in text and "<!channel>" not in text
    external = event_text(
        audit_event(
            2,
            actor_id=SYSTEM_ACTOR,
            action=AuditAction.EXTERNAL_CHANGE,
            request_id=None,
            added=(),
            removed=(ref(1, "Ava Chen"),),
        )
    )
    marked = ":warning: *Changed outside the bot* (in RingCentral)\n➖ Ava Chen (ext. 1001)"
    assert external.endswith(marked)
    failed = event_text(
        audit_event(3, action=AuditAction.APPLY_FAILED, details={"error_message": "boom <x>"})
    )
    assert ":x: boom &lt;x&gt;" in failed


def test_applied_with_a_warning_shows_it_also_from_events_written_before_0003() -> None:
    warned = event_text(
        audit_event(4, action=AuditAction.APPLIED, details={"warning": "Grace <Kim> unlicensed"})
    )
    legacy = event_text(
        audit_event(
            5,
            action=AuditAction.APPLIED,
            details={"error_code": "UNREADY_HANDLERS", "error_message": "Grace <Kim> unlicensed"},
        )
    )
    assert warned.endswith("\n:warning: Grace &lt;Kim&gt; unlicensed")
    assert legacy.endswith("\n:warning: Grace &lt;Kim&gt; unlicensed")


def test_history_first_page_has_only_older() -> None:
    events = tuple(audit_event(i) for i in range(10))
    view = render_view(
        history_modal(
            ResourceHistory(support_queue(), HistoryPage(events=events, next_before_id=41)),
            is_first_page=True,
        )
    )
    buttons = {d["action_id"]: d["value"] for d in walk(view) if d.get("type") == "button"}
    assert set(buttons) == {ids.HISTORY_OLDER}
    assert HistoryCursor.from_value(buttons[ids.HISTORY_OLDER]) == HistoryCursor("4001", "41")
    assert len([t for t in mrkdwn_texts(view) if "opened request" in t]) == 10


def test_history_last_page_has_newest_only_and_empty_says_so() -> None:
    view = render_view(
        history_modal(
            ResourceHistory(
                support_queue(), HistoryPage(events=(audit_event(1),), next_before_id=None)
            ),
            is_first_page=False,
        )
    )
    buttons = {d["action_id"] for d in walk(view) if d.get("type") == "button"}
    assert buttons == {ids.HISTORY_NEWEST}
    empty = render_view(
        history_modal(
            ResourceHistory(support_queue(), HistoryPage(events=(), next_before_id=None)),
            is_first_page=True,
        )
    )
    assert "No changes recorded yet." in all_texts(empty)


def test_the_steps_of_an_apply_and_of_a_recovery_read_as_sentences() -> None:
    def line(action: AuditAction, **kwargs: object) -> str:
        event = audit_event(6, actor_id=SYSTEM_ACTOR, action=action, added=(), removed=(), **kwargs)
        return event_text(event).split(" · ", 1)[1]

    assert line(AuditAction.APPLYING) == "The bot started applying request #7"
    assert line(AuditAction.TAKEN_OVER) == "The bot took over, after a stop, request #7"
    assert line(AuditAction.REAPPLYING) == "The bot sent again the missing part of request #7"
    operator = audit_event(
        7, actor_id=OPERATOR_ACTOR, actor_name="ops@<host>", action=AuditAction.RETRIED
    )
    assert "An operator (ops@&lt;host&gt;) retried request #7" in event_text(operator)


def test_choices_offer_each_candidates_history_within_slacks_limits() -> None:
    many = tuple(
        Candidate(support_queue(id=str(4000 + i), name=f"Support <{i}> " + "x" * 150), 0.8, "")
        for i in range(15)
    )
    result = LookupResult("sup <b>", LookupStatus.AMBIGUOUS, candidates=many)
    view = render_view(history_choices_modal(result))
    assert view_problems(view) == []
    buttons = [e for e in walk(view["blocks"]) if e.get("type") == "button"]
    assert {b["action_id"] for b in buttons} == {ids.SHOW_HISTORY}
    assert [b["value"] for b in buttons] == [str(4000 + i) for i in range(MAX_CANDIDATES)]
    text = all_texts(view)
    assert "Several resources match *sup &lt;b&gt;*. Whose history?" in text
    assert "*Support &lt;0&gt; x" in text and "<0>" not in text
    assert f"…and {15 - MAX_CANDIDATES} more: type more of the name." in text


def test_without_close_names_the_choices_say_the_lookups_note() -> None:
    result = LookupResult("zz <q>", LookupStatus.NOT_FOUND, note='Nothing matches "zz <q>".')
    view = render_view(history_choices_modal(result))
    assert all_texts(view).startswith('Nothing matches "zz &lt;q&gt;".\n')
    assert "<q>" not in all_texts(view)
    assert not [e for e in walk(view["blocks"]) if e.get("type") == "button"]
