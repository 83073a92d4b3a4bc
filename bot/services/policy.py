"""Who may decide a change request: the configured approvers, resolved through Slack user groups.

SMS_HANDLERS_APPROVERS lists Slack user ids (`U…`, `W…`) and user-group handles
(`@telephony-admins`).
Group members are read through `UserGroups` and cached briefly, so a person added to the group can
approve within a minute without a restart.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from typing import Protocol

from bot.domain import ChangeRequest
from bot.errors import SmsHandlersError

logger = logging.getLogger(__name__)

DEFAULT_CACHE_SECONDS = 60.0


class UserGroups(Protocol):
    """Slack user groups, as far as the policy needs them."""

    async def group_ids_by_handle(self) -> dict[str, str]:
        """Every user group's id, by its handle (without the `@`)."""
        ...

    async def group_members(self, group_id: str) -> frozenset[str]:
        """The Slack user ids in one group."""
        ...


class NotAnApproverError(SmsHandlersError):
    """Someone who is not an approver tried to review, approve, reject or retry."""


class SelfApprovalError(SmsHandlersError):
    """A requester tried to decide their own request while self-approval is off."""


class NotTheRequesterError(SmsHandlersError):
    """Someone other than the requester tried to cancel a request."""


class ApproversUnavailableError(SmsHandlersError):
    """The approver groups could not be read from Slack and nothing is cached."""


class ApprovalPolicy:
    """Decides who may review, approve, reject, retry and cancel requests."""

    def __init__(
        self,
        *,
        approvers: Sequence[str],
        groups: UserGroups,
        allow_self_approval: bool = False,
        cache_seconds: float = DEFAULT_CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._user_ids = frozenset(a for a in approvers if not a.startswith("@"))
        self._handles = tuple(a.removeprefix("@") for a in approvers if a.startswith("@"))
        self._groups = groups
        self.allow_self_approval = allow_self_approval
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._cached: frozenset[str] | None = None
        self._cached_at = 0.0
        self._lock = asyncio.Lock()

    @property
    def describe(self) -> str:
        """Who approves, for messages: `members of @telephony-admins and 2 named people`."""
        parts = []
        if self._handles:
            parts.append("members of " + ", ".join(f"@{handle}" for handle in self._handles))
        if self._user_ids:
            count = len(self._user_ids)
            parts.append(f"{count} named {'person' if count == 1 else 'people'}")
        return " and ".join(parts) if parts else "nobody (SMS_HANDLERS_APPROVERS is empty)"

    async def approver_ids(self) -> frozenset[str]:
        """Every Slack user id allowed to decide requests (groups expanded, cached briefly)."""
        if not self._handles:
            return self._user_ids
        async with self._lock:
            fresh = self._clock() - self._cached_at < self._cache_seconds
            if self._cached is not None and fresh:
                return self._cached
            try:
                members = await self._group_members()
            except Exception:
                if self._cached is None:
                    logger.exception("could not read approver groups %s", self._handles)
                    raise ApproversUnavailableError(
                        "Could not check who the approvers are with Slack right now. "
                        "Please try again in a minute."
                    ) from None
                logger.warning("approver groups unreadable; using the last known members")
                return self._cached
            self._cached = self._user_ids | members
            self._cached_at = self._clock()
            return self._cached

    async def _group_members(self) -> frozenset[str]:
        by_handle = await self._groups.group_ids_by_handle()
        members: set[str] = set()
        for handle in self._handles:
            group_id = by_handle.get(handle)
            if group_id is None:
                logger.warning("approver group @%s does not exist in Slack", handle)
                continue
            members |= await self._groups.group_members(group_id)
        return frozenset(members)

    async def is_approver(self, user_id: str) -> bool:
        """Whether this Slack user may decide requests."""
        if user_id in self._user_ids:
            return True
        return user_id in await self.approver_ids()

    async def check_can_decide(self, *, user_id: str, request: ChangeRequest) -> None:
        """Raise unless this user may approve, reject or retry this request."""
        if not await self.is_approver(user_id):
            raise NotAnApproverError(
                f"Only approvers can review SMS handler requests. Approvers are: {self.describe}."
            )
        if user_id == request.requester_id and not self.allow_self_approval:
            raise SelfApprovalError(
                f"You asked for request #{request.id} yourself, so another approver has to "
                "decide it."
            )

    def check_can_cancel(self, *, user_id: str, request: ChangeRequest) -> None:
        """Raise unless this user is the requester (the only one who may cancel)."""
        if user_id != request.requester_id:
            raise NotTheRequesterError(
                f"Only the person who asked for request #{request.id} can cancel it."
            )
