"""Temporary changes in messages and modals: their end as each reader's time, the buttons, the
notices, what a revert did, the Extend modal and what it carries back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain import AuditAction, ChangeRequest, NoticeKind, RequestStatus, RevertSkip
from bot.services.browse import ResourceCard
from bot.services.temporary import ExtendForm
from bot.views import ids
from bot.views.history import event_text
from bot.views.requests import approval_message, requester_message
from bot.views.resources import resource_card
from bot.views.temporary import (
    ExtendMetadata,
    extend_modal,
    notice_messages,
    revert_messages,
    temporary_line,
)
from tests.unit.views.blockkit import all_texts, render_message, render_view, walk
from tests.unit.views.factories import WHEN, audit_event, change_request, ref, support_queue

ENDS = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # 26 Nov 18:00 in Los Angeles
LA = "America/Los_Angeles"
RUNNING = change_request(
    status=RequestStatus.APPLIED,
    temporary_for=timedelta(hours=8),
    time_zone=LA,
    applied_at=WHEN,
    ends_at=ENDS,
)


def buttons(blocks: object) -> dict[str, str]:
    return {d["action_id"]: d["value"] for d in walk(blocks) if d.get("type") == "button"}


@pytest.mark.parametrize(
    ("request_", "line"),
    [
        (change_request(), None),
        (
            change_request(temporary_for=timedelta(days=1)),
            ":stopwatch: *Temporary:* for 1 day once applied",
        ),
        (
            change_request(temporary_until=ENDS, time_zone=LA),
            ":stopwatch: *Temporary:* until "
            "<!date^1795744800^{date_short_pretty} {time}|2026-11-26 18:00 PST>",
        ),
        (
            RUNNING,
            ":stopwatch: *Temporary:* until "
            "<!date^1795744800^{date_short_pretty} {time}|2026-11-26 18:00 PST>, when the bot "
            "reverts it.",
        ),
        (
            change_request(
                status=RequestStatus.APPLIED,
                temporary_for=timedelta(hours=8),
                ends_at=ENDS,
                ended_at=ENDS,
            ),
            ":stopwatch: *Temporary:* ended "
            "<!date^1795744800^{date_short_pretty} {time}|2026-11-27 02:00 UTC>.",
        ),
    ],
)
def test_where_a_temporary_change_stands(request_: ChangeRequest, line: str | None) -> None:
    assert temporary_line(request_) == line


def test_a_running_change_offers_extend_and_end_now_to_approvers_and_the_requester() -> None:
    for message in (approval_message(RUNNING), requester_message(RUNNING)):
        blocks = render_message(message)
        assert buttons(blocks) == {ids.EXTEND_TEMPORARY: "7", ids.END_TEMPORARY: "7"}
        end_now = next(d for d in walk(blocks) if d.get("action_id") == ids.END_TEMPORARY)
        assert end_now["confirm"]["text"]["text"] == "The bot reverts it at once."
    ended = change_request(
        status=RequestStatus.APPLIED, temporary_for=timedelta(hours=8), ends_at=ENDS, ended_at=ENDS
    )
    assert buttons(render_message(approval_message(ended))) == {}


def test_the_card_lists_what_runs_until_when() -> None:
    card = ResourceCard(resource=support_queue(), handlers=(), temporary=(RUNNING,))
    text = all_texts(render_message(resource_card(card)))
    assert (
        "*Temporary changes running here*\n• #7 ➕ Carla Diaz (ext. 1003), ➖ Ava Chen (ext. 1001)"
        " — until <!date^1795744800^" in text
    )
    unknown = ResourceCard(resource=support_queue(), handlers=(), temporary=None)
    assert "could not be read" in all_texts(render_message(resource_card(unknown)))


def test_a_notice_says_when_in_the_requesters_time_and_offers_the_buttons() -> None:
    thread, dm = notice_messages(RUNNING, NoticeKind.HOUR_BEFORE, left="about an hour")
    assert thread.text == "Temporary change #7 ends in about an hour (Thu 26 Nov 2026 18:00 PST)."
    assert "ends <!date^1795744800^" in all_texts(render_message(thread))
    assert buttons(render_message(thread)) == {}
    assert buttons(render_message(dm)) == {ids.EXTEND_TEMPORARY: "7", ids.END_TEMPORARY: "7"}


def test_what_a_revert_did_and_left_alone_names_are_escaped() -> None:
    original = change_request(
        status=RequestStatus.APPLIED,
        temporary_for=timedelta(hours=8),
        ends_at=ENDS,
        ended_at=ENDS,
        end_skipped=(
            RevertSkip(person=ref(4, "<!channel> Dan"), was_added=True, why="no longer a handler"),
        ),
    )
    revert = change_request(
        id=8,
        status=RequestStatus.APPLIED,
        add=(ref(1, "Ava Chen"),),
        remove=(ref(3, "Carla Diaz"),),
        created_at=ENDS,
        decided_by_id="U0ALEX",
        reverts_request_id=7,
    )
    thread, _ = revert_messages(original, revert)
    text = all_texts(render_message(thread))
    assert "ended early by <@U0ALEX>. The bot reverted it (change #8):" in text
    assert "➕ Ava Chen (ext. 1001)\n➖ Carla Diaz (ext. 1003)" in text
    assert "➕ &lt;!channel&gt; Dan (ext. 1004) — no longer a handler" in text
    assert "<!channel>" not in text

    failed = change_request(
        id=8,
        status=RequestStatus.FAILED,
        error_message="RingCentral <b>down</b>",
        created_at=ENDS,
        decided_by_id="system",
        reverts_request_id=7,
    )
    thread, dm = revert_messages(original, failed)
    assert "reverting it failed (change #8): RingCentral &lt;b&gt;down&lt;/b&gt;" in all_texts(
        render_message(thread)
    )
    assert "ended early" not in all_texts(render_message(thread))
    assert buttons(render_message(thread)) == {ids.RETRY_REQUEST: "8"}
    assert buttons(render_message(dm)) == {}


def test_the_extend_modal_offers_what_fits_and_carries_what_it_showed() -> None:
    form = ExtendForm(request=RUNNING, latest=ENDS + timedelta(days=1, hours=2), time_zone=LA)
    view = render_view(extend_modal(form))
    assert view["callback_id"] == ids.EXTEND_MODAL
    lengths = next(b for b in view["blocks"] if b.get("block_id") == ids.DURATION_BLOCK)
    assert [o["value"] for o in lengths["element"]["options"]] == ["1h", "4h", "1d"]
    time_picker = next(b for b in view["blocks"] if b.get("block_id") == ids.END_TIME_BLOCK)
    assert time_picker["element"]["timezone"] == LA
    carried = ExtendMetadata.from_json(view["private_metadata"])
    assert carried == ExtendMetadata(request_id=7, seen_end=ENDS, time_zone=LA)


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "7",
        "[]",
        '{"r": 7}',
        '{"r": "x", "e": "2026-11-27T02:00:00+00:00"}',
        '{"r": 7, "e": "2026-11-27T02:00:00"}',  # no time zone: not a moment
        '{"r": 7, "e": "tomorrow"}',
        '{"r": 7, "e": "2026-11-27T02:00:00+00:00", "tz": "Mars/Olympus"}',
        '{"r": 7, "e": "2026-11-27T02:00:00+00:00", "tz": "' + "A" * 400 + '"}',
    ],
)
def test_extend_metadata_that_cannot_be_read_is_refused(raw: object) -> None:
    with pytest.raises(ValueError):
        ExtendMetadata.from_json(raw)


def test_history_says_what_happened_to_a_temporary_change() -> None:
    skipped = audit_event(
        9,
        action=AuditAction.REVERT_SKIPPED,
        actor_id="system",
        added=(),
        details={
            "skipped": [
                {"id": "6004", "name": "Dan", "extension_number": "1004", "was_added": True,
                 "why": "added again since, by request #9"},
            ]
        },
    )  # fmt: skip
    text = event_text(skipped)
    assert "The bot left part unreverted of request #7" in text
    assert "*Left as they are*\n➕ Dan (ext. 1004) — added again since, by request #9" in text
    extended = audit_event(
        10, action=AuditAction.EXTENDED, details={"ends_at": "2026-11-27T02:00:00+00:00"}
    )
    assert "extended request #7" in event_text(extended)
    assert ":stopwatch: until <!date^1795744800^" in event_text(extended)
