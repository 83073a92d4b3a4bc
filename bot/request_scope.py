"""Which Slack request the running code is handling: its id for the logs, its start for metrics.

A Bolt middleware (bot/request_tracking.py) opens a scope for every request from Slack. The scope
lives in a context variable, and asyncio copies the context into every task created while it is
set, so the listener Bolt runs and the background work it starts after the ack see the same scope:
their log lines carry the same request id, and the first answer they send ends the answer timer.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RequestScope:
    """One request from Slack, from the moment the app received it."""

    request_id: str
    started: float = field(default_factory=time.monotonic)
    # Called once, when the first answer reaches the person (None: nobody times this request).
    on_answer: Callable[[RequestScope], None] | None = None
    answered: bool = False

    def seconds(self) -> float:
        """How long ago the request was received."""
        return time.monotonic() - self.started


_CURRENT: ContextVar[RequestScope | None] = ContextVar("sms_handlers_request", default=None)


def request_id_of(body: Mapping[str, Any]) -> str:
    """The id Slack gave this request (a command's or click's trigger_id, an event's event_id),
    or a new one when it has neither (an options load)."""
    for key in ("trigger_id", "event_id"):
        value = body.get(key)
        if isinstance(value, str) and value:
            return value
    return uuid.uuid4().hex[:16]


def enter(scope: RequestScope) -> None:
    """Make `scope` the current request for this task and the tasks it starts from now on."""
    _CURRENT.set(scope)


def current() -> RequestScope | None:
    """The request being handled, if any."""
    return _CURRENT.get()


def current_request_id() -> str | None:
    """The id of the request being handled, if any (for log lines)."""
    scope = _CURRENT.get()
    return scope.request_id if scope is not None else None


def note_answered() -> None:
    """The person has their answer (a message, a modal): the first call ends the request's timer."""
    scope = _CURRENT.get()
    if scope is None or scope.answered:
        return
    scope.answered = True
    if scope.on_answer is not None:
        scope.on_answer(scope)
