"""Offboarding in views: the approval post, the requester's copy and DM, the review, Home rows
and the command's answers; escaped, and within Block Kit's limits however many resources."""

from __future__ import annotations

from typing import Any

import pytest

from bot.domain import (
    SYSTEM_ACTOR,
    Approval,
    ChangeRequest,
    OffboardingPart,
    OffboardingTarget,
    RequestKind,
    RequestStatus,
    ResourceType,
)
from bot.services.browse import PersonNotFound
from bot.services.handler_index import ScanPlan
from bot.services.home import Home, Listing, MyResources, TemporarySection
from bot.services.offboarding import CheckingCoverage, NothingToOffboard, OffboardingOpened
from bot.services.requests import ReviewState
from bot.views import ids
from bot.views.home import home_view
from bot.views.modals import review_modal
from bot.views.offboarding import offboard_message, parts_text, request_title
from bot.views.requests import (
    approval_message,
    decided_modal,
    escalation_dm,
    outcome_dm,
    reminder_message,
    requester_message,
)
from tests.unit.views.blockkit import all_texts, render_message, render_view, walk
from tests.unit.views.factories import WHEN, change_request, ref, user


def target(index: int, name: str | None = None) -> OffboardingTarget:
    return OffboardingTarget(
        resource_id=str(4000 + index),
        resource_type=ResourceType.CALL_QUEUE,
        resource_name=name or f"Queue {index}",
    )


def offboarding(count: int = 7, **changes: Any) -> ChangeRequest:
    values: dict[str, Any] = {
        "id": 12,
        "resource_id": "6002",
        "resource_type": ResourceType.PERSON,
        "resource_name": "Ben Ortiz",
        "add": (),
        "remove": (ref(2, "Ben Ortiz"),),
        "reason": "Ben left",
        "kind": RequestKind.OFFBOARDING,
        "parts": tuple(OffboardingPart(target(i)) for i in range(1, count + 1)),
    }
    values.update(changes)
    return change_request(**values)


def outcomes(count: int, failed: set[int]) -> tuple[OffboardingPart, ...]:
    return tuple(
        OffboardingPart(
            target(i),
            request_id=100 + i,
            status=RequestStatus.FAILED if i in failed else RequestStatus.APPLIED,
            error_message="RingCentral is unavailable (ref abc123)." if i in failed else None,
        )
        for i in range(1, count + 1)
    )


def _buttons(blocks: object) -> dict[str, str]:
    return {d["action_id"]: d["value"] for d in walk(blocks) if d.get("type") == "button"}


def test_pending_post_lists_every_resource_with_review() -> None:
    blocks = render_message(approval_message(offboarding()))
    text = all_texts(blocks)
    assert "*Offboarding request #12*" in text
    assert "*Remove Ben Ortiz (ext. 1002) from every resource they handle SMS for*" in text
    assert "*Resources (7)*" in text
    assert all(f"*Queue {i}* · Call queue" in text for i in range(1, 8))
    assert _buttons(blocks) == {ids.REVIEW_REQUEST: "12"}


def test_failed_post_names_the_failed_resource_and_offers_retry() -> None:
    request = offboarding(
        status=RequestStatus.FAILED,
        parts=outcomes(7, failed={3}),
        decided_by_id="U0APP",
        approvals=(Approval("U0APP", "Alex", WHEN),),
    )
    blocks = render_message(approval_message(request))
    text = all_texts(blocks)
    assert "*Failed on 1 of 7 resources*" in text
    assert "*Resources (7)* · 6 applied, 1 failed" in text
    assert (
        ":x: *Queue 3* · Call queue · #103 — failed: RingCentral is unavailable (ref abc123)."
        in text
    )
    assert text.count(":white_check_mark: *Queue") == 6
    assert _buttons(blocks) == {ids.RETRY_REQUEST: "12"}
    dm = all_texts(render_message(outcome_dm(request)))
    assert "Your request #12 to offboard *Ben Ortiz*" in dm and "1 failed" in dm


def test_applied_copy_has_no_buttons() -> None:
    request = offboarding(status=RequestStatus.APPLIED, parts=outcomes(7, failed=set()))
    blocks = render_message(requester_message(request))
    assert "*Applied* on every resource" in all_texts(blocks)
    assert _buttons(blocks) == {}


@pytest.mark.parametrize("count", [60, 400])
def test_many_resources_are_summed_up_within_the_limits(count: int) -> None:
    request = offboarding(count, status=RequestStatus.FAILED, parts=outcomes(count, set(range(40))))
    message = render_message(approval_message(request))
    assert len(message) < 10
    text = all_texts(message)
    assert f"*Resources ({count})*" in text and "…and " in text and " more" in text
    shown = [line for line in text.splitlines() if "* · Call queue" in line]
    failed = [line for line in shown if line.startswith(":x: *Queue")]
    assert shown[: len(failed)] == failed  # the failed ones first: never summed up first
    assert len(failed) == min(len(shown), 39) and failed[0].startswith(":x: *Queue 1*")
    review = render_view(
        review_modal(ReviewState(request=offboarding(count), current=(), proposed=()))
    )
    assert len(review["blocks"]) < 15
    opened = OffboardingOpened(user=user(2, "Ben Ortiz"), request=offboarding(count), created=True)
    answer = all_texts(render_message(offboard_message(opened)))
    assert f"*Queue {count}*" in answer or "…and " in answer


def test_names_from_ringcentral_are_escaped() -> None:
    request = offboarding(
        resource_name="<!channel> Ben",
        parts=(OffboardingPart(target(1, "*Sales* <@U1> & co")),),
    )
    text = all_texts(render_message(approval_message(request)))
    assert "<!channel>" not in text and "<@U1>" not in text
    assert "&lt;!channel&gt; Ben" in text and "&amp; co" in text
    assert request_title(request) == "Offboarding of &lt;!channel&gt; Ben (1 resource)"


def test_review_shows_the_rule_the_resources_and_a_comment() -> None:
    request = offboarding(requester_id=SYSTEM_ACTOR, requester_name="sms-handlers")
    view = render_view(review_modal(ReviewState(request=request, current=(), proposed=())))
    text = all_texts(view)
    assert view["callback_id"] == ids.REVIEW_MODAL and view["private_metadata"] == "12"
    assert "Offboarding of Ben Ortiz" in text and "Requested by the bot (automatically)" in text
    assert "➖ Ben Ortiz (ext. 1002) on each resource below" in text
    assert "*Resources (7)*" in text
    assert ids.COMMENT_BLOCK in [b.get("block_id") for b in view["blocks"]]


def test_command_answers() -> None:
    plan = ScanPlan(to_read=(), left_out=0, seconds=90)
    answers = [
        (PersonNotFound(asked="nobody@x"), "No RingCentral user matches *nobody@x*"),
        (CheckingCoverage(user=user(2, "Ben Ortiz"), plan=plan), "The request follows"),
        (NothingToOffboard(user=user(6, "Farid"), total=7), "handles SMS for none of the 7"),
        (
            OffboardingOpened(
                user=user(2, "Ben Ortiz"),
                request=offboarding(slack_channel_id="C1", slack_message_ts="1.2"),
                created=True,
            ),
            "Offboarding request #12 was sent to the approvers in <#C1>",
        ),
        (
            OffboardingOpened(user=user(2, "Ben Ortiz"), request=offboarding(), created=True),
            "could not be posted to the approvers",
        ),
        (
            OffboardingOpened(user=user(2, "Ben Ortiz"), request=offboarding(), created=False),
            "is already open (pending)",
        ),
    ]
    for answer, expected in answers:
        assert expected in all_texts(render_message(offboard_message(answer))), answer


def test_home_rows_name_the_offboarding() -> None:
    request = offboarding()
    home = Home(
        user_id="U0REQ",
        is_approver=True,
        my_requests=Listing((request,), 1),
        waiting=Listing((request,), 1),
        temporary=TemporarySection(supported=False, listing=Listing((), 0)),
        resources=MyResources(email=None, user=None, known=None),
        changes=Listing((), 0),
    )
    text = all_texts(render_view(home_view(home)))
    assert text.count("#12 Offboarding of Ben Ortiz (7 resources)") == 2
    assert "*Resources (7)*" not in text  # Home stays short: the post has the list
    assert parts_text(request).startswith("*Resources (7)*")


def test_reminders_escalations_and_decisions_name_the_offboarding() -> None:
    request = offboarding()
    title = "*Offboarding of Ben Ortiz (7 resources)*"
    assert title in all_texts(render_message(reminder_message(request, approvers=("U0APP",))))
    assert "*Offboarding request" not in all_texts(render_message(escalation_dm(request)))
    assert "Remove Ben Ortiz (ext. 1002)" in all_texts(render_message(escalation_dm(request)))
    assert title in all_texts(render_view(decided_modal(request, title="Approved")))
