"""What a test (or the CLI) can tune on a running sandbox, and what it can read back."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

DEFAULT_LIMITS = {"Light": 50, "Medium": 40, "Heavy": 10, "Auth": 5}
# The application permissions sms-handlers' RingCentral app is created with (see the README).
DEFAULT_APP_PERMISSIONS = ("ReadAccounts", "EditExtensions")


@dataclass
class ThreadMessaging:
    """The account's MessageThreads feature, as the features call reports it."""

    available: bool = True
    call_queue_supported: bool = True
    site_supported: bool = True


@dataclass
class SandboxOptions:
    """Behaviour of a sandbox; every field may be changed while it runs."""

    token_ttl_seconds: int = 3600
    refresh_token_ttl_seconds: int = 604800
    issue_refresh_tokens: bool = True
    rate_limits_enabled: bool = True
    limits: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_LIMITS))
    window_seconds: float = 60.0
    penalty_seconds: float = 60.0
    latency_seconds: float = 0.0
    omit_totals: bool = False
    thread_messaging: ThreadMessaging = field(default_factory=ThreadMessaging)
    # What the app was granted: the token answer's `scope`; an operation needing another
    # permission answers 403 CMN-401. Read at each login.
    app_permissions: list[str] = field(default_factory=lambda: list(DEFAULT_APP_PERMISSIONS))


@dataclass
class Fault:
    """A scripted misbehaviour for requests whose path matches `path_pattern` (a regex).

    By default the request is not carried out: it gets `status` (503) with `body`, or hangs
    (`hang`, until the client gives up) or has its connection dropped (`drop`). With `handled`
    the request is carried out first (a change takes effect) and then its answer is lost the same
    way, or replaced by `status`; `status=None` keeps its real answer. `release`: hold the answer
    (or the hang, the drop) until this event is set, e.g. to act while a change is in flight.
    """

    path_pattern: str
    method: str | None = None
    status: int | None = 503
    body: str | None = None
    retry_after: float | None = None
    hang: bool = False
    drop: bool = False
    times: int = 1
    skip: int = 0
    handled: bool = False
    release: asyncio.Event | None = None


@dataclass(frozen=True)
class RequestRecord:
    """One request the sandbox received. `status` is 0 when it never answered (hang, drop);
    `carried_out` is true when it reached its operation (a valid change took effect), also when
    a `handled` fault then lost its answer. `received_at` and `answered_at` are the server
    clock's readings (time.monotonic() unless another clock was given)."""

    method: str
    path: str
    query: list[tuple[str, str]]
    rate_group: str | None
    status: int
    carried_out: bool = False
    received_at: float = 0.0
    answered_at: float = 0.0
