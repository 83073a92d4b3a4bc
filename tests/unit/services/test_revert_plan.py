"""Planning the revert of a temporary change: who is removed, who is restored, what is left
alone and why, from the handlers now and what the bot recorded since the change took effect."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.domain import AuditAction, HandlerSnapshot, RequestStatus, RevertSkip
from bot.services.revert_plan import RevertPlan, plan_revert
from tests.unit.views.factories import WHEN, audit_event, change_request, handler, ref

AVA, BEN, CARLA, DAN = ref(1, "Ava Chen"), ref(2, "Ben Ortiz"), ref(3, "Carla Diaz"), ref(4, "Dan")
# Carla was added and Ava removed, temporarily; the handlers were then Ben and Carla.
CHANGE = change_request(
    status=RequestStatus.APPLIED, add=(CARLA,), remove=(AVA,), applied_at=WHEN, ends_at=WHEN
)
AFTER_CHANGE = [handler(2, "Ben Ortiz"), handler(3, "Carla Diaz")]
EVERYONE = {AVA.id: None, BEN.id: None, CARLA.id: None, DAN.id: None}


def plan(current: list[Any], **kwargs: Any) -> RevertPlan:
    values: dict[str, Any] = {"later": [], "seen": None, "problems": EVERYONE}
    values.update(kwargs)
    return plan_revert(CHANGE, current=current, **values)


def test_nothing_changed_since_reverts_everything() -> None:
    assert plan(AFTER_CHANGE) == RevertPlan(remove=(CARLA,), restore=(AVA,))


def test_someone_no_longer_a_handler_is_not_removed_and_one_back_already_not_restored() -> None:
    current = [handler(1, "Ava Chen"), handler(2, "Ben Ortiz")]
    assert plan(current) == RevertPlan(
        skipped=(
            RevertSkip(person=CARLA, was_added=True, why="no longer a handler"),
            RevertSkip(person=AVA, was_added=False, why="a handler again already"),
        )
    )


@pytest.mark.parametrize(
    ("event", "why"),
    [
        (
            audit_event(20, action=AuditAction.APPLIED, request_id=9, added=(CARLA,)),
            "added again since, by request #9",
        ),
        (
            audit_event(20, action=AuditAction.EXTERNAL_CHANGE, request_id=None, added=(CARLA,)),
            "added again since, outside the bot",
        ),
        (
            audit_event(
                20,
                action=AuditAction.APPLIED,
                request_id=9,
                added=(DAN,),
                handlers_before=(BEN,),  # Carla was gone by then
                handlers_after=(BEN, DAN),
            ),
            "removed and added again since",
        ),
        (
            audit_event(
                20,
                action=AuditAction.REVERTED,
                request_id=12,
                added=(),
                removed=(DAN,),
                handlers_before=(BEN, CARLA, DAN),
                handlers_after=(BEN,),
            ),
            "removed and added again since",
        ),
    ],
)
def test_someone_added_again_by_someone_else_stays(event: Any, why: str) -> None:
    assert plan(AFTER_CHANGE, later=[event]) == RevertPlan(
        restore=(AVA,), skipped=(RevertSkip(person=CARLA, was_added=True, why=why),)
    )


def test_this_changes_own_events_and_events_that_change_nothing_are_not_evidence() -> None:
    own = audit_event(20, action=AuditAction.APPLIED, request_id=CHANGE.id, added=(CARLA,))
    extended = audit_event(21, action=AuditAction.EXTENDED, request_id=CHANGE.id)
    other_request = audit_event(22, action=AuditAction.REQUESTED, request_id=9, added=(CARLA,))
    kept = audit_event(
        23,
        action=AuditAction.APPLIED,
        request_id=9,
        added=(DAN,),
        handlers_before=(BEN, CARLA),
        handlers_after=(BEN, CARLA, DAN),
    )
    later = [own, extended, other_request, kept]
    assert plan(AFTER_CHANGE, later=later) == RevertPlan(remove=(CARLA,), restore=(AVA,))


def test_a_snapshot_since_the_change_without_them_means_someone_added_them_again() -> None:
    gone = HandlerSnapshot(resource_id="4001", handlers=(BEN,), taken_at=WHEN + timedelta(hours=1))
    before = HandlerSnapshot(
        resource_id="4001", handlers=(BEN,), taken_at=WHEN - timedelta(hours=1)
    )
    with_her = HandlerSnapshot(
        resource_id="4001", handlers=(BEN, CARLA), taken_at=WHEN + timedelta(hours=1)
    )
    assert plan(AFTER_CHANGE, seen=gone).skipped == (
        RevertSkip(person=CARLA, was_added=True, why="removed and added again since"),
    )
    assert plan(AFTER_CHANGE, seen=before).remove == (CARLA,)  # older than the change: no news
    assert plan(AFTER_CHANGE, seen=with_her).remove == (CARLA,)


def test_someone_ringcentral_no_longer_allows_is_not_restored() -> None:
    assert plan(AFTER_CHANGE, problems={CARLA.id: None}).skipped == (
        RevertSkip(person=AVA, was_added=False, why="no longer a RingCentral user"),
    )
    assert plan(AFTER_CHANGE, problems={AVA.id: "disabled"}).skipped == (
        RevertSkip(person=AVA, was_added=False, why="cannot be a handler again (disabled)"),
    )
    # The user list could not be read: the revert tries, and its outcome will say.
    assert plan(AFTER_CHANGE, problems=None).restore == (AVA,)


def test_the_latest_addition_names_who_added_them_again() -> None:
    # A removal seen made outside the bot, then request #9 adding Carla back: #9 is named.
    removed_outside = audit_event(
        20,
        action=AuditAction.EXTERNAL_CHANGE,
        request_id=None,
        removed=(CARLA,),
        handlers_before=(BEN, CARLA),
        handlers_after=(BEN,),
    )
    added_back = audit_event(
        21,
        action=AuditAction.APPLIED,
        request_id=9,
        added=(CARLA,),
        handlers_before=(BEN,),
        handlers_after=(BEN, CARLA),
    )
    [skip] = plan(AFTER_CHANGE, later=[removed_outside, added_back]).skipped[:1]
    assert skip == RevertSkip(person=CARLA, was_added=True, why="added again since, by request #9")
