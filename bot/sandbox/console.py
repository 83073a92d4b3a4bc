"""The demo console: a person plays Slack in the terminal against the real app.

Every command becomes what Slack would send: a signed slash command, block_actions,
block_suggestion, view_submission or view_closed POSTed to the app's HTTP endpoint. The app
answers through the Slack stand-in's Web API; the console then shows what the acting user sees
(new messages, ephemeral answers, DMs, the open modal) with every interactive element numbered.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TextIO

import aiohttp

from bot.sandbox import slack_payloads as sp
from bot.sandbox.slack import ApiCall, SlackStandIn
from bot.sandbox.slack.render import MessageSource, Renderer, Target, ViewSource
from bot.sandbox.slack.screen import Screen

log = logging.getLogger(__name__)
JsonDict = dict[str, Any]

HELP = """\
Commands:
  /sms-handlers TEXT    run the slash command (e.g. /sms-handlers support, /sms-handlers help)
  press N               press button N (in a message or in the open modal)
  fill N TEXT           type TEXT into field N of the open modal
  pick N [QUERY]        list the options of menu N (external menus search QUERY)
  choose A [B ...]      choose options A, B ... from the list `pick` showed
  clear N               empty field or menu N
  check N [OPTION]      tick or untick checkbox OPTION (default 1) of element N
  submit                submit the open modal
  close                 close the open modal
  modal                 show the open modal again
  channel               show the approval channel
  dm                    show your direct messages from the app
  home                  open the app's Home tab
  wait [SECONDS]        wait for the app to do something more (e.g. a modal still loading)
  as NAME               act as another user (see `users`)
  users                 list the demo users
  help                  this list
  quit                  leave the demo"""


@dataclass(frozen=True)
class DemoUser:
    """A person in the demo workspace and the role they play."""

    slack_id: str
    name: str
    email: str
    role: str

    @property
    def label(self) -> str:
        """e.g. Riley (team lead)."""
        return f"{self.name} ({self.role})"

    @property
    def username(self) -> str:
        """The Slack handle, e.g. riley."""
        return self.name.split()[0].lower()


@dataclass(frozen=True)
class DemoWorkspace:
    """The demo's Slack side: who plays, where commands are typed, where requests go."""

    users: list[DemoUser]
    command_channel: str
    approval_channel: str
    approvers: str  # the SMS_HANDLERS_APPROVERS value for the demo app


# Emails match extensions of the RingCentral sandbox's demo seed, so "Add me" finds them.
DEMO_USERS = [
    DemoUser("U0DEMO0001", "Elena Petrova", "elena.petrova@acme.example", "team lead"),
    DemoUser("U0DEMO0002", "Noah Fischer", "noah.fischer@acme.example", "telephony admin"),
    DemoUser("U0DEMO0003", "Ben Ortiz", "ben.ortiz@acme.example", "support agent"),
]


def seed_demo_workspace(slack: SlackStandIn) -> DemoWorkspace:
    """Add the demo users, the @telephony-admins group and the two channels to the stand-in."""
    for user in DEMO_USERS:
        slack.add_user(id=user.slack_id, name=user.username, real_name=user.name, email=user.email)
    slack.add_usergroup(id="S0DEMO0001", handle="telephony-admins", users=["U0DEMO0002"])
    slack.add_channel(id="C0GENERAL", name="general")
    slack.add_channel(id="C0APPROVALS", name="sms-approvals")
    return DemoWorkspace(
        users=list(DEMO_USERS),
        command_channel="C0GENERAL",
        approval_channel="C0APPROVALS",
        approvers="@telephony-admins",
    )


class ConsoleError(Exception):
    """A command the console cannot carry out, with what to do instead."""


@dataclass
class _Picking:
    target: Target
    options: list[JsonDict]


class DemoConsole:
    """The console's state: who acts, what was shown, what the numbers refer to."""

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
        self.picking: _Picking | None = None
        self.calls_before = 0

    # ----- plumbing ---------------------------------------------------------------------------

    def say(self, text: str = "") -> None:
        """Write a line to the console."""
        self.screen.say(text)

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

    @property
    def actor(self) -> sp.SlackUser:
        """The acting person as payloads name them."""
        return sp.SlackUser(id=self.acting.slack_id, name=self.acting.username)

    async def _post(self, payload: JsonDict, kind: sp.Kind) -> tuple[int, str]:
        self.calls_before = len(self.slack.calls)
        status, _headers, body = await sp.send(
            self.session, self.app_url, payload, secret=self.secret, kind=kind
        )
        if status != 200:
            raise ConsoleError(f"the app answered HTTP {status}: {body[:200] or '(no body)'}")
        return status, body

    async def _settle(self, *, expect_answer: bool) -> None:
        # An interaction the app must answer (a command with an empty ack, a button) may take
        # the app a while (RingCentral is slow): wait for its first call as long as allowed.
        await self.slack.settle(
            quiet_seconds=0.3,
            first_call_seconds=self.first_call_seconds,
            timeout_seconds=self.settle_seconds,
            since=self.calls_before,
        )
        if expect_answer:
            await self._wait_until(self.screen.has_visible_change)

    async def _wait_until(self, answered: Callable[[], bool]) -> None:
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
        await self.slack.settle(quiet_seconds=0.3, timeout_seconds=self.settle_seconds)

    async def _settle_and_show(self, *, expect_answer: bool = False) -> None:
        await self._settle(expect_answer=expect_answer)
        self.screen.show_updates()

    def _target(self, number_text: str) -> Target:
        try:
            number = int(number_text)
        except ValueError:
            raise ConsoleError(f"{number_text!r} is not a number; use the [N] shown") from None
        target = self.screen.numbering.targets.get(number)
        if target is None:
            raise ConsoleError(f"there is no [{number}] on screen; `modal` or `channel` shows them")
        return target

    def _open_view_of(self, target: Target) -> JsonDict:
        assert isinstance(target.source, ViewSource)
        view = self.slack.views().get(target.source.view_id)
        if view is None:
            raise ConsoleError("that modal is closed now")
        return view

    # ----- commands ---------------------------------------------------------------------------

    async def wait(self, seconds_text: str) -> None:
        """Wait for the app's next Web API call (up to N seconds), then show what changed."""
        try:
            seconds = float(seconds_text) if seconds_text else self.settle_seconds
        except ValueError:
            raise ConsoleError(f"{seconds_text!r} is not a number of seconds") from None
        await self.slack.settle(
            quiet_seconds=0.3,
            first_call_seconds=seconds,
            timeout_seconds=seconds + self.settle_seconds,
        )
        if self.screen.has_visible_change():
            self.screen.show_updates()
        else:
            self.say("(nothing new)")

    async def slash_command(self, line: str) -> None:
        """Run `/command text` in the command channel."""
        command, _, text = line.partition(" ")
        user = self.acting
        response_url = self.slack.response_url(
            channel_id=self.command_channel, user_id=user.slack_id
        )
        payload = sp.slash_command(
            command=command,
            text=self.slack.typed_text(text.strip(), should_escape=self.should_escape),
            user_id=user.slack_id,
            user_name=user.username,
            channel_id=self.command_channel,
            channel_name=self.slack.channel_name(self.command_channel),
            trigger_id=self.slack.new_trigger_id(user.slack_id),
            response_url=response_url,
            team_id=self.slack.bot.team_id,
            team_domain=self.slack.bot.team_domain,
            api_app_id=self.slack.bot.app_id,
        )
        _status, body = await self._post(payload, "form")
        if body.strip():
            ack = _json_or_text(body)
            shown = self.slack.deliver_command_ack(
                channel_id=self.command_channel, user_id=user.slack_id, body=ack
            )
            if not shown.ok:
                raise ConsoleError(f"Slack could not show the app's answer: {_problem(shown)}")
        await self._settle_and_show(expect_answer=not body.strip())

    async def press(self, number_text: str) -> None:
        """Press a numbered button."""
        target = self._target(number_text)
        if target.element.get("type") != "button":
            raise ConsoleError(f"[{target.number}] is not a button; see `help`")
        if target.element.get("url") and "value" not in target.element:
            self.say(f"(opens {target.element['url']} in a browser)")
        action = sp.element_action(target.element, block_id=target.block_id)
        await self._send_action(target, action, expect_answer=True)

    async def _send_action(
        self, target: Target, action: JsonDict, *, expect_answer: bool = False
    ) -> None:
        trigger_id = self.slack.new_trigger_id(self.acting.slack_id)
        source = target.source
        if isinstance(source, ViewSource):
            payload = sp.block_actions(
                user=self.actor,
                action=action,
                trigger_id=trigger_id,
                view=self._open_view_of(target),
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
        await self._post(payload, "interactive")
        await self._settle_and_show(expect_answer=expect_answer)

    def fill(self, number_text: str, text: str) -> None:
        """Type text into a modal field."""
        target = self._target(number_text)
        if sp.VALUE_FIELDS.get(str(target.element.get("type"))) != "value":
            raise ConsoleError(f"[{target.number}] is not a text field; `pick` or `check` it")
        self._set_state(target, text or None)
        self.say(f"✓ [{target.number}] = {text!r}" if text else f"✓ [{target.number}] emptied")

    async def pick(self, number_text: str, query: str) -> None:
        """List the options of a menu (searching the app for external ones)."""
        target = self._target(number_text)
        kind = str(target.element.get("type"))
        if "external" in kind:
            # Slack asks the app for options only once this much has been typed.
            needed = int(target.element.get("min_query_length", 3))
            if len(query) < needed:
                letters = "character" if needed == 1 else "characters"
                raise ConsoleError(f"type at least {needed} {letters}: pick {target.number} TEXT")
            options = await self._suggest(target, query)
        elif "options" in target.element or "option_groups" in target.element:
            options = _flat_options(target.element)
        else:
            raise ConsoleError(f"[{target.number}] is not a menu with options")
        self.picking = _Picking(target, options)
        if not options:
            self.say(f"(no options for {query!r})" if query else "(no options)")
            return
        for index, option in enumerate(options, start=1):
            self.say(f"  ({index}) {self.renderer.text(option.get('text'))}")
        self.say(f"choose one{' or more' if kind.startswith('multi_') else ''}: choose N ...")

    async def _suggest(self, target: Target, query: str) -> list[JsonDict]:
        if not isinstance(target.source, ViewSource):
            raise ConsoleError("external menus in messages are not supported by the console")
        payload = sp.block_suggestion(
            user=self.actor,
            action_id=target.element["action_id"],
            block_id=target.block_id,
            value=query,
            view=self._open_view_of(target),
            team_domain=self.slack.bot.team_domain,
            api_app_id=self.slack.bot.app_id,
        )
        _status, body = await self._post(payload, "interactive")
        answer = _json_or_text(body)
        if "option_groups" in answer:
            return [o for group in answer["option_groups"] for o in group.get("options", [])]
        options: list[JsonDict] = answer.get("options", [])
        return options

    async def choose(self, choices: list[str]) -> None:
        """Choose options from the last `pick` listing."""
        if self.picking is None:
            raise ConsoleError("`pick N` a menu first, then choose from its list")
        target, options = self.picking.target, self.picking.options
        try:
            chosen = [options[int(choice) - 1] for choice in choices]
        except (ValueError, IndexError):
            raise ConsoleError(f"choose numbers between 1 and {len(options)}") from None
        if not chosen:
            raise ConsoleError("choose at least one option number")
        selection: Any = chosen[-1]
        if str(target.element["type"]).startswith("multi_"):
            current = self._current_state(target).get("selected_options") or []
            selection = list({o["value"]: o for o in current + chosen}.values())
        action = sp.element_action(target.element, block_id=target.block_id, selected=selection)
        if isinstance(target.source, ViewSource):
            self._set_state(target, selection)
        names = ", ".join(self.renderer.text(o.get("text")) for o in chosen)
        self.say(f"✓ [{target.number}] chose {names}")
        if not target.in_input_block or isinstance(target.source, MessageSource):
            await self._send_action(target, action)

    def clear(self, number_text: str) -> None:
        """Empty a field or menu of the open modal."""
        target = self._target(number_text)
        self._set_state(target, None)
        self.say(f"✓ [{target.number}] emptied")

    async def check(self, number_text: str, option_text: str) -> None:
        """Tick or untick one checkbox option."""
        target = self._target(number_text)
        if target.element.get("type") != "checkboxes":
            raise ConsoleError(f"[{target.number}] is not a checkbox")
        options = target.element.get("options", [])
        try:
            option = options[int(option_text or "1") - 1]
        except (ValueError, IndexError):
            raise ConsoleError(f"checkbox options are 1 to {len(options)}") from None
        current = self._current_state(target).get("selected_options")
        if current is None:
            current = list(target.element.get("initial_options", []))
        ticked = any(o.get("value") == option["value"] for o in current)
        selection = [o for o in current if o.get("value") != option["value"]]
        if not ticked:
            selection.append(option)
        if isinstance(target.source, ViewSource):
            self._set_state(target, selection)
        mark = "☐ unticked" if ticked else "☑ ticked"
        self.say(f"{mark} {self.renderer.text(option.get('text'))}")
        if not target.in_input_block:
            action = sp.element_action(target.element, block_id=target.block_id, selected=selection)
            await self._send_action(target, action)

    def _set_state(self, target: Target, answer: Any) -> None:
        if not isinstance(target.source, ViewSource):
            raise ConsoleError(f"[{target.number}] is not in a modal")
        self._open_view_of(target)
        value = sp.state_value(target.element, answer)
        self.slack.set_view_state(
            target.source.view_id, target.block_id, target.element["action_id"], value
        )

    def _current_state(self, target: Target) -> JsonDict:
        if not isinstance(target.source, ViewSource):
            return {}
        values = self._open_view_of(target)["state"]["values"]
        found: JsonDict = values.get(target.block_id, {}).get(target.element["action_id"], {})
        return found

    async def submit(self) -> None:
        """Submit the open modal with what was entered."""
        view = self.screen.top_view()
        if view is None:
            raise ConsoleError("no modal is open")
        if not view.get("submit"):
            raise ConsoleError("this modal has no submit button; `close` it")
        payload = sp.view_submission(
            user=self.actor,
            view=view,
            answers=_answers(view),
            trigger_id=self.slack.new_trigger_id(self.acting.slack_id),
            team_domain=self.slack.bot.team_domain,
            api_app_id=self.slack.bot.app_id,
        )
        _status, body = await self._post(payload, "interactive")
        ack = _json_or_text(body) if body.strip() else None
        outcome = self.slack.apply_submission_ack(view_id=view["id"], body=ack)
        self.screen.errors.pop(view["id"], None)
        if outcome.action == "errors":
            self.screen.errors[view["id"]] = outcome.errors
            self.say("The modal shows errors:")
            self.screen.forget_view()
        elif outcome.action == "invalid":
            self.say("Slack rejected the app's answer: " + "; ".join(outcome.problems))
        await self._settle_and_show()

    async def close(self) -> None:
        """Close the open modal (telling the app if it asked to be told)."""
        closed = self.slack.close_view(self.acting.slack_id)
        if closed is None:
            raise ConsoleError("no modal is open")
        if closed.get("notify_on_close"):
            payload = sp.view_closed(
                user=self.actor,
                view=closed,
                team_domain=self.slack.bot.team_domain,
                api_app_id=self.slack.bot.app_id,
            )
            await self._post(payload, "interactive")
        await self._settle_and_show()

    def switch(self, name: str) -> None:
        """Act as another demo user."""
        wanted = name.strip().lower()
        for user in self.users:
            names = {user.slack_id.lower(), user.name.lower(), user.username, user.email.lower()}
            if wanted in names or user.label.lower().startswith(wanted):
                self.acting = user
                self.screen.user_id = user.slack_id
                self.picking = None
                self.say(f"You are now {user.label}.")
                self.screen.show_updates()
                return
        known = ", ".join(user.name for user in self.users)
        raise ConsoleError(f"no demo user called {name!r}; try one of: {known}")

    def list_users(self) -> None:
        """The demo users, the acting one marked."""
        for user in self.users:
            mark = "→" if user == self.acting else " "
            self.say(f" {mark} {user.label}  <{user.email}>  {user.slack_id}")

    async def run_line(self, line: str) -> bool:
        """Carry out one command line; False when the person wants to leave."""
        word, _, rest = line.strip().partition(" ")
        rest = rest.strip()
        first, _, more = rest.partition(" ")
        if word.startswith("/"):
            await self.slash_command(line.strip())
        elif word == "press":
            await self.press(rest)
        elif word == "fill":
            self.fill(first, more.strip())
        elif word == "pick":
            await self.pick(first, more.strip())
        elif word == "choose":
            await self.choose(rest.split())
        elif word == "clear":
            self.clear(rest)
        elif word == "check":
            await self.check(first, more.strip())
        elif word == "submit":
            await self.submit()
        elif word == "close":
            await self.close()
        elif word in ("modal", "view"):
            self._show_modal()
        elif word == "channel":
            self._show_approval_channel()
        elif word == "dm":
            self._show_dm()
        elif word == "home":
            await self.open_home()
        elif word == "wait":
            await self.wait(rest)
        elif word == "as":
            self.switch(rest)
        elif word == "users":
            self.list_users()
        elif word == "help":
            self.say(HELP)
        elif word in ("quit", "exit"):
            return False
        else:
            raise ConsoleError(f"unknown command {word!r}; type `help`")
        return True

    async def open_home(self) -> None:
        """Open the app's Home tab: Slack sends app_home_opened, the app publishes a view."""
        user_id = self.acting.slack_id
        before = self.slack.home_view(user_id)
        dm = self.slack.im_channel(user_id) or self.slack.open_im(user_id)
        event = sp.app_home_opened_event(
            user_id=user_id,
            channel_id=dm,
            bot_user_id=self.slack.bot.bot_user_id,
            view=self.slack.home_view(user_id),
            team_id=self.slack.bot.team_id,
            api_app_id=self.slack.bot.app_id,
        )
        await self._post(event, "event")
        await self._settle(expect_answer=False)
        await self._wait_until(lambda: self.slack.home_view(user_id) != before)
        home = self.slack.home_view(user_id)
        if home is None:
            self.say("(the app has no Home tab for you)")
            return
        self.screen.show_view(home, renumber=True)

    def _show_modal(self) -> None:
        view = self.screen.top_view()
        if view is None:
            self.say("(no modal is open)")
            return
        self.screen.show_view(view, renumber=True)

    def _show_approval_channel(self) -> None:
        if self.approval_channel is None:
            raise ConsoleError("the demo has no approval channel configured")
        self.screen.show_channel(self.approval_channel)

    def _show_dm(self) -> None:
        dm = self.slack.im_channel(self.acting.slack_id)
        if dm is None:
            self.say("(the app has not sent you a DM)")
            return
        self.screen.show_channel(dm)


async def run_console(
    *,
    app_url: str,
    signing_secret: str,
    slack: SlackStandIn,
    users: list[DemoUser],
    input_lines: Iterable[str] | None = None,
    out: TextIO,
    command_channel: str | None = None,
    approval_channel: str | None = None,
    settle_seconds: float = 15.0,
    first_call_seconds: float = 1.0,
    should_escape: bool = True,
) -> int:
    """Run the console on stdin (or replay input_lines, echoed with `> `); 1 if a step failed.

    After each step the console waits for the app to settle: up to first_call_seconds for its
    first Web API call (settle_seconds when the app owes an answer: a command it acknowledged
    empty, a button), then until it is quiet for 0.3 s; each wait at most settle_seconds.
    """
    for user in users:
        try:
            slack.user(user.slack_id)
        except KeyError:
            slack.add_user(
                id=user.slack_id, name=user.username, real_name=user.name, email=user.email
            )
    if command_channel is None:
        command_channel = "C0GENERAL"
        if command_channel not in slack.channel_ids():
            slack.add_channel(id=command_channel, name="general")
    failures = 0
    async with aiohttp.ClientSession() as session:
        console = DemoConsole(
            app_url=app_url,
            signing_secret=signing_secret,
            slack=slack,
            users=users,
            session=session,
            out=out,
            command_channel=command_channel,
            approval_channel=approval_channel,
            settle_seconds=settle_seconds,
            first_call_seconds=first_call_seconds,
            should_escape=should_escape,
        )
        console.say(f"You are {console.acting.label} in #{slack.channel_name(command_channel)}.")
        console.say("Type `help` for commands, e.g. /sms-handlers support")
        source = _ScriptLines(input_lines) if input_lines is not None else _StdinLines(out)
        while True:
            console.screen.show_background_updates()
            line = await source.next(f"{console.acting.username}> ")
            if line is None:
                break
            if not line.strip():
                continue
            if input_lines is not None:
                console.say(f"> {line}")
            if line.lstrip().startswith("#"):
                continue
            try:
                if not await console.run_line(line):
                    break
            except ConsoleError as error:
                failures += 1
                console.say(f"! {error}")
            except aiohttp.ClientError as error:
                failures += 1
                log.warning("demo console: request to the app failed: %s", error)
                console.say(f"! could not reach the app at {app_url}: {error}")
    return 1 if failures and input_lines is not None else 0


class _ScriptLines:
    """Lines of a --script replay."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._lines = iter(lines)

    async def next(self, prompt: str) -> str | None:
        line = next(self._lines, None)
        return None if line is None else str(line).rstrip("\n")


class _StdinLines:
    """Lines typed on stdin, read by a daemon thread so Ctrl-C never waits for Enter."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        loop = asyncio.get_running_loop()
        stdin = sys.stdin
        # A terminal shows what is typed; piped input is echoed so the transcript reads well.
        self._echo = not (hasattr(stdin, "isatty") and stdin.isatty())

        def pump() -> None:
            try:
                for line in iter(stdin.readline, ""):
                    loop.call_soon_threadsafe(self._queue.put_nowait, line)
                loop.call_soon_threadsafe(self._queue.put_nowait, None)
            except RuntimeError:  # the console ended and its event loop is closed
                return

        threading.Thread(target=pump, name="demo-console-stdin", daemon=True).start()

    async def next(self, prompt: str) -> str | None:
        self._out.write(prompt)
        self._out.flush()
        line = await self._queue.get()
        if line is None:
            return None
        if self._echo:
            self._out.write(line if line.endswith("\n") else line + "\n")
        return line.rstrip("\n")


def _problem(call: ApiCall) -> str:
    details = call.response.get("response_metadata", {}).get("messages", [])
    return "; ".join([str(call.response.get("error")), *details])


def _json_or_text(body: str) -> JsonDict:
    try:
        parsed = json.loads(body)
    except ValueError:
        return {"text": body}
    return parsed if isinstance(parsed, dict) else {"text": body}


def _flat_options(element: JsonDict) -> list[JsonDict]:
    if "options" in element:
        return list(element["options"])
    return [o for group in element.get("option_groups", []) for o in group.get("options", [])]


def _answers(view: JsonDict) -> dict[str, Any]:
    """What each input holds: the entered state, else the element's initial value."""
    values = view.get("state", {}).get("values", {})
    answers: dict[str, Any] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        element, block_id = block["element"], block["block_id"]
        entry = values.get(block_id, {}).get(element.get("action_id"))
        field_name = sp.VALUE_FIELDS.get(element.get("type"), "value")
        if entry is not None:
            answers[block_id] = entry.get(field_name)
        else:
            initial = {
                "value": element.get("initial_value"),
                "selected_options": element.get("initial_options"),
                "selected_option": element.get("initial_option"),
                "selected_users": element.get("initial_users"),
                "selected_user": element.get("initial_user"),
                "selected_date": element.get("initial_date"),
            }
            answers[block_id] = initial.get(field_name)
    return answers
