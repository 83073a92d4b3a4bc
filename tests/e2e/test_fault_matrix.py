"""docs/FAULTS.md is the fault matrix the end-to-end tests assert, rendered and up to date."""

from __future__ import annotations

from tests.e2e.fault_matrix import CASES, DOC, render


def test_the_committed_fault_matrix_is_current() -> None:
    assert DOC.exists(), "run .venv/bin/python -m tests.e2e.fault_matrix"
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/FAULTS.md is out of date: run .venv/bin/python -m tests.e2e.fault_matrix"
    )


def test_every_case_is_asserted_on_at_least_one_database_and_named_once() -> None:
    assert len({case.key for case in CASES}) == len(CASES)
    assert all(case.databases for case in CASES)
