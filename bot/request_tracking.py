"""The Bolt middleware that opens each Slack request's scope (bot/request_scope.py) and counts it.

A slash command counts as received when it arrives, and as answered when its first answer reaches
the person: in the ack itself (help), or through its response_url (`reply` notes it), whichever
comes first. Other requests (buttons, submissions, menu loads, events) are counted by Slack's type
and the action, view or event they are about.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.listeners.commands import HELP_WORDS
from bot.metrics import Metrics
from bot.request_scope import RequestScope, enter, note_answered, request_id_of

Middleware = Callable[
    [AsyncBoltRequest, BoltResponse, Callable[[], Awaitable[None]]],
    Awaitable[BoltResponse | None],
]


def command_kind(text: str) -> str:
    """What a slash command's text asks for, as the command listener reads it."""
    verb, _, rest = text.strip().partition(" ")
    verb = verb.lower()
    if verb in HELP_WORDS:
        return "help"
    if verb == "list" and not rest.strip():
        return "list"
    if verb in ("who", "export"):
        return verb
    return "lookup"


def interaction_of(body: Mapping[str, Any]) -> tuple[str, str]:
    """Slack's type of a request other than a command, and the action, view or event it is
    about."""
    kind = str(body.get("type") or "unknown")
    if kind == "event_callback":
        event = body.get("event")
        return "event", str(event.get("type") if isinstance(event, Mapping) else "unknown")
    if kind == "block_actions":
        actions = body.get("actions") or [{}]
        return kind, str(actions[0].get("action_id", "unknown"))
    if kind in ("view_submission", "view_closed"):
        view = body.get("view")
        return kind, str(view.get("callback_id", "") if isinstance(view, Mapping) else "unknown")
    if kind == "block_suggestion":
        return kind, str(body.get("action_id", "unknown"))
    return kind, ""


class AnsweringAck(AsyncAck):
    """Bolt's `ack()`, noting the answer when the ack carries one (a message, a view)."""

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # Bolt's is untyped

    async def __call__(self, *args: Any, **kwargs: Any) -> BoltResponse:
        response = await super().__call__(*args, **kwargs)
        if response.body:
            note_answered()
        return response


def track_requests(metrics: Metrics) -> Middleware:
    """The middleware: a scope for each request (its id in every log line), and the counts."""

    async def track(
        req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[None]]
    ) -> BoltResponse | None:
        body = req.body
        scope = RequestScope(request_id=request_id_of(body))
        counted = not req.headers.get("x-slack-retry-num")  # a retry is ignored, not counted
        if "command" in body:
            kind = command_kind(str(body.get("text") or ""))
            if counted:
                metrics.command_received(kind)
                scope.on_answer = lambda done: metrics.command_answered(kind, done.seconds())
        elif counted:
            metrics.interaction(*interaction_of(body))
        enter(scope)
        req.context["ack"] = AnsweringAck()
        await next()
        return None

    return track
