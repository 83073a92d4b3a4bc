"""`RequestNotifier` over the Slack Web API: the approval-channel post, the requester's DM copy."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain import ChangeRequest
from bot.services.notifier import MessageRefs
from bot.views.common import Message
from bot.views.requests import approval_message, outcome_dm, requester_message

logger = logging.getLogger(__name__)


class SlackNotifier:
    """Posts requests to the approval channel and DMs requesters (scopes chat:write, im:write)."""

    def __init__(self, *, client: AsyncWebClient, approval_channel: str) -> None:
        self._client = client
        self._approval_channel = approval_channel

    async def announce(self, request: ChangeRequest) -> MessageRefs:
        """Post a new request to the approvers and confirm it to the requester."""
        approval_ts = await self._post(self._approval_channel, approval_message(request), request)
        dm_channel = await self._dm_channel(request.requester_id)
        dm_ts = None
        if dm_channel is not None:
            dm_ts = await self._post(dm_channel, requester_message(request), request)
        return MessageRefs(
            approval_channel_id=self._approval_channel if approval_ts else None,
            approval_message_ts=approval_ts,
            requester_channel_id=dm_channel if dm_ts else None,
            requester_message_ts=dm_ts,
        )

    async def refresh(self, request: ChangeRequest) -> None:
        """Update the approval-channel post and the requester's copy in place."""
        if request.slack_channel_id and request.slack_message_ts:
            await self._update(
                request.slack_channel_id, request.slack_message_ts, approval_message(request)
            )
        if request.requester_channel_id and request.requester_message_ts:
            await self._update(
                request.requester_channel_id,
                request.requester_message_ts,
                requester_message(request),
            )

    async def tell_requester(self, request: ChangeRequest) -> None:
        """DM the requester what became of their request."""
        channel = request.requester_channel_id or await self._dm_channel(request.requester_id)
        if channel is not None:
            await self._post(channel, outcome_dm(request), request)

    async def _dm_channel(self, user_id: str) -> str | None:
        try:
            response = await self._client.conversations_open(users=user_id)
        except SlackApiError as exc:
            logger.error("could not open a DM with %s: %s", user_id, exc.response.get("error"))
            return None
        channel = response.get("channel") or {}
        return str(channel["id"]) if "id" in channel else None

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

    async def _update(self, channel: str, ts: str, message: Message) -> None:
        try:
            await self._client.chat_update(
                channel=channel, ts=ts, text=message.fallback, blocks=message.blocks_as_dicts()
            )
        except SlackApiError as exc:
            logger.error(
                "could not update message %s in %s: %s", ts, channel, exc.response.get("error")
            )
