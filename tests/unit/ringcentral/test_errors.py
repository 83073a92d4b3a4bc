"""RingCentral's error answers become typed errors a person can read."""

from __future__ import annotations

import json
import logging

import pytest

from bot.errors import SmsHandlersError
from bot.ringcentral.errors import (
    RingCentralAuthError,
    RingCentralError,
    RingCentralNotFound,
    RingCentralPermissionDenied,
    RingCentralRateLimited,
    RingCentralRequestRejected,
    RingCentralUnavailable,
    error_for_response,
    parse_error_body,
)

OPERATION = "changing the SMS handlers of extension 4001"


def body(**data: object) -> str:
    return json.dumps(data)


def test_the_first_inner_error_code_wins_over_the_top_level_one() -> None:
    text = body(
        errorCode="InsufficientPermissions",
        message="In order to call this API endpoint, application needs to have [EditExtensions]",
        errors=[{"errorCode": "CMN-401", "message": "Application needs [EditExtensions]"}],
    )

    assert parse_error_body(text) == ("CMN-401", "Application needs [EditExtensions]")


def test_oauth_errors_are_read_too() -> None:
    text = body(error="invalid_grant", error_description="Invalid JWT assertion")

    assert parse_error_body(text) == ("invalid_grant", "Invalid JWT assertion")


@pytest.mark.parametrize("text", ["<html>Bad gateway</html>", "", "[1, 2]", "null"])
def test_an_unreadable_body_gives_no_code(text: str) -> None:
    assert parse_error_body(text) == (None, None)


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, RingCentralRequestRejected),
        (401, RingCentralAuthError),
        (403, RingCentralPermissionDenied),
        (404, RingCentralNotFound),
        (409, RingCentralRequestRejected),
        (429, RingCentralRateLimited),
        (500, RingCentralUnavailable),
        (503, RingCentralUnavailable),
    ],
)
def test_each_status_has_its_error_type(status: int, kind: type[RingCentralError]) -> None:
    error = error_for_response(status=status, body="{}", operation=OPERATION)

    assert type(error) is kind
    assert isinstance(error, SmsHandlersError)
    assert error.status == status and error.operation == OPERATION


def test_a_refused_change_reads_as_a_sentence_with_code_and_a_reference() -> None:
    text = body(errors=[{"errorCode": "CMN-101", "message": "Parameter [addedExtensionIds] "
                         "value is invalid"}])  # fmt: skip
    error = error_for_response(status=400, body=text, operation=OPERATION)

    assert str(error) == (
        "RingCentral refused the request (CMN-101) while changing the SMS handlers of extension "
        f"4001 (ref {error.ref}). If it keeps happening, tell the app's administrators."
    )
    assert error.details.startswith(
        "RingCentral refused the request (CMN-101) while changing the SMS handlers of extension "
        "4001: Parameter [addedExtensionIds] value is invalid [HTTP 400]."
    )
    assert (error.error_code, error.api_message) == (
        "CMN-101",
        "Parameter [addedExtensionIds] value is invalid",
    )


def test_a_non_json_body_is_logged_never_shown(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    error = error_for_response(
        status=502,
        body="<html>\n<h1>502 Bad Gateway</h1>\n<a href='https://lb.internal/x'>x</a></html>",
        operation=OPERATION,
    )

    assert error.error_code is None
    assert "while changing the SMS handlers of extension 4001" in str(error)
    for hidden in ("<html>", "Bad Gateway", "https://", "lb.internal"):
        assert hidden not in str(error)
    assert "<html> <h1>502 Bad Gateway</h1>" in error.details
    logged = [r.getMessage() for r in caplog.records if error.ref in r.getMessage()]
    assert logged and "lb.internal" in logged[0]


def test_an_empty_body_is_described_as_such() -> None:
    error = error_for_response(status=500, body="", operation=OPERATION)

    assert "an empty body" in error.details


@pytest.mark.parametrize("code", ["<a href=x>", "https://evil.example/CMN", "x" * 65, "a b"])
def test_an_error_code_that_does_not_look_like_one_is_dropped(code: str) -> None:
    error = error_for_response(
        status=400, body=body(errors=[{"errorCode": code, "message": "m"}]), operation=OPERATION
    )

    assert error.error_code is None
    assert code not in str(error)


def test_a_rate_limit_error_tells_when_to_try_again() -> None:
    error = error_for_response(
        status=429,
        body=body(errorCode="CMN-301", message="Request rate exceeded",
                  errors=[{"errorCode": "CMN-301", "message": "Request rate exceeded"}]),
        operation=OPERATION,
        retry_after=60,
    )  # fmt: skip

    assert isinstance(error, RingCentralRateLimited)
    assert error.retry_after == 60
    assert str(error).endswith("Try again in 60 s.")


def test_a_wait_under_a_second_is_not_shown_as_zero_seconds() -> None:
    for wait, shown in ((0.2, "1 s"), (1.5, "2 s"), (59.01, "60 s")):
        error = RingCentralRateLimited(operation=OPERATION, status=429, retry_after=wait)
        assert str(error).endswith(f"Try again in {shown}."), wait


def test_credentials_never_show_their_secrets() -> None:
    from bot.ringcentral.auth import Credentials

    shown = repr(Credentials("https://rc.example", "client-1", "the-secret", "the.jwt.value"))

    assert "client-1" in shown
    assert "the-secret" not in shown and "the.jwt.value" not in shown
