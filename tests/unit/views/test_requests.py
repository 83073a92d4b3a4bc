from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain import RequestStatus
from bot.views import ids
from bot.views.requests import (
    GENERIC_APOLOGY,
    approval_message,
    error_message,
    outcome_dm,
    requester_message,
)
from tests.unit.views.blockkit import all_texts, mrkdwn_texts, render_message, walk
from tests.unit.views.factories import change_request, ref

DECIDED = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


def _buttons(blocks: object) -> dict[str, str]:
    return {d["action_id"]: d["value"] for d in walk(blocks) if d.get("type") == "button"}


def test_pending_approval_message_has_who_what_why_and_review() -> None:
    blocks = render_message(approval_message(change_request()))
    text = all_texts(blocks)
    assert "*SMS handler change request #7*" in text
    assert "Requested by <@U0REQ>" in text
    assert "➕ Carla Diaz (ext. 1003)\n➖ Ava Chen (ext. 1001)" in text
    assert ">Carla takes over the support line" in text
    assert "Waiting for an approver" in text
    assert _buttons(blocks) == {ids.REVIEW_REQUEST: "7"}


@pytest.mark.parametrize(
    ("status", "expected", "buttons"),
    [
        (RequestStatus.APPROVED, "Approved by <@U0APP>", {}),
        (RequestStatus.APPLYING, "applying in RingCentral", {}),
        (RequestStatus.APPLIED, "*Applied.* Approved by <@U0APP>", {}),
        (RequestStatus.REJECTED, "*Rejected* by <@U0APP>", {}),
        (RequestStatus.CANCELLED, "*Cancelled* by the requester", {}),
        (RequestStatus.EXPIRED, "*Expired*", {}),
        (
            RequestStatus.FAILED,
            "RingCentral answered: Bad &lt;id&gt; (CMN-102)",
            {ids.RETRY_REQUEST: "7"},
        ),
    ],
)
def test_approval_message_per_status(
    status: RequestStatus, expected: str, buttons: dict[str, str]
) -> None:
    request = change_request(
        status=status,
        decided_by_id="U0APP",
        decided_by_name="Alex Approver",
        decided_at=DECIDED,
        error_code="CMN-102",
        error_message="Bad <id>",
        handlers_after=(ref(3, "Carla Diaz"),),
        decision_comment="ok <!here>",
    )
    blocks = render_message(approval_message(request))
    text = all_texts(blocks)
    assert expected in text
    assert _buttons(blocks) == buttons
    if status is not RequestStatus.CANCELLED:
        assert "Comment: ok &lt;!here&gt;" in text
    if status is RequestStatus.APPLIED:
        assert "*Handlers now*\n• Carla Diaz (ext. 1003)" in text


def test_reason_injection_is_neutralised_everywhere() -> None:
    request = change_request(reason="<!channel> urgent\n<@U999> & <!here>")
    for message in (approval_message(request), requester_message(request), outcome_dm(request)):
        texts = "\n".join(mrkdwn_texts(render_message(message)))
        assert "<!channel>" not in texts and "<!here>" not in texts and "<@U999>" not in texts
    text = all_texts(render_message(approval_message(request)))
    assert ">&lt;!channel&gt; urgent\n>&lt;@U999&gt; &amp; &lt;!here&gt;" in text


def test_requester_message_has_cancel_only_while_pending() -> None:
    pending = render_message(requester_message(change_request()))
    assert _buttons(pending) == {ids.CANCEL_REQUEST: "7"}
    cancel = next(d for d in walk(pending) if d.get("action_id") == ids.CANCEL_REQUEST)
    assert cancel["confirm"]["confirm"]["text"] == "Cancel request"
    decided = render_message(
        requester_message(change_request(status=RequestStatus.REJECTED, decided_by_id="U0APP"))
    )
    assert _buttons(decided) == {}
    assert "*Rejected* by <@U0APP>" in all_texts(decided)
    assert "sent to the approvers" in all_texts(pending)
    assert "sent to the approvers" not in all_texts(decided)


def test_outcome_dm_names_resource_and_outcome() -> None:
    request = change_request(status=RequestStatus.APPLIED, decided_by_id="U0APP")
    message = outcome_dm(request)
    assert "Your request #7 to change the SMS handlers of *Support*" in all_texts(
        render_message(message)
    )
    assert message.text == "Your request #7 for Support: applied"


def test_fallback_text_is_escaped_when_sent() -> None:
    request = change_request(resource_name="<!channel> Support")
    message = approval_message(request)
    assert message.text == "Request #7: SMS handlers of <!channel> Support (pending)"
    assert message.fallback == "Request #7: SMS handlers of &lt;!channel&gt; Support (pending)"


def test_error_message_escapes() -> None:
    assert "&lt;!channel&gt;" in all_texts(render_message(error_message("<!channel> nope")))
    assert "Traceback" not in GENERIC_APOLOGY


def test_applied_with_unready_handlers_says_so() -> None:
    request = change_request(
        status=RequestStatus.APPLIED,
        decided_by_id="U0APP",
        decided_at=DECIDED,
        warning="Added, but: Grace <Kim> (not assignable).",
    )
    text = all_texts(render_message(outcome_dm(request)))
    assert "*Applied.* Approved by <@U0APP>" in text
    assert ":warning: Added, but: Grace &lt;Kim&gt; (not assignable)." in text
    plain = change_request(status=RequestStatus.APPLIED, decided_by_id="U0APP")
    assert ":warning:" not in all_texts(render_message(outcome_dm(plain)))
