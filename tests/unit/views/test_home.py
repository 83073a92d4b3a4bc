"""The Home tab: each section with items and empty, capped within Slack's 100 blocks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.domain import AuditAction, RequestStatus, ResourceType
from bot.services.handler_index import HandledBy, Sighting
from bot.services.home import (
    CHANGES_SHOWN,
    MY_REQUESTS_SHOWN,
    TEMPORARY_SHOWN,
    WAITING_SHOWN,
    Home,
    Listing,
    MyResources,
    RunningTemporaryChange,
    TemporarySection,
    Unavailable,
)
from bot.views import ids
from bot.views.home import home_view
from sms_handlers_sandbox.slack.blockkit import view_problems
from tests.unit.views.blockkit import all_texts, render_view, walk
from tests.unit.views.factories import (
    WHEN,
    audit_event,
    change_request,
    ref,
    support_queue,
    user,
)


def empty_home(**changes: Any) -> Home:
    values: dict[str, Any] = {
        "user_id": "U0NINA",
        "is_approver": False,
        "my_requests": Listing((), 0),
        "waiting": Listing((), 0),
        "temporary": TemporarySection(supported=False, listing=Listing((), 0)),
        "resources": MyResources(email="nina@acme.example", user=None, known=None),
        "changes": Listing((), 0),
    }
    values.update(changes)
    return Home(**values)


def temporary(index: int) -> RunningTemporaryChange:
    return RunningTemporaryChange(
        request_id=index,
        resource_id="4001",
        resource_name="Support",
        added=(ref(3, "Carla Diaz"),),
        removed=(),
        ends_at=WHEN + timedelta(hours=4),
    )


def known(handled: int, *, old: int = 0, never: int = 0, total: int = 20) -> HandledBy:
    sightings = tuple(
        Sighting(support_queue(id=str(4000 + i), name=f"Queue {i}"), WHEN) for i in range(handled)
    )
    return HandledBy(
        handled=sightings,
        never_read=tuple(support_queue(id=str(5000 + i)) for i in range(never)),
        old=sightings[:old],
        total=total,
        oldest_read=WHEN,
    )


def fullest_home() -> Home:
    """Every section at its cap, with many more not shown, and long texts everywhere."""
    long_name = "Support " + "x" * 200
    many = tuple(ref(i, f"Person {i} " + "y" * 60) for i in range(100))
    requests = tuple(
        change_request(
            id=i,
            resource_name=long_name,
            add=many,
            remove=many,
            temporary_until=WHEN + timedelta(days=30),
        )
        for i in range(1, 200)
    )
    events = tuple(
        audit_event(
            i, action=AuditAction.APPLIED, added=many, removed=many, resource_name=long_name
        )
        for i in range(CHANGES_SHOWN)
    )
    return Home(
        user_id="U0ALEX",
        is_approver=True,
        my_requests=Listing(requests[:MY_REQUESTS_SHOWN], 180),
        waiting=Listing(requests[:WAITING_SHOWN], 190),
        temporary=TemporarySection(
            supported=True, listing=Listing(tuple(temporary(i) for i in range(TEMPORARY_SHOWN)), 50)
        ),
        resources=MyResources(
            email="alex@acme.example", user=user(9, "Alex"), known=known(500, old=3, total=800)
        ),
        changes=Listing(events, 1000, counted_all=False),
    )


def accessories(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [b["accessory"] for b in view["blocks"] if "accessory" in b]


def test_the_fullest_home_stays_within_slacks_limits_and_says_what_is_left_out() -> None:
    view = render_view(home_view(fullest_home()))
    assert view["type"] == "home"
    assert len(view["blocks"]) <= 100
    assert view_problems(view) == []  # the Slack stand-in's Block Kit checks
    text = all_texts(view)
    assert "*Your open requests (180)*" in text
    assert f"…and {180 - MY_REQUESTS_SHOWN} more open requests of yours." in text
    assert "*Requests waiting for a decision (190)*" in text
    assert f"…and {190 - WAITING_SHOWN} more waiting" in text
    assert f"…and {50 - TEMPORARY_SHOWN} more running." in text
    assert "*Resources you handle (500)*" in text and "more" in text
    assert f"…and more than {1000 - CHANGES_SHOWN} older" in text


def test_a_person_without_anything_sees_every_section_empty_and_no_button_but_search() -> None:
    view = render_view(home_view(empty_home()))
    text = all_texts(view)
    assert "*Your open requests (0)*" in text and "You have no open request." in text
    assert "Requests waiting for a decision (0)" in text
    assert "Only approvers decide requests, so none waits for you." in text
    assert "this version of the bot keeps every change until it is changed again" in text
    assert "No RingCentral user has your email (nina@acme.example)" in text
    assert "No handler changed yet on a resource you asked to change." in text
    assert accessories(view) == []
    assert not [e for e in walk(view["blocks"]) if e.get("type") == "button"]
    search = next(b for b in view["blocks"] if b.get("block_id") == ids.HOME_SEARCH_BLOCK)
    assert search["type"] == "input" and search["dispatch_action"] is True
    assert search["element"]["action_id"] == ids.HOME_SEARCH
    dispatch = search["element"]["dispatch_action_config"]
    assert dispatch == {"trigger_actions_on": ["on_enter_pressed"]}


def test_own_pending_requests_can_be_cancelled_and_waiting_ones_reviewed() -> None:
    pending = change_request(id=3, requester_id="U0ALEX")
    applying = change_request(id=4, requester_id="U0ALEX", status=RequestStatus.APPLYING)
    failed = change_request(
        id=5, requester_id="U0ALEX", status=RequestStatus.FAILED, error_message="no licence"
    )
    waiting = change_request(id=8, requester_id="U0CARLA")
    home = empty_home(
        user_id="U0ALEX",
        is_approver=True,
        my_requests=Listing((pending, applying, failed), 3),
        waiting=Listing((waiting,), 1),
    )
    view = render_view(home_view(home))
    assert [(a["action_id"], a["value"]) for a in accessories(view)] == [
        (ids.CANCEL_REQUEST, "3"),
        (ids.REVIEW_REQUEST, "8"),
    ]
    assert accessories(view)[0]["confirm"]["title"]["text"] == "Cancel this request?"
    text = all_texts(view)
    assert "*#4 Support*" in text and "applying in RingCentral" in text
    assert "*Failed.*" in text and "no licence" in text
    assert "*#8 Support* · from <@U0CARLA>" in text
    assert "Requests the approval policy lets you approve or reject." in text
    exports = [e["action_id"] for e in walk(view["blocks"]) if e.get("type") == "button"]
    assert ids.EXPORT_HISTORY_CSV in exports and ids.EXPORT_HISTORY_JSON in exports


def test_an_approver_with_nothing_to_decide_is_told_so() -> None:
    view = render_view(home_view(empty_home(is_approver=True)))
    assert "Nothing waits for you: no pending request is yours to decide." in all_texts(view)


def test_running_temporary_changes_have_extend_and_end_now() -> None:
    section = TemporarySection(supported=True, listing=Listing((temporary(12),), 1))
    view = render_view(home_view(empty_home(temporary=section)))
    buttons = [e for e in walk(view["blocks"]) if e.get("type") == "button"]
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        (ids.EXTEND_TEMPORARY, "12"),
        (ids.END_TEMPORARY, "12"),
    ]
    text = all_texts(view)
    assert "*Your temporary changes still running (1)*" in text
    assert "*#12 Support* · undone on <!date^" in text and "➕ Carla Diaz (ext. 1003)" in text
    none = TemporarySection(supported=True, listing=Listing((), 0))
    assert "None of your temporary changes is running." in all_texts(
        render_view(home_view(empty_home(temporary=none)))
    )


def test_resources_say_how_old_the_knowledge_is() -> None:
    fresh = MyResources(email="a@acme.example", user=user(1), known=known(2, total=2))
    text = all_texts(render_view(home_view(empty_home(resources=fresh))))
    assert "*Resources you handle (2)*\n• *Queue 0* · Call queue\n• *Queue 1* · Call queue" in text
    assert "From the handler lists the bot read from RingCentral since <!date^" in text
    stale = MyResources(email="a@acme.example", user=user(1), known=known(2, old=1, never=3))
    text = all_texts(render_view(home_view(empty_home(resources=stale))))
    assert "• *Queue 0* · Call queue _(as of <!date^" in text
    assert "4 of 20 resources not read recently (3 never read)" in text
    nothing_read = HandledBy(handled=(), never_read=(support_queue(),), old=(), total=1)
    unread = MyResources(email="a@acme.example", user=user(1), known=nothing_read)
    assert "The bot has not read any handler list yet" in all_texts(
        render_view(home_view(empty_home(resources=unread)))
    )
    no_email = MyResources(email=None, user=None, known=None)
    assert "Slack does not show your email" in all_texts(
        render_view(home_view(empty_home(resources=no_email)))
    )


def test_latest_changes_name_the_resource_and_what_changed() -> None:
    applied = audit_event(
        3, action=AuditAction.APPLIED, actor_id="system", resource_name="Support <!here>"
    )
    outside = audit_event(
        4,
        action=AuditAction.EXTERNAL_CHANGE,
        actor_id="system",
        request_id=None,
        resource_type=ResourceType.SITE,
        resource_name="Boston Office",
    )
    text = all_texts(render_view(home_view(empty_home(changes=Listing((outside, applied), 2)))))
    assert "*Boston Office* · <!date^" in text and "Changed outside the bot" in text
    assert "*Support &lt;!here&gt;* · " in text and "<!here>" not in text
    assert "The bot applied request #7" in text


def test_a_section_that_cannot_be_read_says_why_and_the_others_still_show() -> None:
    down = Unavailable("RingCentral is unavailable (ref 1a2b3c). Try again in a minute.")
    view = render_view(home_view(empty_home(resources=down, waiting=Unavailable("<nope>"))))
    text = all_texts(view)
    assert ":warning: RingCentral is unavailable (ref 1a2b3c)." in text
    assert ":warning: &lt;nope&gt;" in text
    assert "*Your open requests (0)*" in text


def test_names_from_requests_are_escaped() -> None:
    sneaky = change_request(id=9, resource_name="<!channel> Support", requester_id="U0NINA")
    text = all_texts(render_view(home_view(empty_home(my_requests=Listing((sneaky,), 1)))))
    assert "&lt;!channel&gt; Support" in text and "<!channel>" not in text


def test_temporary_requests_say_for_how_long_in_both_lists() -> None:
    mine = change_request(id=3, requester_id="U0ALEX", temporary_for=timedelta(hours=4))
    waiting = change_request(id=8, requester_id="U0CARLA", temporary_until=WHEN + timedelta(days=2))
    permanent = change_request(id=9, requester_id="U0CARLA")
    home = empty_home(
        user_id="U0ALEX",
        is_approver=True,
        my_requests=Listing((mine,), 1),
        waiting=Listing((waiting, permanent), 2),
    )
    sections = [b["text"]["text"] for b in render_view(home_view(home))["blocks"] if "text" in b]
    by_id = {n: next(t for t in sections if t.startswith(f"*#{n} ")) for n in (3, 8, 9)}
    assert ":stopwatch: *Temporary:* for 4 hours once applied" in by_id[3]
    assert ":stopwatch: *Temporary:* until <!date^" in by_id[8]
    assert "Temporary" not in by_id[9]
