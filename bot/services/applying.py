"""Applying an approved change so that it is never stranded or lost.

The order is what makes it durable:

1. the claim (status `applying`, this instance as `apply_owner`, a lease) is committed before
   anything external happens (by `RequestService.approve` / `retry`, or recovery's take-over);
2. while it applies, the owner renews the lease (a heartbeat), so nobody else takes it over;
3. RingCentral is changed and read back before any Slack message is updated;
4. the outcome — applied, or failed with nothing or part of the change in effect, judged from
   the read-back against the request — is written with its audit event in one transaction,
   together with the read-back as the resource's handler snapshot (bot/services/readings.py),
   retried a few times when the database is unavailable; if it still cannot be written, the
   request is left to recovery (its lease runs out), never reported as failed;
5. only then are the approval post and the requester's copy updated and the requester told, and
   `notified_status` records that they were.

A temporary change starts running when it is recorded as applied (`ends_at`: the end asked
for, or its length from now). The bot's revert of a temporary change is applied here like any
change; its success is recorded as `reverted`, and people are told through the change it
reverts (its thread, its requester).
An offboarding (`ChangeRequest.is_offboarding`) owns one child request per resource, claimed
with it (`Repository.start_applying` → `claim_parts`): applying it is applying its claimed parts
one after the other, each exactly as above (its own lease, outcome and event on its resource),
then settling the offboarding's own status from theirs (`settle`) and telling people once. A
part applied on its own (recovery, a retry) settles its offboarding when its outcome is known.

A change whose effect is unknown (sent, but the handlers could not be read back) is left to
recovery as well. Recovery (bot/services/recovery.py) claims such requests with `resumed=True`:
it reads RingCentral first and sends only what is still missing, so a change that took effect is
never sent twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from bot.db.base import utc_now
from bot.db.errors import DatabaseUnavailableError
from bot.db.repository import Repository, TransitionResult
from bot.db.session import Database
from bot.domain import ChangeRequest, ExtensionRef, Handler, RequestStatus
from bot.errors import SmsHandlersError
from bot.services.directory import (
    ChangeFailed,
    ChangeOutcome,
    ChangePlan,
    Directory,
    HandlerReading,
)
from bot.services.notifier import RequestNotifier
from bot.services.people import People
from bot.services.readings import ChangeAlerts, record_reading, tell_of

logger = logging.getLogger(__name__)

OUTCOME_ATTEMPTS = 4  # writes of an outcome before it is left to recovery
OUTCOME_PAUSE_SECONDS = 0.5  # before the next attempt, times the attempts made
# Statuses the requester is told about by DM (the messages are updated for every status).
TELL_REQUESTER = frozenset(
    {RequestStatus.APPLIED, RequestStatus.FAILED, RequestStatus.REJECTED, RequestStatus.EXPIRED}
)

Write = Callable[[Repository], Awaitable[TransitionResult]]


class InFlight:
    """The applies under way in this process (one per task, however nested the tracking), so
    that a shutdown can let them finish."""

    def __init__(self) -> None:
        self._depths: dict[asyncio.Task[object] | None, int] = {}
        self._idle = asyncio.Event()
        self._idle.set()
        self.closed = False  # shutting down: recovery takes nothing more over

    def __len__(self) -> int:
        return len(self._depths)

    def close(self) -> None:
        """Shutting down: what is under way may finish, recovery starts nothing new."""
        self.closed = True

    @contextlib.contextmanager
    def track(self) -> Iterator[None]:
        """Count the enclosed work as an apply under way."""
        task = asyncio.current_task()
        self._depths[task] = self._depths.get(task, 0) + 1
        self._idle.clear()
        try:
            yield
        finally:
            self._depths[task] -= 1
            if not self._depths[task]:
                del self._depths[task]
            if not self._depths:
                self._idle.set()

    async def wait(self, *, timeout_seconds: float) -> bool:
        """Wait until no apply is under way; False if some still are after the timeout."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), timeout_seconds)
        return not self._depths


class Applier:
    """Applies requests this instance has claimed, records their outcome, tells people."""

    def __init__(
        self,
        *,
        database: Database,
        directory: Directory,
        people: People,
        notifier: RequestNotifier,
        owner: str,
        lease_seconds: float = 60.0,
        outcome_pause_seconds: float = OUTCOME_PAUSE_SECONDS,
        alerts: ChangeAlerts | None = None,
        clock: Callable[[], datetime] = utc_now,
        readings_recorded: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """`readings_recorded`: waits for the handler readings queued so far to be recorded
        (the handler index records them off the answer path)."""
        self.database = database
        self._alerts = alerts
        self._readings_recorded = readings_recorded
        self.directory = directory
        self.people = people
        self.notifier = notifier
        self.owner = owner
        self.lease_seconds = lease_seconds
        self.in_flight = InFlight()
        self._outcome_pause = outcome_pause_seconds
        self._clock = clock

    def lease_until(self) -> datetime:
        """When a claim made (or renewed) now runs out."""
        return utc_now() + timedelta(seconds=self.lease_seconds)

    async def apply(
        self, request: ChangeRequest, *, resumed: bool = False, settle_parent: bool = True
    ) -> ChangeRequest:
        """Apply a request this instance has claimed, record the outcome, then tell people.

        `resumed`: recovery took it over from an instance that stopped, so part or all of it may
        already be in effect; only what is missing is sent (after an audit event saying so).
        Returns the request applied or failed; or still `applying` when its outcome was left to
        recovery or another instance took it over (that one tells people).

        `settle_parent`: for a part of an offboarding, settle the offboarding once the part's
        outcome is recorded (off while the offboarding applies its parts itself).
        """
        if request.is_offboarding:
            return await self._apply_parts(request)
        with self.in_flight.track():
            async with self._holding(request.id):
                result = await self._apply_and_record(request, resumed=resumed)
            if result is None:
                await self._leave_to_recovery(request.id)
                return request
            if not result.won:
                logger.warning(
                    "request #%s was taken over while this instance applied it; now %s",
                    request.id,
                    result.request.status,
                )
                return result.request
            return await self.notify(result.request, settle_parent=settle_parent)

    async def _apply_parts(self, offboarding: ChangeRequest) -> ChangeRequest:
        """Apply the parts of an offboarding this instance claimed, one resource after the
        other, then settle it and tell people once."""
        with self.in_flight.track():
            for part in offboarding.parts:
                if self.in_flight.closed:  # shutting down: the parts left go to recovery
                    break
                if part.request_id is None:
                    continue
                async with self.database.reader() as repo:
                    child = await repo.get_request(request_id=part.request_id)
                mine = child is not None and child.apply_owner == self.owner
                if child is None or child.status is not RequestStatus.APPLYING or not mine:
                    continue  # settled, or another instance's (recovery finishes it)
                try:
                    await self.apply(child, settle_parent=False)
                except Exception:  # one resource's surprise must not strand the others
                    logger.exception("request #%s: applying a part failed unexpectedly", child.id)
            return await self.settle(offboarding.id)

    async def settle(self, offboarding_id: int) -> ChangeRequest:
        """Record an offboarding's status as its parts make it, and show it."""
        try:
            async with self.database.transaction() as repo:
                await repo.settle_offboarding(request_id=offboarding_id)
                offboarding = await repo.get_request(request_id=offboarding_id)
        except DatabaseUnavailableError as exc:  # recovery settles it later
            logger.warning("could not settle offboarding #%s: %s", offboarding_id, exc)
            async with self.database.reader() as repo:
                offboarding = await repo.get_request(request_id=offboarding_id)
        assert offboarding is not None
        return await self.notify(offboarding)

    async def notify(self, request: ChangeRequest, *, settle_parent: bool = True) -> ChangeRequest:
        """Make the request's Slack messages show its status (and DM the requester about a
        decision or an outcome); record that they do. A failure is logged and left for
        recovery to repeat. A revert's outcome is told through the change it reverts.

        A part of an offboarding has no messages of its own: its offboarding's show it, so with
        `settle_parent` the offboarding is settled and shown instead."""
        if request.parent_id is not None:
            return await self._notify_part(request, settle_parent=settle_parent)
        try:
            if request.is_revert:
                done = await self._tell_revert(request)
            else:
                done = await self.notifier.refresh(request)
                if done and request.status in TELL_REQUESTER:
                    done = await self.notifier.tell_requester(request)
        except Exception:
            logger.exception("could not update the messages of request #%s", request.id)
            return request
        if not done:
            logger.warning("the messages of request #%s are left to update later", request.id)
            return request
        return await self._mark_notified(request)

    async def _mark_notified(self, request: ChangeRequest) -> ChangeRequest:
        """Record that the request's messages show its status (if the database answers)."""
        try:
            async with self.database.transaction() as repo:
                await repo.mark_notified(request_id=request.id, status=request.status)
        except DatabaseUnavailableError as exc:
            logger.warning("could not record that request #%s was shown: %s", request.id, exc)
            return request
        return replace(request, notified_status=request.status)

    async def _tell_revert(self, revert: ChangeRequest) -> bool:
        if revert.status not in (RequestStatus.APPLIED, RequestStatus.FAILED):
            return True  # nothing to tell until it has an outcome
        assert revert.reverts_request_id is not None
        async with self.database.reader() as repo:
            original = await repo.get_request(request_id=revert.reverts_request_id)
        if original is None:
            logger.error("revert #%s names no change to revert", revert.id)
            return True
        return await self.notifier.tell_revert(original, revert)

    async def _notify_part(self, request: ChangeRequest, *, settle_parent: bool) -> ChangeRequest:
        assert request.parent_id is not None
        shown = await self._mark_notified(request)
        if settle_parent and shown.notified_status is shown.status:
            await self.settle(request.parent_id)
        return shown

    # -- RingCentral, then the outcome ------------------------------------------------------

    async def _apply_and_record(
        self, request: ChangeRequest, *, resumed: bool
    ) -> TransitionResult | None:
        """The outcome as recorded, or None when it is left to recovery."""
        try:
            plan = await self.directory.plan_change(
                resource_id=request.resource_id,
                added=[r.id for r in request.add],
                removed=[r.id for r in request.remove],
            )
        except SmsHandlersError as exc:  # nothing was sent
            message = str(exc)
            if resumed:
                message = (
                    "The bot stopped while applying this change and could not check it "
                    f"afterwards: {exc} Check the handlers, then retry."
                )
            return await self._fail(request, code=_error_code(exc), message=message)
        except Exception:
            logger.exception("request #%s: reading the handlers failed unexpectedly", request.id)
            return await self._fail(
                request,
                code=None,
                message="An unexpected error stopped the change before it was sent; check the "
                "handlers, then retry.",
            )
        if resumed and not plan.in_effect and not await self._record_resend(request, plan):
            return None
        try:
            outcome = await self.directory.send_change(plan)
        except ChangeFailed as exc:
            if exc.after is None:
                logger.warning("request #%s: the change's effect is unknown: %s", request.id, exc)
                return None
            self.people.remember(exc.after)
            return await self._fail(
                request,
                code=exc.cause.error_code,
                message=str(exc),
                before=exc.before,
                after=exc.reading_after,
            )
        except Exception:
            logger.exception("request #%s: sending the change failed unexpectedly", request.id)
            return None
        self.people.remember(outcome.after)
        if not outcome.verified:
            return await self._fail(
                request,
                code="VERIFY",
                message=_verification_message(outcome),
                before=outcome.before,
                after=_reading_after(outcome),
            )
        return await self._finish(request, outcome, resumed=resumed)

    async def _record_resend(self, request: ChangeRequest, plan: ChangePlan) -> bool:
        """The audit event before a taken-over request's missing part is sent; False when it
        cannot be written (nothing is then sent) or the request is no longer this instance's."""
        details: dict[str, object] = {"sending_added": list(plan.added)}
        details["sending_removed"] = list(plan.removed)
        result = await self._record(
            request.id,
            lambda repo: repo.reapply(request_id=request.id, owner=self.owner, details=details),
        )
        return result is not None and result.won

    async def _finish(
        self, request: ChangeRequest, outcome: ChangeOutcome, *, resumed: bool
    ) -> TransitionResult | None:
        details: dict[str, object] = {
            "sent_added": list(outcome.added),
            "sent_removed": list(outcome.removed),
            "bulk_assign_calls": outcome.calls,
        }
        if resumed:
            details["recovered"] = True
        if outcome.error is not None:
            details["lost_answer"] = str(outcome.error)
        if outcome.unexpected:
            details["also_present"] = list(outcome.unexpected)
        reading = _reading_after(outcome)
        applied_at = self._clock()
        ends_at = _end_of(request, applied_at)

        async def write(repo: Repository) -> TransitionResult:
            return await repo.finish(
                request_id=request.id,
                owner=self.owner,
                handlers_before=[_ref(r) for r in outcome.before],
                handlers_after=[_ref(r) for r in outcome.after],
                warning=_unready_warning(outcome),
                details=details,
                ends_at=ends_at,
                revert=request.is_revert,
                at=applied_at,
            )

        return await self._record(request.id, write, reading=reading)

    async def _fail(
        self,
        request: ChangeRequest,
        *,
        code: str | None,
        message: str,
        before: Sequence[Handler] | None = None,
        after: HandlerReading | None = None,
    ) -> TransitionResult | None:
        logger.warning("request #%s failed to apply: %s", request.id, message)
        return await self._record(
            request.id,
            lambda repo: repo.fail(
                request_id=request.id,
                owner=self.owner,
                error_code=code or "ERROR",
                error_message=message,
                handlers_before=None if before is None else [_ref(r) for r in before],
                handlers_after=None if after is None else [_ref(r) for r in after.handlers],
            ),
            reading=after,
        )

    async def _record(
        self, request_id: int, write: Write, *, reading: HandlerReading | None = None
    ) -> TransitionResult | None:
        """Write a step of an apply, trying again while the database is unavailable; None if
        it never could be.

        `reading`: the handlers read back after the change, recorded as the resource's snapshot
        in the same transaction, before the outcome: the request is still `applying` then, so
        its own change is not taken for one made outside the bot. The readings queued before it
        (this apply's read before the change among them) are recorded first, for the same
        reason: recorded after the outcome, the read before would pass for a removal made
        outside the bot.
        """
        if reading is not None and self._readings_recorded is not None:
            await self._readings_recorded()
        for attempt in range(1, OUTCOME_ATTEMPTS + 1):
            try:
                async with self.database.transaction() as repo:
                    seen = None if reading is None else await record_reading(repo, reading)
                    result = await write(repo)
                if seen is not None and seen.change is not None:
                    tell_of(seen.change, self._alerts)
                return result
            except DatabaseUnavailableError as exc:
                logger.warning(
                    "could not record the outcome of request #%s (attempt %d of %d): %s",
                    request_id,
                    attempt,
                    OUTCOME_ATTEMPTS,
                    exc,
                )
                if attempt < OUTCOME_ATTEMPTS:
                    await asyncio.sleep(self._outcome_pause * attempt)
        logger.error(
            "could not record the outcome of request #%s; leaving it to recovery", request_id
        )
        return None

    # -- the lease ---------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def _holding(self, request_id: int) -> AsyncIterator[None]:
        """Renew this instance's lease on the request while the block runs."""
        heartbeat = asyncio.create_task(
            self._renew(request_id), name=f"lease of request #{request_id}"
        )
        try:
            yield
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat

    async def _renew(self, request_id: int) -> None:
        while True:
            await asyncio.sleep(self.lease_seconds / 3)
            try:
                async with self.database.transaction() as repo:
                    kept = await repo.renew_apply_lease(
                        request_id=request_id, owner=self.owner, until=self.lease_until()
                    )
            except DatabaseUnavailableError as exc:
                logger.warning("could not renew the lease on request #%s: %s", request_id, exc)
                continue
            if not kept:
                logger.warning("the lease on request #%s is no longer this instance's", request_id)
                return

    async def _leave_to_recovery(self, request_id: int) -> None:
        """End the lease at once so recovery takes the request over at its next round (if the
        database answers; otherwise the lease runs out by itself)."""
        try:
            async with self.database.transaction() as repo:
                await repo.release_apply_leases(owner=self.owner, request_id=request_id)
        except DatabaseUnavailableError as exc:
            logger.warning("could not release the lease on request #%s: %s", request_id, exc)


def _end_of(request: ChangeRequest, applied_at: datetime) -> datetime | None:
    """When a temporary change applied at `applied_at` ends (None for a permanent one)."""
    if request.temporary_until is not None:
        return request.temporary_until
    if request.temporary_for is not None:
        return applied_at + request.temporary_for
    return None


def _reading_after(outcome: ChangeOutcome) -> HandlerReading:
    return HandlerReading(
        outcome.resource,
        outcome.after,
        outcome.after_read_at,
        bot_added=outcome.added,
        bot_removed=outcome.removed,
    )


def _ref(person: Handler) -> ExtensionRef:
    return ExtensionRef(id=person.id, name=person.name, extension_number=person.extension_number)


def _error_code(error: SmsHandlersError) -> str | None:
    code = getattr(error, "error_code", None)
    return code if isinstance(code, str) else None


def _unready_warning(outcome: ChangeOutcome) -> str | None:
    """What to tell about new handlers RingCentral reports as unable to take threads, if any."""
    unready = [
        f"{r.name} ({'not assignable' if not r.assignable else 'no licence'})"
        for r in outcome.after
        if r.id in outcome.added and not (r.assignable and r.has_license)
    ]
    if not unready:
        return None
    return (
        "Added, but RingCentral gives them no SMS threads until an admin fixes their accounts: "
        f"{', '.join(unready)}."
    )


def _verification_message(outcome: ChangeOutcome) -> str:
    names = {r.id: r.name for r in (*outcome.before, *outcome.after)}
    parts = []
    if outcome.missing:
        parts.append("missing " + ", ".join(names.get(i, i) for i in outcome.missing))
    if outcome.still_present:
        parts.append("still present " + ", ".join(names.get(i, i) for i in outcome.still_present))
    return (
        "RingCentral accepted the change, but reading the handlers back shows it did not take "
        f"effect as expected ({'; '.join(parts)}). Check the handlers, then retry."
    )
