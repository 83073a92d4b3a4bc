"""Recovery: no change request is left stranded by a bot instance that stopped.

`recover_once()` runs at start-up and every minute (in one instance at a time). It

- takes over (a guarded update with a `taken_over` event) every request whose applier is gone:
  `applying` with its lease run out, or `approved` for longer than a lease; then, through the
  `Applier` with `resumed=True`, reads RingCentral: a change already in effect is recorded as
  applied without a second bulk-assign, a missing part is sent again (after a `reapplying`
  event) and verified, and what cannot be done ends as failed, with Retry offered;
- brings up to date the Slack messages of every settled request whose `notified_status` differs
  from its status (a stop while they were being updated), DM to the requester included.

`stuck()` and `retry_now()` are what `sms-handlers requests --stuck` and `… retry N` use.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.db.base import utc_now
from bot.db.errors import RequestNotFoundError
from bot.db.session import Database
from bot.domain import (
    REQUEST_TRANSITIONS,
    SYSTEM_ACTOR,
    ChangeRequest,
    RequestIntent,
    RequestStatus,
)
from bot.errors import SmsHandlersError
from bot.services.applying import Applier

logger = logging.getLogger(__name__)


class NothingToRetryError(SmsHandlersError):
    """The request is not stuck: settled, or being applied by a live instance."""


@dataclass(frozen=True)
class RecoveryReport:
    """What one round did: the requests taken over (as they ended) and those whose messages
    were brought up to date."""

    recovered: tuple[ChangeRequest, ...] = ()
    notified: tuple[ChangeRequest, ...] = ()
    errors: tuple[str, ...] = ()


class RecoveryService:
    """Finds and finishes what stopped instances left behind."""

    def __init__(self, *, database: Database, applier: Applier) -> None:
        self.database = database
        self.applier = applier

    def _abandoned_before(self, now: datetime) -> datetime:
        """An `approved` request untouched since then has nobody applying it."""
        return now - timedelta(seconds=self.applier.lease_seconds)

    async def recover_once(self) -> RecoveryReport:
        """One round: take over and finish abandoned requests, then repair stale messages."""
        now = utc_now()
        async with self.database.reader() as repo:
            abandoned = await repo.abandoned_requests(
                now=now, approved_before=self._abandoned_before(now)
            )
        recovered: list[ChangeRequest] = []
        errors: list[str] = []
        for request in abandoned:
            if self.applier.in_flight.closed:  # shutting down: left for the next instance
                break
            try:
                done = await self._take_over(request.id, actor_id=SYSTEM_ACTOR, actor_name=None)
            except Exception as exc:
                logger.exception("recovering request #%s failed", request.id)
                errors.append(f"#{request.id}: {exc}")
                continue
            if done is not None:
                recovered.append(done)
        async with self.database.reader() as repo:
            unsettled = await repo.unsettled_offboardings()
        for offboarding in unsettled:  # its instance stopped after its last part's outcome
            if self.applier.in_flight.closed:
                break
            recovered.append(await self.applier.settle(offboarding.id))
        async with self.database.reader() as repo:
            stale = await repo.unnotified_requests()
        notified = []
        for request in stale:
            if self.applier.in_flight.closed:
                break
            logger.info(
                "request #%s: its messages show %s, updating them to %s",
                request.id,
                request.notified_status,
                request.status,
            )
            shown = await self.applier.notify(request)
            if shown.notified_status is shown.status:
                notified.append(shown)
        return RecoveryReport(
            recovered=tuple(recovered), notified=tuple(notified), errors=tuple(errors)
        )

    async def stuck(self) -> list[ChangeRequest]:
        """Requests nobody is finishing (see `stuck_requests`)."""
        return await stuck_requests(self.database, lease_seconds=self.applier.lease_seconds)

    async def retry_now(self, *, request_id: int, actor_id: str, actor_name: str) -> ChangeRequest:
        """For an operator: retry a failed request, or take over and finish an abandoned one,
        now. NothingToRetryError says why not for any other."""
        async with self.database.reader() as repo:
            request = await repo.get_request(request_id=request_id)
        if request is None:
            raise RequestNotFoundError(f"Change request #{request_id} does not exist.")
        if REQUEST_TRANSITIONS[RequestIntent.RETRY].allows(request.status):
            with self.applier.in_flight.track():
                async with self.database.transaction() as repo:
                    result = await repo.start_applying(
                        request_id=request_id,
                        actor_id=actor_id,
                        actor_name=actor_name,
                        owner=self.applier.owner,
                        lease_until=self.applier.lease_until(),
                        retry=True,
                    )
                if result.won:
                    return await self.applier.apply(result.request)
                request = result.request
        if request.status in (RequestStatus.APPROVED, RequestStatus.APPLYING):
            done = await self._take_over(request_id, actor_id=actor_id, actor_name=actor_name)
            if done is not None:
                return done
            async with self.database.reader() as repo:
                request = await repo.get_request(request_id=request_id) or request
        raise NothingToRetryError(_why_not(request))

    async def _take_over(
        self, request_id: int, *, actor_id: str, actor_name: str | None
    ) -> ChangeRequest | None:
        """Claim an abandoned request and finish it; None if it is not abandoned (any more)."""
        with self.applier.in_flight.track():
            now = utc_now()
            async with self.database.transaction() as repo:
                result = await repo.take_over(
                    request_id=request_id,
                    owner=self.applier.owner,
                    lease_until=self.applier.lease_until(),
                    now=now,
                    approved_before=self._abandoned_before(now),
                    actor_id=actor_id,
                    actor_name=actor_name,
                )
            if not result.won:
                return None
            logger.info(
                "request #%s: taken over from %s (was %s)",
                request_id,
                result.event.details.get("previous_owner") if result.event else None,
                (result.event.details.get("previous_status") if result.event else None),
            )
            return await self.applier.apply(result.request, resumed=True)


async def stuck_requests(database: Database, *, lease_seconds: float) -> list[ChangeRequest]:
    """Requests nobody is finishing: approved or applying whose applier is gone (no live lease;
    approved for longer than `lease_seconds`), and failed ones waiting for a retry; oldest
    first."""
    now = utc_now()
    async with database.reader() as repo:
        abandoned = await repo.abandoned_requests(
            now=now, approved_before=now - timedelta(seconds=lease_seconds)
        )
        failed = await repo.pending_requests(statuses=(RequestStatus.FAILED,))
    return sorted([*abandoned, *failed], key=lambda r: r.id)


def _why_not(request: ChangeRequest) -> str:
    if request.status is RequestStatus.APPLYING:
        until = request.apply_lease_until
        when = f" until {until:%Y-%m-%d %H:%M:%S} UTC" if until else ""
        return (
            f"Request #{request.id} is being applied by {request.apply_owner or 'another instance'}"
            f"{when}; retry it after that if it is still applying."
        )
    if request.status is RequestStatus.APPROVED:
        return (
            f"Request #{request.id} was approved moments ago and is about to be applied; "
            "retry it later if it is still approved."
        )
    return f"Request #{request.id} is {request.status}: there is nothing to retry."
