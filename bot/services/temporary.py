"""Temporary changes once applied: the notices before their end, their revert at the end, and
Extend / End now.

`run_due()` is a coordinator job (one instance at a time, every
SMS_HANDLERS_TEMPORARY_INTERVAL_SECONDS). Each round it

- sends the notice due for each running change (a day before its end, an hour before; each
  only if the change lasts longer than that), claimed in the database before it is sent and
  marked sent after, so it goes out once per end time across instances and restarts;
- acts on every end that has come: reads the handlers live, plans the revert
  (bot/services/revert_plan.py), and in one transaction records the change as ended, what is
  left alone and why (`revert_skipped`), and the revert of the rest as a change request of the
  bot's own, already claimed for applying (`reverting`); the `Applier` then applies it like any
  change (verified, recovered after a stop, never applied twice: one revert per change), and
  its outcome (`reverted`, or failed with Retry) is told in the approval post's thread and to
  the requester;
- tells about ends that left nothing to revert and were not told yet.

Extend moves a running change's end within the rule's `max_temporary`, counted from when the
change took effect, without asking for approval again: the approvers' rule already allows a
temporary change that long on this resource, the move is recorded (`extended`) and announced in
the approval thread, where an approver can end it. Beyond the maximum the requester asks anew.
End now brings the end forward to now (`ended_early`) and reverts at once, through the same path.
The requester and the rule's approvers may do both.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.db.base import utc_now
from bot.db.errors import RequestNotFoundError
from bot.db.session import Database
from bot.domain import (
    AuditAction,
    AuditEvent,
    ChangeRequest,
    ExtensionRef,
    Handler,
    NoticeKind,
    RevertSkip,
)
from bot.errors import SmsHandlersError
from bot.services.applying import Applier
from bot.services.directory import Directory, UnknownResource
from bot.services.end_times import (
    EndChoice,
    extended_end,
    latest_end,
    local_text,
    notice_due,
    time_left,
)
from bot.services.home import RunningTemporaryChange
from bot.services.notifier import RequestNotifier
from bot.services.people import People
from bot.services.policy import ApprovalPolicy
from bot.services.requests import Actor
from bot.services.revert_plan import RevertPlan, plan_revert

logger = logging.getLogger(__name__)

# How long a card may show a copy of a resource's running temporary changes (this instance's own
# writes to change requests make it read again at once), and how many resources' copies are kept.
RUNNING_CACHE_SECONDS = 3.0
RUNNING_CACHE_SIZE = 4096

NOTICE_CLAIM_SECONDS = 60.0  # a notice claimed by an instance that stopped is sent after this
GONE = "the resource no longer exists in RingCentral"
UNTOLD_FOR = timedelta(days=7)  # an end not told within this long (Slack down) is not news
RUNNING_LISTED = 100  # a person's running changes read for Home (it shows the first few)


class NotRunningError(SmsHandlersError):
    """The temporary change has ended already (or is not a temporary change)."""


class RevertDelayedError(SmsHandlersError):
    """A change was ended now, but RingCentral cannot be read to revert it yet."""


class _HandlersUnreadable(Exception):
    """The handlers could not be read at a change's end: tried again at the next round."""


@dataclass(frozen=True)
class ExtendForm:
    """What the Extend modal shows: the change, the latest end the rule allows (None: no
    limit), and the time zone the person picks in."""

    request: ChangeRequest
    latest: datetime | None
    time_zone: str | None


@dataclass(frozen=True)
class TemporaryReport:
    """What one round did: notices sent, changes ended (their revert, or the change when
    nothing was left to revert), and what failed (retried at the next round)."""

    notices: tuple[tuple[int, NoticeKind], ...] = ()
    ended: tuple[ChangeRequest, ...] = ()
    errors: tuple[str, ...] = ()


class RequesterTemporaryChanges:
    """Home's `TemporaryChanges`: a person's temporary changes still running, from the
    database (no RingCentral read, so Home shows them whatever RingCentral does)."""

    def __init__(self, database: Database, *, limit: int = RUNNING_LISTED) -> None:
        self._database = database
        self._limit = limit

    async def running(self, *, requester_id: str) -> list[RunningTemporaryChange]:
        """The person's temporary changes in effect now, the soonest to end first."""
        async with self._database.reader() as repo:
            found = await repo.running_temporary(requester_id=requester_id, limit=self._limit)
        return [
            RunningTemporaryChange(
                request_id=r.id,
                resource_id=r.resource_id,
                resource_name=r.resource_name,
                added=r.add,
                removed=r.remove,
                ends_at=r.ends_at,
            )
            for r in found
            if r.ends_at is not None
        ]


class TemporaryChanges:
    """Running temporary changes: notices, reverts, Extend and End now."""

    def __init__(
        self,
        *,
        database: Database,
        directory: Directory,
        people: People,
        policy: ApprovalPolicy,
        notifier: RequestNotifier,
        applier: Applier,
        clock: Callable[[], datetime] = utc_now,
        notice_claim_seconds: float = NOTICE_CLAIM_SECONDS,
        running_cache_seconds: float = RUNNING_CACHE_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._database = database
        self._directory = directory
        self._people = people
        self._policy = policy
        self._notifier = notifier
        self._applier = applier
        self._clock = clock
        self._claim = timedelta(seconds=notice_claim_seconds)
        self._running_cache_seconds = running_cache_seconds
        self._monotonic = monotonic
        # resource id -> (read at, the database's requests_version when the read began, changes)
        self._running_cache: dict[str, tuple[float, int, tuple[ChangeRequest, ...]]] = {}
        self._running_reads: dict[tuple[str, int], asyncio.Future[tuple[ChangeRequest, ...]]] = {}

    # -- reading ------------------------------------------------------------------------------

    async def running(self, *, resource_id: str) -> tuple[ChangeRequest, ...]:
        """The temporary changes still running on a resource, the soonest to end first.

        Every card shows them, so a copy read less than `running_cache_seconds` ago is reused
        as long as this instance wrote no change request since it was read (another instance's
        writes show once the copy is that old)."""
        now = self._monotonic()
        version = self._database.requests_version
        cached = self._running_cache.get(resource_id)
        if (
            cached is not None
            and cached[1] == version
            and now - cached[0] < self._running_cache_seconds
        ):
            return cached[2]
        if self._running_cache_seconds <= 0:
            return await self._read_running(resource_id)
        key = (resource_id, version)
        read = self._running_reads.get(key)
        if read is None:  # one read at a time per resource: the cards meanwhile share it
            read = asyncio.ensure_future(self._read_running(resource_id))
            self._running_reads[key] = read
            read.add_done_callback(lambda done: self._read_done(key, done, now))
        return await asyncio.shield(read)

    async def _read_running(self, resource_id: str) -> tuple[ChangeRequest, ...]:
        async with self._database.reader() as repo:
            return tuple(await repo.running_temporary(resource_id=resource_id))

    def _read_done(
        self, key: tuple[str, int], done: asyncio.Future[tuple[ChangeRequest, ...]], at: float
    ) -> None:
        self._running_reads.pop(key, None)
        if done.cancelled() or done.exception() is not None:
            return  # each waiter got the error; the next card reads again
        if len(self._running_cache) >= RUNNING_CACHE_SIZE:
            self._running_cache.clear()
        self._running_cache[key[0]] = (at, key[1], done.result())

    async def _running_change(self, request_id: int) -> ChangeRequest:
        async with self._database.reader() as repo:
            request = await repo.get_request(request_id=request_id)
        if request is None:
            raise RequestNotFoundError(f"Change request #{request_id} does not exist.")
        if not request.temporary_running:
            raise NotRunningError(_not_running(request))
        return request

    async def check_can_change(self, *, request_id: int, user_id: str) -> ChangeRequest:
        """The running temporary change, if this person may extend or end it."""
        request = await self._running_change(request_id)
        await self._policy.check_can_end(user_id=user_id, request=request)
        return request

    # -- Extend and End now ---------------------------------------------------------------------

    async def extend_form(self, *, request_id: int, user: Actor) -> ExtendForm:
        """What the Extend modal shows this person."""
        request = await self.check_can_change(request_id=request_id, user_id=user.id)
        longest = (await self._policy.decision_for(request)).max_temporary
        started = request.applied_at or request.created_at
        return ExtendForm(
            request=request, latest=latest_end(started, longest), time_zone=user.time_zone
        )

    async def extend(
        self,
        *,
        request_id: int,
        user: Actor,
        choice: EndChoice,
        seen_end: datetime | None = None,
    ) -> ChangeRequest:
        """Move a running change's end (InvalidEndError says what is wrong with the end
        picked), if it still ends at `seen_end` (what the Extend modal showed); the thread and
        the requester are told."""
        request = await self.check_can_change(request_id=request_id, user_id=user.id)
        assert request.ends_at is not None
        if seen_end is not None and seen_end != request.ends_at:
            raise NotRunningError(_moved(request, user))
        longest = (await self._policy.decision_for(request)).max_temporary
        now = self._clock()
        new_end = extended_end(
            choice,
            now=now,
            longest=longest,
            started_at=request.applied_at or request.created_at,
            current_end=request.ends_at,
        )
        async with self._database.transaction() as repo:
            result = await repo.extend(
                request_id=request.id,
                previous_end=request.ends_at,
                ends_at=new_end,
                actor_id=user.id,
                actor_name=user.name,
                now=now,
            )
        if not result.won:
            if result.request.temporary_running:
                raise NotRunningError(_moved(result.request, user))
            raise NotRunningError(_not_running(result.request))
        try:
            await self._notifier.tell_extended(
                result.request, by_id=user.id, previous_end=request.ends_at
            )
        except Exception:
            logger.exception("could not tell about the extension of change #%s", request.id)
        return result.request

    async def end_now(self, *, request_id: int, user: Actor) -> ChangeRequest:
        """End a running change now and revert it at once; the revert (or, when nothing was
        left to revert, the change) as it ended."""
        request = await self.check_can_change(request_id=request_id, user_id=user.id)
        now = self._clock()
        async with self._database.transaction() as repo:
            result = await repo.end_early(
                request_id=request.id, actor_id=user.id, actor_name=user.name, now=now
            )
        if not result.won:
            raise NotRunningError(_not_running(result.request))
        try:
            ended = await self._end(result.request, now=now, ended_by=user)
        except _HandlersUnreadable:
            raise RevertDelayedError(
                f"Change #{request.id} ends now, but RingCentral cannot be read at the moment to "
                "revert it. The bot reverts it as soon as it can and says so in the request's "
                "thread."
            ) from None
        return ended or result.request

    # -- the background job ---------------------------------------------------------------------

    async def run_due(self) -> TemporaryReport:
        """One round: the notices due, the ends that have come, ends not told yet."""
        now = self._clock()
        notices: list[tuple[int, NoticeKind]] = []
        ended: list[ChangeRequest] = []
        errors: list[str] = []
        async with self._database.reader() as repo:
            soon = await repo.running_temporary(ending_by=now + NoticeKind.DAY_BEFORE.lead)
        for request in soon:
            if self._applier.in_flight.closed:
                break
            assert request.ends_at is not None
            started = request.applied_at or request.created_at
            kind = notice_due(started, request.ends_at, now)
            if kind is not None and await self._send_notice(request, kind, now=now):
                notices.append((request.id, kind))
        for request in soon:
            if self._applier.in_flight.closed:
                break
            if request.ends_at is None or request.ends_at > now:
                continue
            try:
                done = await self._end(request, now=now)
            except _HandlersUnreadable:
                continue  # logged; tried again at the next round
            except Exception as exc:
                logger.exception("ending temporary change #%s failed", request.id)
                errors.append(f"#{request.id}: {exc}")
                continue
            if done is not None:
                ended.append(done)
        async with self._database.reader() as repo:
            untold = await repo.ended_untold(since=now - UNTOLD_FOR)
        for request in untold:
            if self._applier.in_flight.closed:
                break
            if await self._send_notice(request, NoticeKind.ENDED, now=now):
                notices.append((request.id, NoticeKind.ENDED))
        return TemporaryReport(notices=tuple(notices), ended=tuple(ended), errors=tuple(errors))

    async def _end(
        self, request: ChangeRequest, *, now: datetime, ended_by: Actor | None = None
    ) -> ChangeRequest | None:
        """Act on a change's end: record what is left alone and start the revert of the rest
        (applied before this returns, unless left to recovery). Returns the revert, or the
        change when nothing was left to revert; None when someone else acted on the end first.
        _HandlersUnreadable when RingCentral could not be read (tried again at the next
        round)."""
        with self._applier.in_flight.track():
            async with self._database.reader() as repo:
                applied_event = await repo.applied_event_id(request_id=request.id)
                later = await repo.events_after(
                    resource_id=request.resource_id, after_id=applied_event or 0
                )
                seen = await repo.latest_snapshot(resource_id=request.resource_id)
            ended_by = ended_by or _ended_early_by(request, later)
            try:
                current: tuple[Handler, ...] | None = await self._directory.handlers(
                    resource_id=request.resource_id
                )
            except UnknownResource:
                current = None
            except SmsHandlersError as exc:
                logger.warning(
                    "change #%s has ended, but its handlers cannot be read to revert it: %s",
                    request.id,
                    exc,
                )
                raise _HandlersUnreadable from exc
            if current is None:
                plan = _nothing_to_do(request, GONE)
            else:
                self._people.remember(current)
                plan = plan_revert(
                    request,
                    current=current,
                    later=later,
                    seen=seen,
                    problems=await self._problems([r.id for r in request.remove]),
                )
            async with self._database.transaction() as repo:
                started = await repo.start_revert(
                    request_id=request.id,
                    now=now,
                    restore=plan.restore,
                    remove=plan.remove,
                    skipped=plan.skipped,
                    handlers_before=[_ref(h) for h in current or ()],
                    owner=self._applier.owner,
                    lease_until=self._applier.lease_until(),
                    ended_by_id=None if ended_by is None else ended_by.id,
                    ended_by_name=None if ended_by is None else ended_by.name,
                )
            if not started.won:
                return None
            left = "; ".join(f"{s.person.name} ({s.person.id}): {s.why}" for s in plan.skipped)
            logger.info(
                "temporary change #%s ended: %d to remove, %d to restore; left alone: %s",
                request.id,
                len(plan.remove),
                len(plan.restore),
                left or "nobody",
            )
            if started.revert is None:
                await self._send_notice(started.original, NoticeKind.ENDED, now=now)
                return started.original
            return await self._applier.apply(started.revert)

    async def _problems(self, ids: Sequence[str]) -> dict[str, str | None] | None:
        """What stops each of these people from being a handler again (None: unknown)."""
        if not ids:
            return {}
        try:
            choices = await self._people.choices(ids=ids)
        except SmsHandlersError as exc:
            logger.warning("could not read the RingCentral users before a revert: %s", exc)
            return None
        return {i: choice.problem for i, choice in choices.items()}

    async def _send_notice(
        self, request: ChangeRequest, kind: NoticeKind, *, now: datetime
    ) -> bool:
        """Send one notice unless it was sent (or another instance is sending it); True when
        this call sent it."""
        assert request.ends_at is not None
        ends_at, owner = request.ends_at, self._applier.owner
        async with self._database.transaction() as repo:
            claimed = await repo.claim_notice(
                request_id=request.id,
                kind=kind,
                ends_at=ends_at,
                owner=owner,
                now=now,
                until=now + self._claim,
            )
        if not claimed:
            return False
        try:
            sent = await self._notifier.tell_temporary(
                request, kind, left=time_left(now, request.ends_at)
            )
        except Exception:
            logger.exception("could not send the %s notice of change #%s", kind, request.id)
            sent = False
        async with self._database.transaction() as repo:
            await repo.finish_notice(
                request_id=request.id, kind=kind, ends_at=ends_at, owner=owner, now=now, sent=sent
            )
        return sent


def _ended_early_by(request: ChangeRequest, later: Sequence[AuditEvent]) -> Actor | None:
    """Who pressed End now, when the end is acted on afterwards (RingCentral was unreadable)."""
    for event in reversed(later):
        if event.request_id == request.id and event.action is AuditAction.ENDED_EARLY:
            return Actor(id=event.actor_id, name=event.actor_name or event.actor_id)
    return None


def _nothing_to_do(request: ChangeRequest, why: str) -> RevertPlan:
    skipped = [RevertSkip(person=r, was_added=True, why=why) for r in request.add]
    skipped += [RevertSkip(person=r, was_added=False, why=why) for r in request.remove]
    return RevertPlan(skipped=tuple(skipped))


def _moved(request: ChangeRequest, user: Actor) -> str:
    ends = local_text(request.ends_at, user.time_zone) if request.ends_at else "later"
    return (
        f"Someone moved the end of change #{request.id} meanwhile; it now ends {ends}. Open "
        "Extend again to move it further."
    )


def _not_running(request: ChangeRequest) -> str:
    if not request.is_temporary:
        return f"Change #{request.id} is not a temporary change."
    if request.ended_at is not None:
        return f"Change #{request.id} has ended already."
    return f"Change #{request.id} is {request.status}: it is not running yet."


def _ref(handler: Handler) -> ExtensionRef:
    return ExtensionRef(id=handler.id, name=handler.name, extension_number=handler.extension_number)
