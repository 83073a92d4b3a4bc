"""What happens to a request nobody decides: it expires, its approvers are reminded, and it is
escalated, at the times the policy fixed on it when it was made.

Three periodic jobs run these in the instance holding the background lease (see
services/coordinator.py), each round from the injected `clock`:

- `expire_due`: a pending request whose `expires_at` has come is moved to `expired` by the
  guarded `expire` (event `expired`); its approval post and the requester's copy are updated and
  the requester is told by DM (through the `Applier`, so recovery repeats what Slack refused).
- `remind_due`: the approvers who could still approve are named in a reply in the approval
  post's thread, once per `remind_every`.
- `escalate_due`: once `escalate_after` has passed, each of the rule's `escalate_to` people gets
  a DM with the request and a Review button (from then on they may decide it), once. A DM
  rather than a mention in the thread: the escalation approvers are usually not in the rule's
  channel, and Slack does not notify someone mentioned in a channel they are not in.

Each reminder and escalation is claimed by one guarded UPDATE before anything is sent
(`next_reminder_at` moves on, `escalated_at` is set), so two instances, or a round after a
restart, never send it twice; one that could not be sent for a reason that may pass is given
back and tried again next round. What was sent is then recorded as an audit event (`reminded`,
`escalated`). A reminder or escalation due at or after the expiry is never sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from bot.db.base import utc_now
from bot.db.session import Database
from bot.domain import SYSTEM_ACTOR, AuditAction, ChangeRequest
from bot.policy.model import Policy
from bot.services.applying import Applier
from bot.services.notifier import RequestNotifier
from bot.services.policy import ApprovalPolicy

logger = logging.getLogger(__name__)


DEADLINE_FIELDS = ("request_ttl", "remind_every", "escalate_after")


def policy_sets_deadlines(rules: Policy) -> bool:
    """Whether some rule of the policy expires, reminds or escalates requests."""
    return any(
        getattr(rule.settings, name) is not None
        for rule in rules.every_rule
        for name in DEADLINE_FIELDS
    )


def next_reminder(due: datetime, every: timedelta, *, now: datetime) -> datetime:
    """The first reminder time after `now` on the schedule `due`, `due + every`, … (one
    reminder for the intervals an instance missed while stopped, not one for each)."""
    if every <= timedelta():
        raise ValueError("a reminder interval must be positive")
    if due > now:
        return due
    missed = (now - due) // every
    return due + (missed + 1) * every


class PendingFollowUps:
    """Expiry, reminders and escalation of pending requests."""

    def __init__(
        self,
        *,
        database: Database,
        policy: ApprovalPolicy,
        notifier: RequestNotifier,
        applier: Applier,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.database = database
        self.policy = policy
        self.notifier = notifier
        self.applier = applier
        self.clock = clock

    async def needed(self) -> bool:
        """Whether the jobs have anything to do now or later: the policy sets deadlines, or
        pending requests made under an earlier policy carry some."""
        if policy_sets_deadlines(self.policy.rules):
            return True
        async with self.database.reader() as repo:
            return await repo.has_pending_deadlines()

    async def expire_due(self) -> list[ChangeRequest]:
        """Expire every pending request whose time is up, and tell people; those this round
        expired."""
        now = self.clock()
        async with self.database.reader() as repo:
            due = await repo.due_for_expiry(now=now)
        expired = []
        for request in due:
            async with self.database.transaction() as repo:
                result = await repo.expire(request_id=request.id, now=now)
            if not result.won:  # decided meanwhile, or expired by another instance
                continue
            logger.info("request #%s expired without a decision", request.id)
            expired.append(await self.applier.notify(result.request))
        return expired

    async def remind_due(self) -> list[ChangeRequest]:
        """Remind the approvers of every pending request whose reminder is due; those this
        round reminded."""
        now = self.clock()
        async with self.database.reader() as repo:
            due = await repo.due_for_reminder(now=now)
        reminded = []
        for request in due:
            try:
                if await self._remind(request, now=now):
                    reminded.append(request)
            except Exception:
                logger.exception("could not remind the approvers of request #%s", request.id)
        return reminded

    async def _remind(self, request: ChangeRequest, *, now: datetime) -> bool:
        due, every = request.next_reminder_at, request.remind_every
        assert due is not None and every is not None
        approvers = await self.policy.waiting_on(request)
        async with self.database.transaction() as repo:
            claimed = await repo.claim_reminder(
                request_id=request.id, now=now, next_at=next_reminder(due, every, now=now)
            )
        if claimed is None:  # another instance reminded them, or it was decided
            return False
        if not await self.notifier.remind(claimed, approvers=approvers):
            logger.warning("the reminder of request #%s is left for the next round", request.id)
            async with self.database.transaction() as repo:
                await repo.release_reminder(
                    request_id=request.id, due_at=due, reminded_at=request.reminded_at
                )
            return False
        await self._record(claimed, AuditAction.REMINDED, now=now, people=approvers)
        return True

    async def escalate_due(self) -> list[ChangeRequest]:
        """Post every pending request due for escalation to its escalation approvers; those
        this round escalated."""
        now = self.clock()
        async with self.database.reader() as repo:
            due = await repo.due_for_escalation(now=now)
        escalated = []
        for request in due:
            try:
                if await self._escalate(request, now=now):
                    escalated.append(request)
            except Exception:
                logger.exception("could not escalate request #%s", request.id)
        return escalated

    async def _escalate(self, request: ChangeRequest, *, now: datetime) -> bool:
        recipients = await self.policy.escalation_recipients(request)
        async with self.database.transaction() as repo:
            claimed = await repo.claim_escalation(request_id=request.id, now=now)
        if claimed is None:  # another instance escalated it, or it was decided
            return False
        told = [
            user_id
            for user_id in recipients
            if await self.notifier.escalate(claimed, user_id=user_id)
        ]
        if recipients and not told:
            logger.warning("the escalation of request #%s is left for the next round", request.id)
            async with self.database.transaction() as repo:
                await repo.release_escalation(request_id=request.id)
            return False
        await self._record(claimed, AuditAction.ESCALATED, now=now, people=told)
        return True

    async def _record(
        self, request: ChangeRequest, action: AuditAction, *, now: datetime, people: Sequence[str]
    ) -> None:
        async with self.database.transaction() as repo:
            await repo.request_event(
                request,
                actor_id=SYSTEM_ACTOR,
                actor_name=None,
                action=action,
                details={
                    "to": list(people),
                    "approvals": len(request.approvals),
                    "approvals_required": request.approvals_required,
                },
                occurred_at=now,
            )
