"""How the policy's terms and the approvals so far read: on the approval post, the requester's
copy, the review modal and the resource card."""

from __future__ import annotations

from datetime import timedelta

from bot.domain import ChangeRequest, RequestStatus
from bot.policy.model import PolicyDecision
from bot.views.mrkdwn import escape, slack_date, slack_user


def plural(count: int, noun: str) -> str:
    """`1 approval`, `2 approvals`."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def rule_text(rule: str) -> str:
    """A rule as stored on a request or named by a decision, escaped: `the default rule`,
    `rule *support queues*`, `rule *default, risky.main_site*`."""
    if rule == "default":
        return "the default rule"
    return f"rule *{escape(rule)}*"


def approvers_text(request: ChangeRequest) -> str:
    """Who approved it so far, as mentions: `<@A>`, `<@A> and <@B>`, `<@A>, <@B> and <@C>`."""
    names = [slack_user(a.approver_id) for a in request.approvals]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def waiting_line(request: ChangeRequest) -> str:
    """Where a pending request stands: `Waiting for an approver.`, or with several approvals
    needed, how many it has, from whom, and how many are still needed."""
    required = request.approvals_required
    if not request.approvals:
        if required <= 1:
            return ":hourglass_flowing_sand: Waiting for an approver."
        return (
            f":hourglass_flowing_sand: Waiting for {required} approvals from different approvers."
        )
    given = len(request.approvals)
    so_far = f" ({approvers_text(request)})" if request.approvals else ""
    return (
        f":hourglass_flowing_sand: *{given} of {required} approvals* so far{so_far}; "
        f"{request.approvals_missing} more needed."
    )


def duration_text(value: timedelta) -> str:
    """`3 days`, `4 hours`, `1 day 12 hours`, `30 minutes` (the largest two units)."""
    minutes = int(value.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [plural(n, unit) for n, unit in ((days, "day"), (hours, "hour"), (minutes, "minute"))]
    shown = [part for part in parts if not part.startswith("0 ")][:2]
    return " ".join(shown) or "under a minute"


def terms_line(request: ChangeRequest) -> str | None:
    """The policy's terms a request is held to: rule, approvals needed, expiry while it is
    pending (None for requests made before the bot recorded them)."""
    if request.policy_rule is None:
        return None
    parts = [
        "Policy: " + rule_text(request.policy_rule),
        plural(request.approvals_required, "approval")
        + (" from different approvers" if request.approvals_required > 1 else "")
        + " needed",
    ]
    if request.expires_at is not None and request.status is RequestStatus.PENDING:
        parts.append(f"expires {slack_date(request.expires_at)} if still waiting")
    return " · ".join(parts)


def rule_summary(decision: PolicyDecision, *, remove_all: PolicyDecision | None = None) -> str:
    """The rule a change of a resource is held to, for its card: name, approvals needed, how
    long a request may wait; what removing every handler would need, if more."""
    parts = [
        "*Approval:* " + rule_text(decision.rule_label),
        plural(decision.approvals_required, "approval") + " needed",
    ]
    if decision.request_ttl is not None:
        parts.append(f"requests expire after {duration_text(decision.request_ttl)}")
    text = " · ".join(parts)
    if remove_all is not None and remove_all.approvals_required != decision.approvals_required:
        text += (
            f"\nRemoving every handler needs {plural(remove_all.approvals_required, 'approval')}"
            f" ({rule_text(remove_all.rule_label)})."
        )
    return text
