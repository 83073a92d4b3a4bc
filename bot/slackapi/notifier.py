"""`RequestNotifier` over the Slack Web API: the approval-channel post, the requester's DM copy."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain import SYSTEM_ACTOR, ChangeRequest, NoticeKind
from bot.services.notifier import MessageRefs
from bot.views.common import Message
from bot.views.requests import (
    approval_message,
    escalation_dm,
    outcome_dm,
    reminder_message,
    requester_message,
)
from bot.views.temporary import extended_messages, notice_messages, revert_messages

logger = logging.getLogger(__name__)

# Errors after which the same call may succeed later; any other one will not (message deleted,
# channel archived, …), so trying again would only repeat it.
TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)


class SlackNotifier:
    """Posts requests to their approval channel and DMs requesters and escalation approvers
    (scopes chat:write, im:write)."""

    def __init__(self, *, client: AsyncWebClient, approval_channel: str) -> None:
        self._client = client
        self._approval_channel = approval_channel  # for requests whose rule names none

    async def announce(self, request: ChangeRequest) -> MessageRefs:
        """Post a new request to the approvers (its rule's channel) and confirm it to the
        requester."""
        channel = request.slack_channel_id or self._approval_channel
        approval_ts = await self._post(channel, approval_message(request), request)
        dm_channel = await self._dm_channel(request.requester_id)
        dm_ts = None
        if dm_channel is not None:
            dm_ts = await self._post(dm_channel, requester_message(request), request)
        return MessageRefs(
            approval_channel_id=channel if approval_ts else None,
            approval_message_ts=approval_ts,
            requester_channel_id=dm_channel if dm_ts else None,
            requester_message_ts=dm_ts,
        )

    async def refresh(self, request: ChangeRequest) -> bool:
        """Update the approval-channel post and the requester's copy in place; False if an
        update failed for a reason that may pass."""
        done = True
        if request.slack_channel_id and request.slack_message_ts:
            done &= await self._update(
                request.slack_channel_id, request.slack_message_ts, approval_message(request)
            )
        if request.requester_channel_id and request.requester_message_ts:
            done &= await self._update(
                request.requester_channel_id,
                request.requester_message_ts,
                requester_message(request),
            )
        return done

    async def tell_requester(self, request: ChangeRequest) -> bool:
        """DM the requester what became of their request; False if it may work later."""
        channel = request.requester_channel_id
        if channel is None:
            channel, error = await self._open_dm(request.requester_id)
            if channel is None:
                return error not in TRANSIENT_ERRORS
        message = outcome_dm(request)
        try:
            await self._client.chat_postMessage(
                channel=channel, text=message.fallback, blocks=message.blocks_as_dicts()
            )
        except SlackApiError as exc:
            error = exc.response.get("error")
            logger.error("could not tell the requester of request #%s: %s", request.id, error)
            return error not in TRANSIENT_ERRORS
        return True

    async def remind(self, request: ChangeRequest, *, approvers: Sequence[str]) -> bool:
        """A reply in the approval post's thread naming the approvers who could still approve
        (a post of its own, with a Review button, when the request was never posted)."""
        channel = request.slack_channel_id or self._approval_channel
        message = reminder_message(request, approvers=approvers)
        try:
            await self._client.chat_postMessage(
                channel=channel,
                thread_ts=request.slack_message_ts,
                text=message.fallback,
                blocks=message.blocks_as_dicts(),
            )
        except SlackApiError as exc:
            error = exc.response.get("error")
            logger.error("could not remind the approvers of request #%s: %s", request.id, error)
            return error not in TRANSIENT_ERRORS
        return True

    async def escalate(self, request: ChangeRequest, *, user_id: str) -> bool:
        """A DM to one escalation approver: the request, how long it has waited, Review."""
        channel, error = await self._open_dm(user_id)
        if channel is None:
            return error not in TRANSIENT_ERRORS
        message = escalation_dm(request)
        try:
            await self._client.chat_postMessage(
                channel=channel, text=message.fallback, blocks=message.blocks_as_dicts()
            )
        except SlackApiError as exc:
            error = exc.response.get("error")
            logger.error("could not escalate request #%s to %s: %s", request.id, user_id, error)
            return error not in TRANSIENT_ERRORS
        return True

    async def tell_temporary(self, request: ChangeRequest, kind: NoticeKind, *, left: str) -> bool:
        """The approval thread and the requester: the change ends soon, or it ended with
        nothing to revert (its messages then show it ended)."""
        thread, dm = notice_messages(request, kind, left=left)
        if kind is NoticeKind.ENDED:
            await self.refresh(request)
        return await self._tell(request, thread=thread, dm=dm)

    async def tell_extended(
        self, request: ChangeRequest, *, by_id: str, previous_end: datetime
    ) -> bool:
        """The thread and the requester: the end moved; its messages show the new end."""
        thread, dm = extended_messages(request, by_id=by_id, previous_end=previous_end)
        await self.refresh(request)
        return await self._tell(request, thread=thread, dm=dm)

    async def tell_revert(self, original: ChangeRequest, revert: ChangeRequest) -> bool:
        """The thread and the requester: what the revert did; the change shows it ended."""
        thread, dm = revert_messages(original, revert)
        await self.refresh(original)
        return await self._tell(original, thread=thread, dm=dm)

    async def _tell(self, request: ChangeRequest, *, thread: Message, dm: Message) -> bool:
        """Post in the request's approval thread and DM its requester; False if either failed
        for a reason that may pass (both are then sent again: the messages in place are only
        refreshed, a failure there is logged and repaired at the next update)."""
        done = True
        if request.slack_channel_id and request.slack_message_ts:
            done &= await self._send(
                request, request.slack_channel_id, thread, thread_ts=request.slack_message_ts
            )
        channel = request.requester_channel_id
        if channel is None:
            channel, error = await self._open_dm(request.requester_id)
            if channel is None:
                return done and error not in TRANSIENT_ERRORS
        return done & await self._send(request, channel, dm)

    async def _send(
        self,
        request: ChangeRequest,
        channel: str,
        message: Message,
        *,
        thread_ts: str | None = None,
    ) -> bool:
        try:
            await self._client.chat_postMessage(
                channel=channel,
                text=message.fallback,
                blocks=message.blocks_as_dicts(),
                thread_ts=thread_ts,
            )
        except SlackApiError as exc:
            error = exc.response.get("error")
            logger.error("could not tell about change #%s in %s: %s", request.id, channel, error)
            return error not in TRANSIENT_ERRORS
        return True

    async def _dm_channel(self, user_id: str) -> str | None:
        return (await self._open_dm(user_id))[0]

    async def _open_dm(self, user_id: str) -> tuple[str | None, str | None]:
        """The DM channel with the user, or None and Slack's error (none for the bot itself,
        the requester of what it opens on its own)."""
        if user_id == SYSTEM_ACTOR:
            return None, "not_a_person"
        try:
            response = await self._client.conversations_open(users=user_id)
        except SlackApiError as exc:
            error = exc.response.get("error")
            logger.error("could not open a DM with %s: %s", user_id, error)
            return None, None if error is None else str(error)
        channel = response.get("channel") or {}
        return (str(channel["id"]), None) if "id" in channel else (None, None)

    async def _post(self, channel: str, message: Message, request: ChangeRequest) -> str | None:
        try:
            response = await self._client.chat_postMessage(
                channel=channel, text=message.fallback, blocks=message.blocks_as_dicts()
            )
        except SlackApiError as exc:
            logger.error(
                "could not post request #%s to %s: %s",
                request.id,
                channel,
                exc.response.get("error"),
            )
            return None
        ts = response.get("ts")
        return str(ts) if ts else None

    async def _update(self, channel: str, ts: str, message: Message) -> bool:
        try:
            await self._client.chat_update(
                channel=channel, ts=ts, text=message.fallback, blocks=message.blocks_as_dicts()
            )
        except SlackApiError as exc:
            error = exc.response.get("error")
            logger.error("could not update message %s in %s: %s", ts, channel, error)
            return error not in TRANSIENT_ERRORS
        return True
