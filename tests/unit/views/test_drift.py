"""The message for a change made outside the bot, and the wording History shares with it."""

from __future__ import annotations

from datetime import timedelta

from bot.domain import PREVIOUS_READING_AT, READING_AT, SYSTEM_ACTOR, AuditAction, AuditEvent
from bot.views import ids
from bot.views.drift import outside_change_message
from bot.views.history import event_text
from tests.unit.views.blockkit import all_texts, render_message, walk
from tests.unit.views.factories import WHEN, audit_event, ref


def outside_change(**changes: object) -> AuditEvent:
    values: dict[str, object] = {
        "actor_id": SYSTEM_ACTOR,
        "actor_name": None,
        "action": AuditAction.EXTERNAL_CHANGE,
        "request_id": None,
        "added": (ref(3, "Carla Diaz"),),
        "removed": (ref(1, "Ava Chen"),),
        "details": {
            PREVIOUS_READING_AT: (WHEN - timedelta(minutes=10)).isoformat(),
            READING_AT: WHEN.isoformat(),
        },
    }
    values.update(changes)
    return audit_event(9, **values)


def test_the_message_says_where_who_when_and_between_which_readings() -> None:
    message = outside_change_message(outside_change())
    blocks = render_message(message)
    shown = all_texts(blocks)
    assert "*Changed outside the bot:* the SMS handlers of *Support* (call queue)" in shown
    assert "➕ Carla Diaz (ext. 1003)\n➖ Ava Chen (ext. 1001)" in shown
    before = int((WHEN - timedelta(minutes=10)).timestamp())
    assert f"Seen <!date^{int(WHEN.timestamp())}^" in shown
    assert f"between the readings of <!date^{before}^" in shown
    [history] = [e for e in walk(blocks) if e.get("action_id") == ids.SHOW_HISTORY]
    assert history["value"] == "4001"
    assert message.text == "The SMS handlers of Support were changed outside the bot"


def test_names_from_ringcentral_cannot_mention_or_link() -> None:
    event = outside_change(
        resource_name="<!channel> Support",
        added=(ref(3, "<@U0BOSS> & co"),),
        removed=(ref(1, "<https://evil.example|Ava>"),),
    )
    message = outside_change_message(event)
    shown = all_texts(render_message(message))
    assert "&lt;!channel&gt; Support" in shown
    assert "&lt;@U0BOSS&gt; &amp; co" in shown
    assert "&lt;https://evil.example|Ava&gt;" in shown
    for raw in ("<!channel>", "<@U0BOSS>", "<https://evil.example"):
        assert raw not in shown and raw not in message.fallback


def test_many_changes_stay_within_a_section() -> None:
    added = tuple(ref(i, f"Person {i} " + "x" * 60) for i in range(100))
    shown = all_texts(render_message(outside_change_message(outside_change(added=added))))
    assert "…and " in shown


def test_history_marks_it_and_names_the_readings() -> None:
    text = event_text(outside_change())
    assert ":warning: *Changed outside the bot* (in RingCentral)" in text
    assert "The bot" not in text  # nobody is named as its author
    assert "\nSeen by the bot between the readings of <!date^" in text


def test_without_reading_times_it_says_when_it_was_seen_only() -> None:
    event = outside_change(details={})
    assert "between" not in event_text(event)
    shown = all_texts(render_message(outside_change_message(event)))
    assert f"Seen <!date^{int(WHEN.timestamp())}^" in shown and "between" not in shown
