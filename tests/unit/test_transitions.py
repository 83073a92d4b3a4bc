"""The table of a change request's allowed state changes, checked pair by pair."""

from __future__ import annotations

import pytest

from bot.domain import REQUEST_TRANSITIONS, AuditAction, RequestIntent, RequestStatus

# Row: the status a request is in; column: the intent; cell: the status it moves to, "-" refused.
EXPECTED = """
           approve   reject    cancel     expire   start_applying  retry     finish   fail    take_over  reapply   finish_revert  parts_applying  parts_applied  parts_failed
pending    approved  rejected  cancelled  expired  -               -         -        -       -          -         -              -               -              -
approved   -         -         -          -        applying        -         -        -       applying   -         -              -               -              -
applying   -         -         -          -        -               -         applied  failed  applying   applying  applied        -               applied        failed
applied    -         -         -          -        -               -         -        -       -          -         -              -               -              -
failed     -         -         -          -        -               applying  -        -       -          -         -              applying        applied        -
rejected   -         -         -          -        -               -         -        -       -          -         -              -               -              -
cancelled  -         -         -          -        -               -         -        -       -          -         -              -               -              -
expired    -         -         -          -        -               -         -        -       -          -         -              -               -              -
"""  # noqa: E501

EXPECTED_ACTIONS = {
    RequestIntent.APPROVE: AuditAction.APPROVED,
    RequestIntent.REJECT: AuditAction.REJECTED,
    RequestIntent.CANCEL: AuditAction.CANCELLED,
    RequestIntent.EXPIRE: AuditAction.EXPIRED,
    RequestIntent.START_APPLYING: AuditAction.APPLYING,
    RequestIntent.RETRY: AuditAction.RETRIED,
    RequestIntent.FINISH: AuditAction.APPLIED,
    RequestIntent.FAIL: AuditAction.APPLY_FAILED,
    RequestIntent.TAKE_OVER: AuditAction.TAKEN_OVER,
    RequestIntent.REAPPLY: AuditAction.REAPPLYING,
    RequestIntent.FINISH_REVERT: AuditAction.REVERTED,
    RequestIntent.PARTS_APPLYING: AuditAction.RETRIED,
    RequestIntent.PARTS_APPLIED: AuditAction.APPLIED,
    RequestIntent.PARTS_FAILED: AuditAction.APPLY_FAILED,
}


def _expected_moves() -> dict[tuple[RequestStatus, RequestIntent], RequestStatus | None]:
    header, *rows = [line.split() for line in EXPECTED.strip().splitlines()]
    intents = [RequestIntent(name) for name in header]
    moves: dict[tuple[RequestStatus, RequestIntent], RequestStatus | None] = {}
    for status_name, *cells in rows:
        assert len(cells) == len(intents), status_name
        for intent, cell in zip(intents, cells, strict=True):
            moves[RequestStatus(status_name), intent] = None if cell == "-" else RequestStatus(cell)
    return moves


MOVES = _expected_moves()


def test_the_expected_table_names_every_status_and_intent_once() -> None:
    assert len(MOVES) == len(RequestStatus) * len(RequestIntent)
    assert set(REQUEST_TRANSITIONS) == set(RequestIntent)


@pytest.mark.parametrize(("status", "intent"), list(MOVES))
def test_each_status_and_intent(status: RequestStatus, intent: RequestIntent) -> None:
    transition = REQUEST_TRANSITIONS[intent]
    expected = MOVES[status, intent]
    assert transition.allows(status) is (expected is not None)
    if expected is not None:
        assert transition.target is expected


@pytest.mark.parametrize("intent", list(RequestIntent))
def test_each_intent_records_its_action(intent: RequestIntent) -> None:
    assert REQUEST_TRANSITIONS[intent].action is EXPECTED_ACTIONS[intent]
