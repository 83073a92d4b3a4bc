"""The console's link to the app and to Slack: who acts, what is on screen, how to send."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TextIO

import aiohttp

from sms_handlers_sandbox import slack_payloads as sp
from sms_handlers_sandbox.console.workspace import DemoUser
from sms_handlers_sandbox.slack import ApiCall, SlackStandIn
from sms_handlers_sandbox.slack.render import Renderer, Target, ViewSource
from sms_handlers_sandbox.slack.screen import Screen

JsonDict = dict[str, Any]

QUIET_SECONDS = 0.3  # the app is done once it made no Web API call for this long


class ConsoleError(Exception):
    """A command the console cannot carry out, with what to do instead."""


class ConsoleSession:
    """The state the commands share and the plumbing they use to act as Slack."""

    def __init__(
        self,
        *,
        app_url: str,
        signing_secret: str,
        slack: SlackStandIn,
        users: list[DemoUser],
        session: aiohttp.ClientSession,
        out: TextIO,
        command_channel: str,
        approval_channel: str | None,
        settle_seconds: float,
        first_call_seconds: float,
        should_escape: bool,
    ) -> None:
        if not users:
            raise ValueError("the demo needs at least one user")
        self.app_url = app_url
        self.secret = signing_secret
        self.slack = slack
        self.users = users
        self.session = session
        self.out = out
        self.command_channel = command_channel
        self.approval_channel = approval_channel
        self.settle_seconds = settle_seconds
        self.first_call_seconds = first_call_seconds
        self.should_escape = should_escape
        self.acting = users[0]
        self.renderer = Renderer(self._display_name, self._channel_label)
        self.screen = Screen(slack=slack, out=out, renderer=self.renderer)
        self.screen.user_id = self.acting.slack_id
        self.calls_before = 0

    def say(self, text: str = "") -> None:
        """Write a line to the console."""
        self.screen.say(text)

    @property
    def actor(self) -> sp.SlackUser:
        """The acting person as payloads name them."""
        return sp.SlackUser(id=self.acting.slack_id, name=self.acting.username)

    def _display_name(self, user_id: str) -> str:
        for user in self.users:
            if user.slack_id == user_id:
                return user.name
        try:
            return self.slack.user(user_id).real_name
        except KeyError:
            return user_id

    def _channel_label(self, channel_id: str) -> str:
        try:
            return self.slack.channel_name(channel_id)
        except KeyError:
            return channel_id

    async def post(self, payload: JsonDict, kind: sp.Kind) -> str:
        """Send a signed payload to the app; its answer's body."""
        self.calls_before = len(self.slack.calls)
        status, _headers, body = await sp.send(
            self.session, self.app_url, payload, secret=self.secret, kind=kind
        )
        if status != 200:
            raise ConsoleError(f"the app answered HTTP {status}: {body[:200] or '(no body)'}")
        return body

    async def settle(self, *, expect_answer: bool) -> None:
        """Wait until the app is done with what was just sent (and has answered, if it owes)."""
        # An interaction the app must answer (a command with an empty ack, a button) may take
        # the app a while (RingCentral is slow): wait for its first call as long as allowed.
        await self.slack.settle(
            quiet_seconds=QUIET_SECONDS,
            first_call_seconds=self.first_call_seconds,
            timeout_seconds=self.settle_seconds,
            since=self.calls_before,
        )
        if expect_answer:
            await self.wait_until(self.screen.has_visible_change)

    async def wait_until(self, answered: Callable[[], bool]) -> None:
        """Wait (saying so) until the app's answer is there, at most settle_seconds."""
        if answered():
            return
        self.say("(waiting for the app…)")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settle_seconds
        while not answered():
            remaining = deadline - loop.time()
            if remaining <= 0 or not await self.slack.next_call(timeout_seconds=remaining):
                break
        await self.slack.settle(quiet_seconds=QUIET_SECONDS, timeout_seconds=self.settle_seconds)

    async def settle_and_show(self, *, expect_answer: bool = False) -> None:
        """Wait for the app, then show the acting person what changed."""
        await self.settle(expect_answer=expect_answer)
        self.screen.show_updates()

    def target(self, number_text: str) -> Target:
        """The element numbered [N] on screen."""
        try:
            number = int(number_text)
        except ValueError:
            raise ConsoleError(f"{number_text!r} is not a number; use the [N] shown") from None
        target = self.screen.numbering.targets.get(number)
        if target is None:
            raise ConsoleError(
                f"there is no [{number}] on screen; `modal`, `channel` or `dm` shows them"
            )
        return target

    def open_view_of(self, target: Target) -> JsonDict:
        """The still open view an element of a view belongs to."""
        assert isinstance(target.source, ViewSource)
        view = self.slack.views().get(target.source.view_id)
        if view is None:
            raise ConsoleError("that modal is closed now")
        return view

    def set_state(self, target: Target, answer: Any) -> None:
        """Enter an answer into a modal element, as typing or picking in Slack does."""
        if not isinstance(target.source, ViewSource):
            raise ConsoleError(f"[{target.number}] is not in a modal")
        self.open_view_of(target)
        value = sp.state_value(target.element, answer)
        self.slack.set_view_state(
            target.source.view_id, target.block_id, target.element["action_id"], value
        )

    def current_state(self, target: Target) -> JsonDict:
        """What a modal element holds now ({} for message elements)."""
        if not isinstance(target.source, ViewSource):
            return {}
        values = self.open_view_of(target)["state"]["values"]
        found: JsonDict = values.get(target.block_id, {}).get(target.element["action_id"], {})
        return found

    async def send_action(
        self, target: Target, action: JsonDict, *, expect_answer: bool = False
    ) -> None:
        """Send block_actions for an element of a view or a message, then show the result."""
        trigger_id = self.slack.new_trigger_id(self.acting.slack_id)
        source = target.source
        if isinstance(source, ViewSource):
            payload = sp.block_actions(
                user=self.actor,
                action=action,
                trigger_id=trigger_id,
                view=self.open_view_of(target),
                team_domain=self.slack.bot.team_domain,
                api_app_id=self.slack.bot.app_id,
            )
        else:
            message = next(
                (m for m in self.slack.messages(source.channel_id) if m["ts"] == source.ts), None
            )
            if message is None:
                raise ConsoleError("that message is gone")
            payload = sp.block_actions(
                user=self.actor,
                action=action,
                trigger_id=trigger_id,
                message=message,
                channel_id=source.channel_id,
                channel_name=self.slack.channel_name(source.channel_id),
                is_ephemeral=source.is_ephemeral,
                response_url=self.slack.response_url(
                    channel_id=source.channel_id, user_id=self.acting.slack_id, message_ts=source.ts
                ),
                team_domain=self.slack.bot.team_domain,
                api_app_id=self.slack.bot.app_id,
            )
        await self.post(payload, "interactive")
        await self.settle_and_show(expect_answer=expect_answer)


def api_problem(call: ApiCall) -> str:
    """Why Slack refused a Web API call: its error and details."""
    details = call.response.get("response_metadata", {}).get("messages", [])
    return "; ".join([str(call.response.get("error")), *details])
