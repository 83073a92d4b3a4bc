"""How the request service tells people about requests, without knowing about Slack.

`bot.slackapi.notifier.SlackNotifier` implements it with chat.postMessage / chat.update and DMs;
`bot.services.home.HomeRefreshingNotifier` wraps it to have the Home tabs a request concerns
published again each time its messages are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.domain import ChangeRequest, NoticeKind


@dataclass(frozen=True)
class MessageRefs:
    """Where a request's messages went (None where posting failed)."""

    approval_channel_id: str | None = None
    approval_message_ts: str | None = None
    requester_channel_id: str | None = None
    requester_message_ts: str | None = None


class RequestNotifier(Protocol):
    """Posts and updates the messages that follow a request through its life."""

    async def announce(self, request: ChangeRequest) -> MessageRefs:
        """Post a new request to the approvers (in its rule's channel, `slack_channel_id`, or
        the default one) and confirm it to the requester."""
        ...

    async def refresh(self, request: ChangeRequest) -> bool:
        """Update the request's messages in place to show its current state.

        False when an update failed for a reason that may pass (Slack unavailable, rate
        limited): worth trying again later. A message that cannot be updated at all (deleted,
        channel gone) counts as done.
        """
        ...

    async def tell_requester(self, request: ChangeRequest) -> bool:
        """Send the requester a direct message about a decision or an outcome (False as for
        `refresh`)."""
        ...

    async def remind(self, request: ChangeRequest, *, approvers: Sequence[str]) -> bool:
        """Remind the approvers (Slack user ids, named in the reminder) of a pending request,
        in its approval post's thread (False as for `refresh`)."""
        ...

    async def escalate(self, request: ChangeRequest, *, user_id: str) -> bool:
        """Send one escalation approver a direct message with the pending request and a Review
        button (False as for `refresh`)."""

    async def tell_temporary(self, request: ChangeRequest, kind: NoticeKind, *, left: str) -> bool:
        """Tell the approval post's thread and the requester about a running temporary change:
        it ends soon (`left`: how long is left, in words), or it ended with nothing left to
        revert (the approval post and the requester's copy then show it ended). False as for
        `refresh`."""
        ...

    async def tell_extended(
        self, request: ChangeRequest, *, by_id: str, previous_end: datetime
    ) -> bool:
        """Tell the thread and the requester that someone moved a temporary change's end, and
        show the new end in its messages. False as for `refresh`."""
        ...

    async def tell_revert(self, original: ChangeRequest, revert: ChangeRequest) -> bool:
        """Tell the thread and the requester what reverting a temporary change did (reverted,
        or failed with Retry), and show the change as ended in its messages. False as for
        `refresh`."""
        ...
