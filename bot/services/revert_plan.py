"""What reverting a temporary change does, decided from the handlers now and what the bot
recorded since the change took effect. Pure: the caller reads RingCentral and the database.

A person the change **added** is removed, unless
- they are no longer a handler (someone removed them: nothing to undo), or
- someone else added them since. The bot knows that when, after the change's `applied` event,
  another change's `applied` / `reverted` event or a change seen made outside the bot
  (`external_change`) names them as added, or a handler list recorded since — an event's
  before / after lists, or the last snapshot of the resource's handlers taken after the change
  took effect — does not hold them: they were gone at some point, so their being a handler now
  is someone else's doing, and removing them would undo that instead of this change.

A person the change **removed** is restored, unless they are a handler again already, or
RingCentral no longer lets them be one (not a user any more, disabled, …).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.domain import (
    AuditAction,
    AuditEvent,
    ChangeRequest,
    ExtensionRef,
    Handler,
    HandlerSnapshot,
    RevertSkip,
)

NO_LONGER_A_HANDLER = "no longer a handler"
ALREADY_BACK = "a handler again already"
NOT_A_USER = "no longer a RingCentral user"
# Events that record what changed a resource's handlers (other than this change's own).
CHANGING = frozenset({AuditAction.APPLIED, AuditAction.REVERTED, AuditAction.EXTERNAL_CHANGE})


@dataclass(frozen=True)
class RevertPlan:
    """Who to remove and who to restore, and what is left alone and why."""

    remove: tuple[ExtensionRef, ...] = ()
    restore: tuple[ExtensionRef, ...] = ()
    skipped: tuple[RevertSkip, ...] = ()

    @property
    def anything_to_do(self) -> bool:
        return bool(self.remove or self.restore)


def plan_revert(
    change: ChangeRequest,
    *,
    current: Sequence[Handler],
    later: Sequence[AuditEvent],
    seen: HandlerSnapshot | None,
    problems: Mapping[str, str | None] | None,
) -> RevertPlan:
    """Plan the revert of `change` given the handlers now (`current`), the resource's audit
    events after the change took effect (`later`, oldest first), the last snapshot of its
    handlers read before `current` (`seen`), and for the people it removed, what stops each from
    being a handler again (`problems`: None for nobody; an id missing: not a user; None: the
    user list could not be read, so nobody is left out for that)."""
    present = {h.id for h in current}
    remove: list[ExtensionRef] = []
    restore: list[ExtensionRef] = []
    skipped: list[RevertSkip] = []
    for person in change.add:
        why = None
        if person.id not in present:
            why = NO_LONGER_A_HANDLER
        else:
            why = added_again_since(person.id, change, later=later, seen=seen)
        if why is None:
            remove.append(person)
        else:
            skipped.append(RevertSkip(person=person, was_added=True, why=why))
    for person in change.remove:
        why = None
        if person.id in present:
            why = ALREADY_BACK
        elif problems is not None:
            if person.id not in problems:
                why = NOT_A_USER
            elif problems[person.id]:
                why = f"cannot be a handler again ({problems[person.id]})"
        if why is None:
            restore.append(person)
        else:
            skipped.append(RevertSkip(person=person, was_added=False, why=why))
    return RevertPlan(remove=tuple(remove), restore=tuple(restore), skipped=tuple(skipped))


def added_again_since(
    person_id: str,
    change: ChangeRequest,
    *,
    later: Sequence[AuditEvent],
    seen: HandlerSnapshot | None,
) -> str | None:
    """Why the person's being a handler now is someone else's doing, or None when nothing the
    bot recorded since `change` took effect says so."""
    others = [e for e in later if e.action in CHANGING and e.request_id != change.id]
    # The latest addition names who added them (a removal seen outside the bot is often
    # recorded just before the request that adds them back).
    for event in reversed(others):
        if any(r.id == person_id for r in event.added):
            if event.action is AuditAction.EXTERNAL_CHANGE or event.request_id is None:
                return "added again since, outside the bot"
            return f"added again since, by request #{event.request_id}"
    for event in others:
        for handlers in (event.handlers_before, event.handlers_after):
            if handlers is not None and all(r.id != person_id for r in handlers):
                return "removed and added again since"
    applied_at = change.applied_at
    if (
        seen is not None
        and applied_at is not None
        and seen.taken_at > applied_at
        and all(r.id != person_id for r in seen.handlers)
    ):
        return "removed and added again since"
    return None
