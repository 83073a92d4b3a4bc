"""RingCentral-shaped error answers."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

# The code RingCentral puts in errors[0] for a status, when nothing more specific applies.
DEFAULT_CODES = {
    400: ("CMN-101", "Parameter is invalid"),
    401: ("AGW-401", "Authorization header is not specified"),
    403: ("CMN-401", "In order to call this API endpoint, application needs to have permissions"),
    404: ("CMN-102", "Resource is not found"),
    405: ("CMN-405", "Method is not allowed"),
    415: ("CMN-415", "Unsupported media type"),
    429: ("CMN-301", "Request rate exceeded"),
    500: ("CMN-201", "Internal server error"),
    502: ("CMN-201", "Bad gateway"),
    503: ("CMN-201", "Service temporarily unavailable"),
    504: ("CMN-201", "Gateway timeout"),
}


class ApiError(Exception):
    """Raised by a handler to answer with a RingCentral error body."""

    def __init__(
        self,
        status: int,
        error_code: str,
        message: str,
        *,
        parameter_name: str | None = None,
        permission_name: str | None = None,
        top_level_code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message
        self.parameter_name = parameter_name
        self.permission_name = permission_name
        self.top_level_code = top_level_code or error_code
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"errorCode": self.error_code, "message": self.message}
        if self.parameter_name is not None:
            error["parameterName"] = self.parameter_name
        body: dict[str, Any] = {
            "errorCode": self.top_level_code,
            "message": self.message,
            "errors": [error],
        }
        if self.permission_name is not None:
            error["permissionName"] = self.permission_name
            body["permissionName"] = self.permission_name
        return body

    def response(self) -> web.Response:
        return json_response(self.body(), status=self.status, headers=self.headers)


class OAuthError(Exception):
    """Raised by the token endpoint: the OAuth shape (`error`, `error_description`, `errors`)."""

    def __init__(self, status: int, error: str, error_code: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.error_code = error_code
        self.description = description

    def response(self) -> web.Response:
        body = {
            "error": self.error,
            "error_description": self.description,
            "errors": [{"errorCode": self.error_code, "message": self.description}],
        }
        return json_response(body, status=self.status)


def status_error(status: int) -> ApiError:
    """The generic error RingCentral gives for `status`."""
    code, message = DEFAULT_CODES.get(status, ("CMN-201", "Service temporarily unavailable"))
    return ApiError(status, code, message)


def not_found(parameter: str) -> ApiError:
    return ApiError(
        404,
        "CMN-102",
        f"Resource for parameter [{parameter}] is not found",
        parameter_name=parameter,
    )


def permission_denied(permission: str) -> ApiError:
    """The 403 for an app that was not granted an application permission."""
    return ApiError(
        403,
        "CMN-401",
        f"In order to call this API endpoint, application needs to have [{permission}] permission",
        permission_name=permission,
    )


def invalid(parameter: str, message: str) -> ApiError:
    return ApiError(400, "CMN-101", message, parameter_name=parameter)


def json_response(
    body: Any, *, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        status=status,
        body=json.dumps(body).encode(),
        content_type="application/json",
        charset="utf-8",
        headers=headers,
    )
