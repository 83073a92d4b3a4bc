"""The policy in force: the file SMS_HANDLERS_POLICY names, or else today's single rule from
SMS_HANDLERS_APPROVERS, SMS_HANDLERS_APPROVAL_CHANNEL and SMS_HANDLERS_ALLOW_SELF_APPROVAL."""

from __future__ import annotations

from bot.config import Settings
from bot.policy.model import Policy, environment_policy
from bot.policy.parse import read_policy_file


def load_policy(settings: Settings) -> Policy:
    """The policy for these settings; PolicyFileError (one line naming the file, line and
    column of the first problem) when the policy file is invalid."""
    if settings.policy_file is not None:
        return read_policy_file(settings.policy_file)
    return environment_policy(
        approvers=tuple(settings.approver_entries),
        channel=settings.approval_channel,
        allow_self_approval=settings.allow_self_approval,
    )
