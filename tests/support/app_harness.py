"""The whole app on loopback for end-to-end tests: the RingCentral sandbox, the Slack stand-in,
and the real app served by aiohttp, driven by signed requests like Slack sends.

    async with running_app(tmp_path) as h:
        await h.command(h.carla, "support")
        card = h.last_ephemeral(h.carla)
        await h.click(h.carla, "request_change", message=card)
        ...
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bot.app import EVENTS_PATH, build_app, build_web_app
from bot.config import Settings, load_settings
from bot.container import Container, build_container
from bot.services.applying import OUTCOME_PAUSE_SECONDS
from bot.services.browse import LIST_PAGE_SIZE
from bot.services.budget import CallBudget
from sms_handlers_sandbox.ringcentral import SandboxOptions, SandboxServer, Seed
from sms_handlers_sandbox.slack import SlackStandIn
from sms_handlers_sandbox.slack.server import ApiCall, SubmissionOutcome
from sms_handlers_sandbox.slack_payloads import (
    SlackUser,
    as_delivered,
    block_actions,
    block_suggestion,
    element_action,
    send,
    slash_command,
    view_state,
    view_submission,
)

JsonDict = dict[str, Any]
SIGNING_SECRET = "e2e-signing-secret"
GENERAL = "C0GENERAL"
APPROVALS = "C0APPROVALS"


@dataclass(frozen=True)
class Person:
    """A Slack member of the stand-in workspace."""

    id: str
    name: str
    real_name: str
    email: str | None
    tz: str = "America/Los_Angeles"  # their Slack time zone (users.info `tz`)

    @property
    def slack(self) -> SlackUser:
        return SlackUser(id=self.id, name=self.name)


# Carla Diaz is a RingCentral user (ext. 1003) not handling Support: "Add me" works for her.
CARLA = Person("U0CARLA", "carla", "Carla Diaz", "carla.diaz@acme.example")
# An approver by user id, in Berlin: times shown to him are in his own time zone.
ALEX = Person("U0ALEX", "alex", "Alex Approver", "alex@acme.example", tz="Europe/Berlin")
SAM = Person("U0SAM", "sam", "Sam Admin", "sam@acme.example")  # approver via @telephony-admins
NINA = Person("U0NINA", "nina", "Nina Nobody", "nina@acme.example")  # no special rights
PEOPLE = (CARLA, ALEX, SAM, NINA)


class Harness:
    """Drives the running app like Slack's clients would, and shows what Slack received.

    The app runs in this process (`running_app`, with its `container`), or in a `serve`
    subprocess (tests/support/serve_process.py; no container: `settle` only waits for Slack).
    """

    def __init__(
        self,
        *,
        sandbox: SandboxServer,
        slack: SlackStandIn,
        container: Container | None,
        url: str,
        http: aiohttp.ClientSession,
        restart: Callable[[], Awaitable[tuple[Container, str]]] | None = None,
    ) -> None:
        self.sandbox = sandbox
        self.slack = slack
        self._container = container
        self.url = url
        self.http = http
        self._restart = restart
        self.carla, self.alex, self.sam, self.nina = CARLA, ALEX, SAM, NINA

    async def restart(self) -> Container:
        """Stop the app as SIGTERM does (leases given up, connections closed) and start it
        again on the same database, sandbox and Slack stand-in: the new container."""
        assert self._restart is not None, "the app runs in a subprocess"
        self._container, self.url = await self._restart()
        return self._container

    @property
    def container(self) -> Container:
        """The app's collaborators (only when it runs in this process)."""
        assert self._container is not None, "the app runs in a subprocess"
        return self._container

    # -- sending ----------------------------------------------------------------------------

    async def post(
        self,
        payload: Mapping[str, Any],
        *,
        kind: Any,
        secret: str = SIGNING_SECRET,
        timestamp: int | None = None,
        retry_num: int | None = None,
    ) -> tuple[int, str]:
        """Send a signed request to the app; its HTTP status and body."""
        status, _, body = await send(
            self.http,
            self.url,
            payload,
            secret=secret,
            kind=kind,
            timestamp=timestamp,
            retry_num=retry_num,
        )
        return status, body

    async def command(
        self, person: Person, text: str, *, channel: str = GENERAL, settle: bool = True
    ) -> tuple[int, str]:
        """Type `/sms-handlers TEXT` in a channel; the synchronous answer is shown like Slack."""
        payload = self.command_payload(person, text, channel=channel)
        status, body = await self.post(payload, kind="form")
        if status == 200 and body.strip().startswith("{"):
            self.slack.deliver_command_ack(
                channel_id=channel, user_id=person.id, body=json.loads(body)
            )
        if settle:
            await self.settle()
        return status, body

    def command_payload(self, person: Person, text: str, *, channel: str = GENERAL) -> JsonDict:
        return slash_command(
            command="/sms-handlers",
            text=text,
            user_id=person.id,
            user_name=person.name,
            channel_id=channel,
            channel_name=self.slack.channel_name(channel),
            trigger_id=self.slack.new_trigger_id(person.id),
            response_url=self.slack.response_url(channel_id=channel, user_id=person.id),
        )

    def click_payload(
        self,
        person: Person,
        action_id: str,
        *,
        message: Mapping[str, Any] | None = None,
        view: Mapping[str, Any] | None = None,
        value: str | None = None,
    ) -> JsonDict:
        """The block_actions payload of pressing a button in a message or a modal."""
        holder: Mapping[str, Any] = message if message is not None else (view or {})
        element, block_id = find_element(holder, action_id, value=value)
        action = element_action(element, block_id=block_id)
        trigger_id = self.slack.new_trigger_id(person.id)
        if view is not None:
            return block_actions(user=person.slack, action=action, trigger_id=trigger_id, view=view)
        assert message is not None
        channel = str(message.get("channel") or "")
        ephemeral = bool(message.get("is_ephemeral"))
        return block_actions(
            user=person.slack,
            action=action,
            trigger_id=trigger_id,
            message=as_delivered(message),
            channel_id=channel,
            channel_name=self.slack.channel_name(channel),
            message_ts=str(message.get("ts", "")),
            is_ephemeral=ephemeral,
            response_url=self.slack.response_url(
                channel_id=channel,
                user_id=person.id,
                message_ts=str(message.get("ts")),
            ),
        )

    async def click(
        self,
        person: Person,
        action_id: str,
        *,
        message: Mapping[str, Any] | None = None,
        view: Mapping[str, Any] | None = None,
        value: str | None = None,
        settle: bool = True,
    ) -> int:
        """Press a button; the app's HTTP status (a 200 with an empty body, as Bolt acks)."""
        payload = self.click_payload(person, action_id, message=message, view=view, value=value)
        status, body = await self.post(payload, kind="interactive")
        assert (status, body) == (200, ""), (status, body)
        if settle:
            await self.settle()
        return status

    async def submit(
        self,
        person: Person,
        view: Mapping[str, Any],
        answers: Mapping[str, Any],
        *,
        settle: bool = True,
    ) -> SubmissionOutcome:
        """Fill a modal's inputs (`answers` by block_id), submit it; what Slack made of the ack."""
        filled = dict(view)
        filled["state"] = view_state(view, answers)
        payload = view_submission(
            user=person.slack, view=filled, trigger_id=self.slack.new_trigger_id(person.id)
        )
        status, body = await self.post(payload, kind="interactive")
        assert status == 200, body
        ack = json.loads(body) if body.strip() else None
        outcome = self.slack.apply_submission_ack(view_id=str(view["id"]), body=ack)
        if settle:
            await self.settle()
        return outcome

    async def suggest(
        self, person: Person, view: Mapping[str, Any], *, block_id: str, action_id: str, typed: str
    ) -> list[JsonDict]:
        """Type into an external select; the options the app offers."""
        payload = block_suggestion(
            user=person.slack, action_id=action_id, block_id=block_id, value=typed, view=view
        )
        status, body = await self.post(payload, kind="interactive")
        assert status == 200, body
        options: list[JsonDict] = json.loads(body)["options"]
        return options

    async def settle(self) -> None:
        """Wait for the app's background work and the Web API calls it makes."""
        if self._container is None:  # a subprocess: only its calls to Slack can be seen
            await self.slack.settle(quiet_seconds=0.3)
            return
        await self.container.tasks.drain(timeout_seconds=20)
        await self.slack.settle(quiet_seconds=0.05)
        await self.container.tasks.drain(timeout_seconds=20)

    # -- what Slack shows -------------------------------------------------------------------

    def ephemerals(self, person: Person, channel: str = GENERAL) -> list[JsonDict]:
        """Ephemeral messages the person sees in a channel, oldest first."""
        return [
            m
            for m in self.slack.messages(channel)
            if m.get("is_ephemeral") and m.get("visible_to") == person.id
        ]

    def last_ephemeral(self, person: Person, channel: str = GENERAL) -> JsonDict:
        found = self.ephemerals(person, channel)
        assert found, f"no ephemeral message for {person.id} in {channel}"
        message = dict(found[-1])
        message.setdefault("channel", channel)
        return message

    def approval_posts(self) -> list[JsonDict]:
        """The approval channel's messages (not the replies in their threads)."""
        posts = [
            m
            for m in self.slack.messages(APPROVALS)
            if not m.get("is_ephemeral") and not m.get("thread_ts")
        ]
        return [{**m, "channel": APPROVALS} for m in posts]

    def thread(self, post: Mapping[str, Any]) -> list[JsonDict]:
        """The replies in an approval post's thread, oldest first."""
        return [
            {**m, "channel": APPROVALS}
            for m in self.slack.messages(APPROVALS)
            if m.get("thread_ts") == post["ts"]
        ]

    def dms(self, person: Person) -> list[JsonDict]:
        channel = self.slack.im_channel(person.id)
        if channel is None:
            return []
        return [{**m, "channel": channel} for m in self.slack.messages(channel)]

    def top_modal(self, person: Person) -> JsonDict:
        stack = self.slack.modal_stack(person.id)
        assert stack, f"{person.id} has no open modal"
        return stack[-1]

    def failed_calls(self) -> list[ApiCall]:
        """Web API calls (and response_action answers) Slack refused."""
        return [c for c in self.slack.calls if not c.ok]

    def assert_everything_accepted(self) -> None:
        """Every message, view and ack the app sent passed the stand-in's checks."""
        refused = [(c.method, c.response) for c in self.failed_calls()]
        assert not refused, refused


def find_element(
    holder: Mapping[str, Any], action_id: str, *, value: str | None = None
) -> tuple[JsonDict, str]:
    """The interactive element with this action_id (and value) in a message or view, and its
    block's id."""
    for block in holder.get("blocks", []):
        elements = list(block.get("elements") or [])
        if block.get("accessory"):
            elements.append(block["accessory"])
        if block.get("element"):
            elements.append(block["element"])
        for element in elements:
            if element.get("action_id") != action_id:
                continue
            if value is not None and element.get("value") != value:
                continue
            return element, str(block.get("block_id"))
    raise AssertionError(f"no element {action_id!r} (value {value!r}) in {holder.get('blocks')}")


def texts(holder: Mapping[str, Any]) -> str:
    """Every text in a message or view, newline-separated (to assert on what people read)."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
                found.append(node["text"])
            for item in node.values():
                walk(item)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(holder.get("blocks", []))
    return "\n".join(found)


def e2e_settings(
    tmp_path: Path, sandbox: SandboxServer, slack: SlackStandIn, **changes: Any
) -> Settings:
    """Settings pointing the app at the sandbox, the stand-in and a SQLite file."""
    values: dict[str, Any] = {
        "ringcentral_server_url": sandbox.url,
        "ringcentral_client_id": sandbox.client_id,
        "ringcentral_client_secret": sandbox.client_secret,
        "ringcentral_jwt": sandbox.jwt,
        "ringcentral_timeout_seconds": 5.0,
        "inventory_ttl_seconds": 60.0,
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'e2e.db'}",
        "slack_bot_token": slack.bot_token,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": slack.api_url,
        "approvers": f"{ALEX.id},@telephony-admins",
        "approval_channel": APPROVALS,
    }
    values.update(changes)
    return load_settings(**values)


def populate(slack: SlackStandIn) -> None:
    """The workspace: people, the approvers' group, a general and the approval channel."""
    for person in PEOPLE:
        slack.add_user(
            id=person.id,
            name=person.name,
            real_name=person.real_name,
            email=person.email,
            tz=person.tz,
        )
    slack.add_usergroup(id="S0ADMINS", handle="telephony-admins", users=[SAM.id])
    slack.add_channel(id=GENERAL, name="general")
    slack.add_channel(id=APPROVALS, name="sms-approvals")


@asynccontextmanager
async def running_app(
    tmp_path: Path,
    *,
    sandbox_options: SandboxOptions | None = None,
    seed: Seed | None = None,
    scan_budget: CallBudget | None = None,
    list_page_size: int = LIST_PAGE_SIZE,
    outcome_pause_seconds: float = OUTCOME_PAUSE_SECONDS,
    clock: Callable[[], datetime] | None = None,
    **setting_changes: Any,
) -> AsyncIterator[Harness]:
    """Sandbox + stand-in + the app in HTTP mode on 127.0.0.1, torn down afterwards.

    `seed`: another RingCentral account than the demo one; `scan_budget`: the app's budget for
    bulk handler reads (`who`, `list`), e.g. a small window to match a sandbox's;
    `list_page_size`: resources on a `list` page, e.g. a few to page through the demo account;
    `outcome_pause_seconds`: between attempts to record an outcome while the database is locked;
    `clock`: what the services take for now (a `MovingClock` that the test moves).
    """
    options = sandbox_options or SandboxOptions(rate_limits_enabled=False)
    async with SandboxServer(seed, options=options) as sandbox, SlackStandIn() as slack:
        populate(slack)
        settings = e2e_settings(tmp_path, sandbox, slack, **setting_changes)

        async def start() -> tuple[Container, web.AppRunner, str]:
            container = await build_container(
                settings,
                approver_cache_seconds=1.0,
                scan_budget=scan_budget,
                list_page_size=list_page_size,
                outcome_pause_seconds=outcome_pause_seconds,
                **({} if clock is None else {"clock": clock}),
            )
            runner = web.AppRunner(build_web_app(build_app(container), container))
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            return container, runner, f"http://127.0.0.1:{port}{EVENTS_PATH}"

        async def stop(container: Container, runner: web.AppRunner) -> None:
            await container.tasks.drain(timeout_seconds=10)
            await runner.cleanup()
            await container.aclose()

        running = await start()

        async def restart() -> tuple[Container, str]:
            nonlocal running
            await stop(*running[:2])
            running = await start()
            return running[0], running[2]

        try:
            async with aiohttp.ClientSession() as http:
                yield Harness(
                    sandbox=sandbox,
                    slack=slack,
                    container=running[0],
                    url=running[2],
                    http=http,
                    restart=restart,
                )
        finally:
            await stop(*running[:2])


class MovingClock:
    """What the app's services take for now: the real time when made, then moved by the test
    (`advance`, `set`), never by waiting."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> datetime:
        self.now += by
        return self.now

    def set(self, moment: datetime) -> datetime:
        self.now = moment
        return self.now


def free_port() -> int:
    """A loopback port nobody listens on right now (for a subprocess to bind)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve_environment(
    *, sandbox: SandboxServer, slack_token: str, slack_api_url: str, database: Path, **extra: str
) -> dict[str, str]:
    """The environment of an `sms-handlers serve` subprocess wired to the stand-ins."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "RINGCENTRAL_SERVER_URL": sandbox.url,
        "RINGCENTRAL_CLIENT_ID": sandbox.client_id,
        "RINGCENTRAL_CLIENT_SECRET": sandbox.client_secret,
        "RINGCENTRAL_JWT": sandbox.jwt,
        "SLACK_BOT_TOKEN": slack_token,
        "SLACK_API_URL": slack_api_url,
        "SMS_HANDLERS_APPROVERS": "U0ALEX",
        "SMS_HANDLERS_APPROVAL_CHANNEL": APPROVALS,
        "DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        **extra,
    }
