"""A load generator for `serve --http`: signed slash commands and button clicks sent like Slack
sends them, at a set rate, with what came back timed.

Open loop: the n-th request of a phase leaves at start + n / rate whatever the earlier ones are
doing (as people's clicks do), so a slow app cannot slow the load down. Each request is timed
from the moment it is sent:
- ack: until the app's HTTP answer (Slack gives up after 3 s);
- answer: until the first post to the command's own response_url reaches the Slack stand-in;
- modal: for a "Request change" click, until its views.open reached the stand-in (its trigger
  lives 3 s; the stand-in answers `expired_trigger_id` after that).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import aiohttp

from bot.views import ids
from sms_handlers_sandbox.slack import SlackStandIn
from sms_handlers_sandbox.slack_payloads import (
    SlackUser,
    block_actions,
    element_action,
    send,
    slash_command,
)

CHANNEL = "C0GENERAL"


@dataclass(frozen=True)
class Command:
    """`/sms-handlers TEXT` typed by `user`; `kind` groups it in the report."""

    kind: str  # "lookup", "list", "who"
    text: str
    user: SlackUser
    resource_id: str | None = None  # what a lookup should show


@dataclass(frozen=True)
class Click:
    """A press of "Request change" on the card of `resource_id`."""

    resource_id: str
    user: SlackUser
    kind: str = "click"


Request = Command | Click


@dataclass
class Sent:
    """One request sent and what became of it (times in time.monotonic() seconds)."""

    request: Request
    scheduled_at: float
    sent_at: float = 0.0
    acked_at: float | None = None
    status: int | None = None
    response_key: str = ""  # the last part of its response_url
    trigger_id: str = ""
    answered_at: float | None = None
    answer_text: str = ""
    modal_at: float | None = None
    modal_error: str | None = None

    @property
    def ack_seconds(self) -> float | None:
        return None if self.acked_at is None else self.acked_at - self.sent_at

    @property
    def answer_seconds(self) -> float | None:
        return None if self.answered_at is None else self.answered_at - self.sent_at


@dataclass
class Phase:
    """What one phase sent, in order."""

    name: str
    rate: float
    seconds: float
    sent: list[Sent] = field(default_factory=list)
    started_at: float = 0.0
    ended_at: float = 0.0  # when the last request had been sent

    def of_kind(self, *kinds: str) -> list[Sent]:
        return [s for s in self.sent if s.request.kind in kinds]


class LoadGenerator:
    """Sends requests to the app at `url` and matches what the Slack stand-in received."""

    def __init__(
        self, *, url: str, secret: str, slack: SlackStandIn, http: aiohttp.ClientSession
    ) -> None:
        self._url = url
        self._secret = secret
        self._slack = slack
        self._http = http
        self._by_key: dict[str, Sent] = {}
        self._by_trigger: dict[str, Sent] = {}
        self._calls_seen = 0
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(
        self, name: str, requests: Sequence[Request], *, rate: float, seconds: float
    ) -> Phase:
        """Send `requests` (as many as `rate` × `seconds` of them, cycling) at `rate` a second."""
        count = max(1, round(rate * seconds))
        phase = Phase(name=name, rate=rate, seconds=seconds)
        loop = asyncio.get_running_loop()
        phase.started_at = loop.time()
        for n in range(count):
            due = phase.started_at + n / rate
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            item = Sent(request=requests[n % len(requests)], scheduled_at=due)
            phase.sent.append(item)
            task = asyncio.create_task(self._send(item))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        phase.ended_at = loop.time()
        if self._tasks:
            await asyncio.gather(*self._tasks)
        return phase

    async def answered(self, phase: Phase, *, timeout_seconds: float) -> None:
        """Wait until every command of the phase has its answer and every click its modal (or
        `timeout_seconds` passed)."""
        deadline = time.monotonic() + timeout_seconds
        while time.monotonic() < deadline:
            self.collect()
            if all(_settled(s) for s in phase.sent):
                return
            await asyncio.sleep(0.2)
        self.collect()

    def collect(self) -> None:
        """Match the stand-in's new calls to the requests they answer."""
        calls = self._slack.calls
        for call in calls[self._calls_seen :]:
            if call.method == "response_url":
                sent = self._by_key.get(call.path.rsplit("/", 1)[-1])
                if sent is not None and sent.answered_at is None:
                    sent.answered_at = call.at
                    sent.answer_text = _texts(call.args)
            elif call.method == "views.open":
                sent = self._by_trigger.get(str(call.args.get("trigger_id", "")))
                if sent is not None and sent.modal_at is None:
                    sent.modal_at = call.at
                    sent.modal_error = None if call.ok else str(call.response.get("error"))
        self._calls_seen = len(calls)

    async def _send(self, item: Sent) -> None:
        request = item.request
        user = request.user
        response_url = self._slack.response_url(channel_id=CHANNEL, user_id=user.id)
        item.response_key = response_url.rsplit("/", 1)[-1]
        item.trigger_id = self._slack.new_trigger_id(user.id)
        self._by_key[item.response_key] = item
        self._by_trigger[item.trigger_id] = item
        payload: dict[str, Any]
        kind: Literal["form", "interactive"]
        if isinstance(request, Command):
            payload = slash_command(
                command=ids.COMMAND,
                text=request.text,
                user_id=user.id,
                user_name=user.name,
                channel_id=CHANNEL,
                trigger_id=item.trigger_id,
                response_url=response_url,
            )
            kind = "form"
        else:
            button = {
                "type": "button",
                "action_id": ids.REQUEST_CHANGE,
                "text": {"type": "plain_text", "text": "Request change"},
                "value": request.resource_id,
                "style": "primary",
            }
            payload = block_actions(
                user=user,
                action=element_action(button, block_id="card_actions"),
                trigger_id=item.trigger_id,
                channel_id=CHANNEL,
                channel_name="general",
                message_ts=f"{time.time():.6f}",
                is_ephemeral=True,
                response_url=response_url,
            )
            kind = "interactive"
        item.sent_at = time.monotonic()
        try:
            status, _, _ = await send(
                self._http, self._url, payload, secret=self._secret, kind=kind
            )
        except aiohttp.ClientError:
            return
        item.acked_at = time.monotonic()
        item.status = status


def _settled(sent: Sent) -> bool:
    if sent.status is None:
        return True  # never reached the app: nothing will come
    if isinstance(sent.request, Click):
        return sent.modal_at is not None
    return sent.answered_at is not None


def _texts(args: dict[str, Any]) -> str:
    """The text of a response_url post: its fallback and every section's text."""
    parts = [str(args.get("text", ""))]
    for block in args.get("blocks") or []:
        for item in [block.get("text"), *(block.get("elements") or [])]:
            if isinstance(item, dict) and isinstance(item.get("text"), str):
                parts.append(item["text"])
    return "\n".join(parts)


def percentiles(values: Sequence[float]) -> tuple[float, float, float]:
    """p50, p95 and p99 (nan when empty; the value itself when alone)."""
    if not values:
        return (float("nan"),) * 3
    if len(values) == 1:
        return (values[0],) * 3
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


def rss_kib(pid: int) -> int:
    """The process's resident set size (VmRSS in /proc/PID/status), in KiB."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def cpu_seconds(pid: int) -> float:
    """CPU time the process used so far, user and system (from /proc/PID/stat)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime: the 14th and 15th fields
    return ticks / os.sysconf("SC_CLK_TCK")
