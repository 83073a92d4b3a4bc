"""Errors users read: a sentence and a reference; the details only in the log."""

from __future__ import annotations

import logging

import pytest

from bot.db.errors import DatabaseUnavailableError
from bot.errors import ReferencedError, SmsHandlersError, log_text, presentable


def test_a_referenced_error_shows_what_and_advice_around_its_reference(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    error = ReferencedError(
        "Could not read it", advice="Try again.", details="GET https://h.example/x: 502"
    )

    assert str(error) == f"Could not read it (ref {error.ref}). Try again."
    assert len(error.ref) == 6 and error.ref.isalnum()
    assert error.details == "GET https://h.example/x: 502"
    assert log_text(error) == f"GET https://h.example/x: 502 [ref {error.ref}]"
    [record] = [r for r in caplog.records if error.ref in r.getMessage()]
    assert "https://h.example/x" in record.getMessage()


def test_each_error_has_its_own_reference() -> None:
    assert ReferencedError("a").ref != ReferencedError("a").ref


def test_a_database_outage_tells_users_a_fixed_sentence_and_the_operator_the_url() -> None:
    error = DatabaseUnavailableError("Cannot connect to postgresql://u@db.internal:5432/x: refused")

    assert str(error).startswith("The bot could not reach its database (ref ")
    assert "db.internal" not in str(error)
    assert "db.internal" in error.details
    busy = DatabaseUnavailableError("locked", busy=True)
    assert str(busy).startswith("The bot's database was busy (ref ")


def test_an_error_meant_for_people_is_its_own_details() -> None:
    error = SmsHandlersError("Only approvers can review.")
    assert error.details == "Only approvers can review." == log_text(error)
    assert log_text(ValueError("x")) == "ValueError: x"


@pytest.mark.parametrize(
    "text", ["Feature is not available for current account plan", "Disabled by the admin."]
)
def test_plain_wording_from_outside_is_presentable(text: str) -> None:
    assert presentable(text) == text


@pytest.mark.parametrize(
    "text",
    ["see https://x.example/a", "host db.internal:5432 is down", "open /var/lib/app.db",
     "C:\\data\\app.db", "<html>oops</html>", "try api.ringcentral.com", "at 10.0.0.7",
     "x" * 201, "", None],
)  # fmt: skip
def test_wording_with_a_url_host_path_or_markup_is_not(text: str | None) -> None:
    assert presentable(text) is None
