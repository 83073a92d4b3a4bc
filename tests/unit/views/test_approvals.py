"""How the rule that applies and the approvals so far read: posts, modals, reminders, escalation
DMs and the card; everything from the policy file or Slack users escaped."""

from __future__ import annotations

from datetime import timedelta
from textwrap import dedent

from bot.domain import SYSTEM_ACTOR, Approval, AuditAction, RequestStatus
from bot.policy.decide import decide, decide_for_risks
from bot.policy.model import RiskKind
from bot.policy.parse import parse_policy
from bot.services.browse import ResourceCard
from bot.services.requests import ReviewState
from bot.views import ids
from bot.views.approvals import duration_text, rule_summary
from bot.views.history import event_text
from bot.views.modals import review_modal
from bot.views.requests import (
    approval_message,
    decided_modal,
    escalation_dm,
    outcome_dm,
    reminder_message,
    requester_message,
)
from bot.views.resources import resource_card
from tests.unit.views.blockkit import all_texts, render_message, render_view, walk
from tests.unit.views.factories import WHEN, audit_event, change_request, handler, support_queue

ONE = Approval("U0ONE", "Olga One", WHEN + timedelta(hours=1), comment="fine by me")
TWO = Approval("U0TWO", "Tom <Two>", WHEN + timedelta(hours=2), comment="ok & go")
TERMS = {
    "policy_rule": "support <queues>",
    "approvals_required": 2,
    "expires_at": WHEN + timedelta(days=3),
}


def _buttons(blocks: object) -> dict[str, str]:
    return {d["action_id"]: d["value"] for d in walk(blocks) if d.get("type") == "button"}


def test_a_pending_post_shows_who_approved_and_how_many_are_still_needed() -> None:
    request = change_request(approvals=(ONE,), **TERMS)
    text = all_texts(render_message(approval_message(request)))
    assert "*1 of 2 approvals* so far (<@U0ONE>); 1 more needed." in text
    assert (
        "Policy: rule *support &lt;queues&gt;* · 2 approvals from different approvers needed"
        in text
    )
    assert "expires <!date^" in text
    assert _buttons(render_message(approval_message(request))) == {ids.REVIEW_REQUEST: "7"}

    copy = render_message(requester_message(request))
    assert "*1 of 2 approvals* so far" in all_texts(copy)
    assert copy[-1]["elements"][0]["action_id"] == ids.CANCEL_REQUEST


def test_one_approval_needed_reads_as_before() -> None:
    text = all_texts(render_message(approval_message(change_request())))
    assert "Waiting for an approver." in text
    assert "Policy:" not in text  # a request from before the policy was recorded


def test_an_applied_request_names_every_approver_and_their_comments() -> None:
    request = change_request(
        status=RequestStatus.APPLIED,
        approvals=(ONE, TWO),
        decided_by_id="U0TWO",
        decided_by_name="Tom",
        decided_at=TWO.approved_at,
        decision_comment=TWO.comment,
        **TERMS,
    )
    text = all_texts(render_message(approval_message(request)))
    assert "*Applied.* Approved by <@U0ONE> and <@U0TWO>" in text
    assert "<@U0ONE>: fine by me\n<@U0TWO>: ok &amp; go" in text
    assert "Approved by <@U0ONE> and <@U0TWO>" in all_texts(render_message(outcome_dm(request)))


def test_an_expired_request_says_how_far_it_got() -> None:
    request = change_request(status=RequestStatus.EXPIRED, approvals=(ONE,), **TERMS)
    text = all_texts(render_message(outcome_dm(request)))
    assert "*Expired* without a decision, with 1 of 2 approvals (<@U0ONE>)." in text


def test_the_approver_who_is_not_the_last_is_told_their_approval_is_recorded() -> None:
    view = render_view(decided_modal(change_request(approvals=(ONE,), **TERMS), title="Request"))
    text = all_texts(view)
    assert "Your approval is recorded; 1 more needed." in text
    assert "*1 of 2 approvals* so far (<@U0ONE>)" in text


def test_the_review_shows_the_rule_and_the_approvals_so_far() -> None:
    request = change_request(approvals=(ONE,), **TERMS)
    state = ReviewState(request=request, current=(handler(1, "Ava Chen"),), proposed=())
    text = all_texts(render_view(review_modal(state)))
    assert (
        "Policy: rule *support &lt;queues&gt;* · 2 approvals from different approvers needed"
        in text
    )
    assert "*1 of 2 approvals* so far (<@U0ONE>); 1 more needed." in text


def test_a_reminder_names_who_could_still_approve_and_offers_review() -> None:
    request = change_request(approvals=(ONE,), **TERMS)
    blocks = render_message(reminder_message(request, approvers=("U0TWO", "U0THREE")))
    text = all_texts(blocks)
    assert text.startswith(":bell: <@U0TWO> <@U0THREE>: request #7 for *Support* has waited")
    assert "1 more needed" in text and "It expires <!date^" in text
    assert _buttons(blocks) == {ids.REVIEW_REQUEST: "7"}
    alone = all_texts(render_message(reminder_message(request, approvers=())))
    assert alone.startswith(":bell: Request #7")


def test_an_escalation_dm_has_the_request_and_a_review_button() -> None:
    request = change_request(resource_name="Support <!channel>", **TERMS)
    blocks = render_message(escalation_dm(request))
    text = all_texts(blocks)
    assert "*Escalated to you:* request #7 has waited since" in text
    assert "Support &lt;!channel&gt;" in text and "<!channel>" not in text
    assert "Waiting for 2 approvals from different approvers." in text
    assert _buttons(blocks) == {ids.REVIEW_REQUEST: "7"}


POLICY = parse_policy(
    dedent(
        """\
        default:
          approvers: [U0ALEX, "@telephony-admins"]
          channel: C0APPROVALS
        rules:
          - name: support <team>
            match: {name: Support}
            approvals_required: 2
            request_ttl: 1d12h
        risky:
          remove_all: {approvals_required: 3}
        """
    ),
    source="policy.yml",
)


def test_the_card_shows_the_rule_and_what_removing_everyone_needs() -> None:
    queue = support_queue()
    decision = decide(POLICY, queue, None)
    remove_all = decide_for_risks(POLICY, queue, {RiskKind.REMOVE_ALL})
    card = ResourceCard(queue, (), rule=decision, remove_all_rule=remove_all)
    text = all_texts(render_message(resource_card(card)))
    assert (
        "*Approval:* rule *support &lt;team&gt;* · 2 approvals needed · requests expire after "
        "1 day 12 hours" in text
    )
    assert (
        "Removing every handler needs 3 approvals "
        "(rule *support &lt;team&gt;, risky.remove_all*)" in text
    )
    assert "Approval" not in all_texts(render_message(resource_card(ResourceCard(queue, ()))))


def test_rule_summary_of_the_default_rule() -> None:
    decision = decide(POLICY, support_queue(name="Sales"), None)
    assert rule_summary(decision) == "*Approval:* the default rule · 1 approval needed"


def test_durations_read_in_words() -> None:
    assert duration_text(timedelta(days=3)) == "3 days"
    assert duration_text(timedelta(hours=1, minutes=30)) == "1 hour 30 minutes"
    assert duration_text(timedelta(days=8, hours=1, minutes=5)) == "8 days 1 hour"


def test_history_says_which_approval_it_was_and_what_the_bot_did() -> None:
    recorded = audit_event(
        1,
        actor_id="U0ONE",
        action=AuditAction.APPROVAL_RECORDED,
        details={"approvals": 1, "approvals_required": 2},
    )
    assert "<@U0ONE> approved request #7 (1 of 2 approvals)" in event_text(recorded)
    reminded = audit_event(2, actor_id=SYSTEM_ACTOR, action=AuditAction.REMINDED)
    assert "The bot reminded the approvers of request #7" in event_text(reminded)
    escalated = audit_event(3, actor_id=SYSTEM_ACTOR, action=AuditAction.ESCALATED)
    assert "The bot escalated request #7" in event_text(escalated)


def test_a_settled_request_no_longer_mentions_its_expiry() -> None:
    request = change_request(status=RequestStatus.REJECTED, decided_by_id="U0ONE", **TERMS)
    text = all_texts(render_message(approval_message(request)))
    assert "Policy: rule *support &lt;queues&gt;*" in text and "expires" not in text
