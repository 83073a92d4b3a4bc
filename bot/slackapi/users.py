"""Slack users' names and emails (users.info; scopes users:read, users:read.email), cached.

`SlackUsers` is the `Members` that bot.services.browse resolves `who @someone` with.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.services.end_times import is_time_zone

logger = logging.getLogger(__name__)

CACHE_SECONDS = 600.0


@dataclass(frozen=True)
class SlackProfile:
    """A Slack user as the app shows and matches them."""

    id: str
    name: str
    email: str | None
    time_zone: str | None = None  # their Slack time zone (IANA name, users.info `tz`)


class SlackUsers:
    """Reads profiles through users.info and keeps them for a while."""

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        cache_seconds: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._cache: dict[str, tuple[SlackProfile, float]] = {}

    async def profile(self, user_id: str, *, fallback_name: str | None = None) -> SlackProfile:
        """The user's real name and email; the fallback name (no email) if Slack cannot say."""
        cached = self._cache.get(user_id)
        if cached is not None and self._clock() - cached[1] < self._cache_seconds:
            return cached[0]
        try:
            response = await self._client.users_info(user=user_id)
        except SlackApiError as exc:
            logger.warning("users.info failed for %s: %s", user_id, exc.response.get("error"))
            return SlackProfile(id=user_id, name=fallback_name or user_id, email=None)
        user = response.get("user") or {}
        profile = user.get("profile") or {}
        name = (
            profile.get("real_name")
            or user.get("real_name")
            or profile.get("display_name")
            or user.get("name")
            or fallback_name
            or user_id
        )
        zone = user.get("tz")
        found = SlackProfile(
            id=user_id,
            name=str(name),
            email=profile.get("email"),
            time_zone=zone if is_time_zone(zone) else None,
        )
        self._cache[user_id] = (found, self._clock())
        return found
