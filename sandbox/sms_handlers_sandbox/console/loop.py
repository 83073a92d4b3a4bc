"""The console's read-and-run loop: one command line at a time, failures reported and counted."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TextIO

import aiohttp

from sms_handlers_sandbox.console.commands import DemoConsole
from sms_handlers_sandbox.console.input_lines import CommandLines, ScriptLines, StdinLines
from sms_handlers_sandbox.console.session import ConsoleError
from sms_handlers_sandbox.console.workspace import DemoUser
from sms_handlers_sandbox.slack import SlackStandIn

log = logging.getLogger(__name__)

DEFAULT_COMMAND_CHANNEL = ("C0GENERAL", "general")


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
    _ensure_users(slack, users)
    if command_channel is None:
        command_channel = _ensure_default_command_channel(slack)
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
        is_replay = input_lines is not None
        source: CommandLines = (
            ScriptLines(input_lines) if input_lines is not None else StdinLines(out)
        )
        failures = await _read_and_run(console, source, echo=is_replay)
    return 1 if failures and is_replay else 0


async def _read_and_run(console: DemoConsole, source: CommandLines, *, echo: bool) -> int:
    """Run lines until the source ends or the person quits; how many failed."""
    failures = 0
    while True:
        console.screen.show_background_updates()
        line = await source.next(f"{console.acting.username}> ")
        if line is None:
            return failures
        if not line.strip():
            continue
        if echo:
            console.say(f"> {line}")
        if line.lstrip().startswith("#"):
            continue
        try:
            if not await console.run_line(line):
                return failures
        except ConsoleError as error:
            failures += 1
            console.say(f"! {error}")
        except aiohttp.ClientError as error:
            failures += 1
            log.warning("demo console: request to the app failed: %s", error)
            console.say(f"! could not reach the app at {console.app_url}: {error}")


def _ensure_users(slack: SlackStandIn, users: list[DemoUser]) -> None:
    """Add the users the stand-in does not know yet."""
    for user in users:
        try:
            slack.user(user.slack_id)
        except KeyError:
            slack.add_user(
                id=user.slack_id, name=user.username, real_name=user.name, email=user.email
            )


def _ensure_default_command_channel(slack: SlackStandIn) -> str:
    """#general, added to the stand-in if missing."""
    channel_id, name = DEFAULT_COMMAND_CHANNEL
    if channel_id not in slack.channel_ids():
        slack.add_channel(id=channel_id, name=name)
    return channel_id
