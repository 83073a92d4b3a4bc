"""The fault matrix: every fault the end-to-end tests inject while a change is applied, at which
step, how the bot was stopped, on which database, and the outcome the tests assert.

The tests (test_faults_stopped.py, test_faults_live.py) take their expectations from `CASES`
and assert them on each database listed; docs/FAULTS.md is rendered from the same table, and
test_fault_matrix.py fails when the committed file differs. Regenerate it with

    .venv/bin/python -m tests.e2e.fault_matrix
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from bot.domain import AuditAction

DOC = Path(__file__).resolve().parents[2] / "docs" / "FAULTS.md"
BOTH = ("SQLite", "PostgreSQL")

A = AuditAction
APPLIED_NORMALLY = (A.REQUESTED, A.APPROVED, A.APPLYING, A.APPLIED)
FOUND_IN_EFFECT = (A.REQUESTED, A.APPROVED, A.APPLYING, A.TAKEN_OVER, A.APPLIED)
SENT_AGAIN = (A.REQUESTED, A.APPROVED, A.APPLYING, A.TAKEN_OVER, A.REAPPLYING, A.APPLIED)

BY_APPROVER = "the instance that took the approval"
BY_RECOVERY = "recovery, after the restart"
BY_RECOVERY_LIVE = "recovery in the same instance, once the lock is gone"


@dataclass(frozen=True)
class Outcome:
    """What the tests assert: the request's status, its audit events in order, who finished
    it, RingCentral's bulk-assign calls (sent, and carried out), and what the approval post and
    the requester's DM show."""

    status: str
    events: tuple[AuditAction, ...]
    finished_by: str
    bulk_assigns_sent: int
    bulk_assigns_carried_out: int
    messages: str = "*Applied.*"


@dataclass(frozen=True)
class Case:
    key: str
    step: str
    fault: str
    stop: str
    databases: tuple[str, ...]
    outcome: Outcome
    test: str


SIGKILL = "kill -9, restart"
SIGTERM = "SIGTERM (grace 3 s), restart"
NO_STOP = "none"

# The steps at which a serve subprocess is stopped (one request per step, all in flight at once).
# The steps at which a serve subprocess is stopped (one request per step, all in flight at once,
# sent in this order: the first bulk-assign answers, so the client knows the call before others
# hang on it).
STOPPED_STEPS: dict[str, tuple[str, str]] = {
    "slack_update": (
        "updating the approval post (after the outcome is recorded)",
        "chat.update hangs",
    ),
    "read_before": ("reading the handlers before the bulk-assign", "the read hangs"),
    "bulk_assign_lost": (
        "the bulk-assign",
        "the call hangs; RingCentral never carried it out",
    ),
    "bulk_assign_taken": (
        "the bulk-assign",
        "RingCentral carried it out, the answer never came",
    ),
    "read_back": ("reading the handlers back", "the read hangs"),
    "slow_bulk_assign": (
        "the bulk-assign",
        "RingCentral carried it out and answers when the bot has been told to stop",
    ),
}

_STOPPED_OUTCOMES: dict[tuple[str, str], Outcome] = {
    ("read_before", SIGKILL): Outcome("applied", SENT_AGAIN, BY_RECOVERY, 1, 1),
    ("read_before", SIGTERM): Outcome("applied", SENT_AGAIN, BY_RECOVERY, 1, 1),
    ("bulk_assign_lost", SIGKILL): Outcome("applied", SENT_AGAIN, BY_RECOVERY, 2, 1),
    ("bulk_assign_lost", SIGTERM): Outcome("applied", SENT_AGAIN, BY_RECOVERY, 2, 1),
    ("bulk_assign_taken", SIGKILL): Outcome("applied", FOUND_IN_EFFECT, BY_RECOVERY, 1, 1),
    ("bulk_assign_taken", SIGTERM): Outcome("applied", FOUND_IN_EFFECT, BY_RECOVERY, 1, 1),
    ("read_back", SIGKILL): Outcome("applied", FOUND_IN_EFFECT, BY_RECOVERY, 1, 1),
    ("read_back", SIGTERM): Outcome("applied", FOUND_IN_EFFECT, BY_RECOVERY, 1, 1),
    ("slack_update", SIGKILL): Outcome(
        "applied",
        APPLIED_NORMALLY,
        BY_APPROVER + "; recovery updated the messages",
        1,
        1,
    ),
    ("slack_update", SIGTERM): Outcome(
        "applied",
        APPLIED_NORMALLY,
        BY_APPROVER + "; recovery updated the messages",
        1,
        1,
    ),
    ("slow_bulk_assign", SIGKILL): Outcome("applied", FOUND_IN_EFFECT, BY_RECOVERY, 1, 1),
    ("slow_bulk_assign", SIGTERM): Outcome(
        "applied", APPLIED_NORMALLY, BY_APPROVER + ", within the grace period", 1, 1
    ),
}


def stopped_outcome(step: str, stop: str) -> Outcome:
    return _STOPPED_OUTCOMES[step, stop]


CASES: tuple[Case, ...] = (
    *(
        Case(
            key=f"{step}/{stop}",
            step=STOPPED_STEPS[step][0],
            fault=STOPPED_STEPS[step][1],
            stop=stop,
            databases=BOTH,
            outcome=_STOPPED_OUTCOMES[step, stop],
            test="test_faults_stopped.py",
        )
        for stop in (SIGKILL, SIGTERM)
        for step in STOPPED_STEPS
    ),
    Case(
        key="answer_dropped",
        step="the bulk-assign",
        fault="RingCentral carried it out, then the connection dropped",
        stop=NO_STOP,
        databases=BOTH,
        outcome=Outcome("applied", APPLIED_NORMALLY, BY_APPROVER, 1, 1),
        test="test_faults_live.py",
    ),
    Case(
        key="slow_chat_update",
        step="updating the approval post",
        fault="chat.update takes its time (held until the test lets it answer)",
        stop=NO_STOP,
        databases=BOTH,
        outcome=Outcome(
            "applied",
            APPLIED_NORMALLY,
            BY_APPROVER + "; RingCentral changed before any chat.update",
            1,
            1,
        ),
        test="test_faults_live.py",
    ),
    Case(
        key="modal_update_fails",
        step="showing the outcome in the approver's modal",
        fault="views.update answers internal_error",
        stop=NO_STOP,
        databases=("SQLite",),
        outcome=Outcome(
            "applied",
            APPLIED_NORMALLY,
            BY_APPROVER,
            1,
            1,
            messages="*Applied.*; the modal never says nothing was changed",
        ),
        test="test_faults_live.py",
    ),
    Case(
        key="sqlite_locked_briefly",
        step="recording the outcome",
        fault="another writer holds the SQLite lock past the busy timeout, once",
        stop=NO_STOP,
        databases=("SQLite",),
        outcome=Outcome("applied", APPLIED_NORMALLY, BY_APPROVER + ", at its next attempt", 1, 1),
        test="test_faults_live.py",
    ),
    Case(
        key="sqlite_locked_long",
        step="recording the outcome",
        fault="another writer holds the SQLite lock through every attempt",
        stop=NO_STOP,
        databases=("SQLite",),
        outcome=Outcome("applied", FOUND_IN_EFFECT, BY_RECOVERY_LIVE, 1, 1),
        test="test_faults_live.py",
    ),
)

CASES_BY_KEY = {case.key: case for case in CASES}


def render() -> str:
    """docs/FAULTS.md."""
    lines = [
        "# Fault matrix",
        "",
        "<!-- Generated from tests/e2e/fault_matrix.py by "
        "`.venv/bin/python -m tests.e2e.fault_matrix`; do not edit by hand. -->",
        "",
        "What happens to an approved change when something fails or the bot is stopped while it "
        "is applied. Every row is asserted by the end-to-end test named in it, on each database "
        "listed, through the real app (`serve --http` subprocesses where the bot is stopped), "
        "the RingCentral sandbox and the Slack stand-in. In every row no request is left in "
        "`approved` or `applying`, no audit event is missing, and no change that took effect "
        "is sent a second time.",
        "",
        "A stopped bot is restarted on the same database; recovery (at start-up and every "
        "`SMS_HANDLERS_RECOVERY_INTERVAL_SECONDS`) takes over what it left. *Bulk-assigns* "
        "counts RingCentral's `bulk-assign` calls received and, of those, carried out.",
        "",
        "| step | fault | stop | database | outcome | finished by | audit events | "
        "bulk-assigns (received / carried out) | approval post and DM | test |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for case in CASES:
        outcome = case.outcome
        events = " → ".join(action.value for action in outcome.events)
        for database in case.databases:
            lines.append(
                f"| {case.step} | {case.fault} | {case.stop} | {database} | {outcome.status} | "
                f"{outcome.finished_by} | {events} | "
                f"{outcome.bulk_assigns_sent} / {outcome.bulk_assigns_carried_out} | "
                f"{outcome.messages} | {case.test} |"
            )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {DOC}\n")
