"""What the start-up checks ask Slack: who the bot token is and its scopes (auth.test and the
`x-oauth-scopes` header), a channel (conversations.info), a user (users.info), user groups.

Answers come back as the plain records of bot/services/doctor.py; any failure as
`SlackLookupFailed` with Slack's error code (or `unreachable`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from typing import Any, TypeVar

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.services.doctor import ChannelFacts, SlackLookupFailed, TokenIdentity, UserFacts
from bot.slackapi.usergroups import SlackUserGroups

T = TypeVar("T")

# The bot scopes manifest.yml asks for (tests/unit/test_manifest.py keeps the two the same).
BOT_SCOPES = (
    "commands",
    "chat:write",
    "users:read",
    "users:read.email",
    "usergroups:read",
    "im:write",
    "channels:read",
    "groups:read",
    "files:write",
)


def _scopes(headers: Mapping[str, Any]) -> frozenset[str] | None:
    for name, value in headers.items():
        if name.lower() == "x-oauth-scopes":
            text = value[0] if isinstance(value, list) and value else value
            return frozenset(s.strip() for s in str(text).split(",") if s.strip())
    return None


class SlackProbe:
    """Reads through the Web API, for the checks only (nothing here is cached)."""

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client
        self._groups = SlackUserGroups(client)

    async def identity(self) -> TokenIdentity:
        response = await self._call(self._client.auth_test())
        return TokenIdentity(
            team=str(response.get("team") or ""),
            team_id=str(response.get("team_id") or ""),
            bot_name=str(response.get("user") or ""),
            bot_user_id=str(response.get("user_id") or ""),
            scopes=_scopes(response.headers),
        )

    async def channel(self, channel_id: str) -> ChannelFacts:
        response = await self._call(self._client.conversations_info(channel=channel_id))
        channel = response.get("channel") or {}
        return ChannelFacts(
            id=str(channel.get("id") or channel_id),
            name=str(channel.get("name") or channel_id),
            is_member=bool(channel.get("is_member")),
            is_archived=bool(channel.get("is_archived")),
        )

    async def user(self, user_id: str) -> UserFacts:
        response = await self._call(self._client.users_info(user=user_id))
        user = response.get("user") or {}
        profile = user.get("profile") or {}
        return UserFacts(
            id=user_id,
            name=str(profile.get("real_name") or user.get("real_name") or user.get("name") or ""),
            deleted=bool(user.get("deleted")),
            is_bot=bool(user.get("is_bot")),
        )

    async def group_ids_by_handle(self) -> dict[str, str]:
        return await self._call(self._groups.group_ids_by_handle())

    async def group_members(self, group_id: str) -> frozenset[str]:
        return await self._call(self._groups.group_members(group_id))

    @staticmethod
    async def _call(call: Awaitable[T]) -> T:
        try:
            return await call
        except SlackApiError as exc:
            data = exc.response.data if isinstance(exc.response, AsyncSlackResponse) else {}
            body = data if isinstance(data, dict) else {}
            needed = body.get("needed")
            code = body.get("error") if "ok" in body else "not_slack"
            raise SlackLookupFailed(
                str(code or "unknown_error"), needed=str(needed) if needed else None
            ) from None
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise SlackLookupFailed("unreachable", reason=_unreachable_reason(exc)) from None


def _unreachable_reason(exc: Exception) -> str:
    if isinstance(exc, aiohttp.ClientConnectorError):
        if isinstance(exc.os_error, ConnectionRefusedError):
            return "connection refused"
        return exc.os_error.strerror or type(exc.os_error).__name__
    if isinstance(exc, TimeoutError):
        return "no answer in time"
    return type(exc).__name__
