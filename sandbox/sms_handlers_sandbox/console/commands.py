"""The console's commands: each one is what a person does in Slack, sent as Slack sends it."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sms_handlers_sandbox import slack_payloads as sp
from sms_handlers_sandbox.console.block_values import (
    json_or_text,
    menu_options,
    submitted_answers,
    suggested_options,
)
from sms_handlers_sandbox.console.session import (
    QUIET_SECONDS,
    ConsoleError,
    ConsoleSession,
    api_problem,
)
from sms_handlers_sandbox.slack.render import MessageSource, Target, ViewSource

JsonDict = dict[str, Any]
Command = Callable[[str], Awaitable[None]]
# What `fill` takes for a date or time picker (what Slack sends back for them).
PICKER_FORMATS = {
    "datepicker": (re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}"), "a date, YYYY-MM-DD"),
    "timepicker": (re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]"), "a time, HH:MM"),
}

HELP = """\
Commands:
  /sms-handlers TEXT    run the slash command (e.g. /sms-handlers support, /sms-handlers help)
  press N               press button N (in a message or in the open modal)
  fill N TEXT           type TEXT into field N of the open modal (a search box: and Enter;
                        a date: YYYY-MM-DD, a time: HH:MM)
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

LEAVE = ("quit", "exit")


@dataclass
class _Picking:
    target: Target
    options: list[JsonDict]


class DemoConsole(ConsoleSession):
    """Carries out command lines; each command is a method taking the rest of the line."""

    picking: _Picking | None = None

    async def run_line(self, line: str) -> bool:
        """Carry out one command line; False when the person wants to leave."""
        word, _, rest = line.strip().partition(" ")
        if word in LEAVE:
            return False
        if word.startswith("/"):
            await self.slash_command(line.strip())
            return True
        command = self._commands().get(word)
        if command is None:
            raise ConsoleError(f"unknown command {word!r}; type `help`")
        await command(rest.strip())
        return True

    def _commands(self) -> dict[str, Command]:
        return {
            "press": self.press,
            "fill": self.fill,
            "pick": self.pick,
            "choose": self.choose,
            "clear": self.clear,
            "check": self.check,
            "submit": self.submit,
            "close": self.close,
            "modal": self.show_modal,
            "view": self.show_modal,
            "channel": self.show_approval_channel,
            "dm": self.show_dm,
            "home": self.open_home,
            "wait": self.wait,
            "as": self.switch,
            "users": self.list_users,
            "help": self.help,
        }

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
        body = await self.post(payload, "form")
        if body.strip():
            shown = self.slack.deliver_command_ack(
                channel_id=self.command_channel, user_id=user.slack_id, body=json_or_text(body)
            )
            if not shown.ok:
                raise ConsoleError(f"Slack could not show the app's answer: {api_problem(shown)}")
        await self.settle_and_show(expect_answer=not body.strip())

    async def press(self, args: str) -> None:
        """press N: press a numbered button."""
        target = self.target(args)
        if target.element.get("type") != "button":
            raise ConsoleError(f"[{target.number}] is not a button; see `help`")
        if target.element.get("url") and "value" not in target.element:
            self.say(f"(opens {target.element['url']} in a browser)")
        action = sp.element_action(target.element, block_id=target.block_id)
        await self.send_action(target, action, expect_answer=True)

    async def fill(self, args: str) -> None:
        """fill N TEXT: type text into a modal field, or a date (YYYY-MM-DD) or a time (HH:MM)
        into a date or time picker."""
        number_text, _, text = args.partition(" ")
        text = text.strip()
        target = self.target(number_text)
        kind = str(target.element.get("type"))
        if kind in PICKER_FORMATS:
            pattern, shape = PICKER_FORMATS[kind]
            if text and not pattern.fullmatch(text):
                raise ConsoleError(f"[{target.number}] takes {shape}")
        elif sp.VALUE_FIELDS.get(kind) != "value":
            raise ConsoleError(f"[{target.number}] is not a text field; `pick` or `check` it")
        self.set_state(target, text or None)
        self.say(f"✓ [{target.number}] = {text!r}" if text else f"✓ [{target.number}] emptied")
        if text and self._dispatches(target):  # the field sends what was typed on Enter
            action = sp.element_action(target.element, block_id=target.block_id, selected=text)
            await self.send_action(target, action, expect_answer=True)

    def _dispatches(self, target: Target) -> bool:
        """Whether the field's input block sends its text to the app (dispatch_action)."""
        if not isinstance(target.source, ViewSource):
            return False
        blocks = self.open_view_of(target).get("blocks", [])
        return any(
            b.get("block_id") == target.block_id and b.get("dispatch_action") for b in blocks
        )

    async def pick(self, args: str) -> None:
        """pick N [QUERY]: list the options of a menu (searching the app for external ones)."""
        number_text, _, query = args.partition(" ")
        query = query.strip()
        target = self.target(number_text)
        kind = str(target.element.get("type"))
        if "external" in kind:
            # Slack asks the app for options only once this much has been typed.
            needed = int(target.element.get("min_query_length", 3))
            if len(query) < needed:
                letters = "character" if needed == 1 else "characters"
                raise ConsoleError(f"type at least {needed} {letters}: pick {target.number} TEXT")
            options = await self._suggest(target, query)
        elif "options" in target.element or "option_groups" in target.element:
            options = menu_options(target.element)
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
            view=self.open_view_of(target),
            team_domain=self.slack.bot.team_domain,
            api_app_id=self.slack.bot.app_id,
        )
        return suggested_options(json_or_text(await self.post(payload, "interactive")))

    async def choose(self, args: str) -> None:
        """choose A [B ...]: choose options from the last `pick` listing."""
        if self.picking is None:
            raise ConsoleError("`pick N` a menu first, then choose from its list")
        target, options = self.picking.target, self.picking.options
        try:
            chosen = [options[int(choice) - 1] for choice in args.split()]
        except (ValueError, IndexError):
            raise ConsoleError(f"choose numbers between 1 and {len(options)}") from None
        if not chosen:
            raise ConsoleError("choose at least one option number")
        selection: Any = chosen[-1]
        if str(target.element["type"]).startswith("multi_"):
            current = self.current_state(target).get("selected_options") or []
            selection = list({o["value"]: o for o in current + chosen}.values())
        action = sp.element_action(target.element, block_id=target.block_id, selected=selection)
        if isinstance(target.source, ViewSource):
            self.set_state(target, selection)
        names = ", ".join(self.renderer.text(o.get("text")) for o in chosen)
        self.say(f"✓ [{target.number}] chose {names}")
        if not target.in_input_block or isinstance(target.source, MessageSource):
            await self.send_action(target, action)

    async def clear(self, args: str) -> None:
        """clear N: empty a field or menu of the open modal."""
        target = self.target(args)
        self.set_state(target, None)
        self.say(f"✓ [{target.number}] emptied")

    async def check(self, args: str) -> None:
        """check N [OPTION]: tick or untick one checkbox option."""
        number_text, _, option_text = args.partition(" ")
        option_text = option_text.strip()
        target = self.target(number_text)
        if target.element.get("type") != "checkboxes":
            raise ConsoleError(f"[{target.number}] is not a checkbox")
        options = target.element.get("options", [])
        try:
            option = options[int(option_text or "1") - 1]
        except (ValueError, IndexError):
            raise ConsoleError(f"checkbox options are 1 to {len(options)}") from None
        current = self.current_state(target).get("selected_options")
        if current is None:
            current = list(target.element.get("initial_options", []))
        ticked = any(o.get("value") == option["value"] for o in current)
        selection = [o for o in current if o.get("value") != option["value"]]
        if not ticked:
            selection.append(option)
        if isinstance(target.source, ViewSource):
            self.set_state(target, selection)
        mark = "☐ unticked" if ticked else "☑ ticked"
        self.say(f"{mark} {self.renderer.text(option.get('text'))}")
        if not target.in_input_block:
            action = sp.element_action(target.element, block_id=target.block_id, selected=selection)
            await self.send_action(target, action)

    async def submit(self, args: str) -> None:
        """submit: submit the open modal with what was entered."""
        view = self.screen.top_view()
        if view is None:
            raise ConsoleError("no modal is open")
        if not view.get("submit"):
            raise ConsoleError("this modal has no submit button; `close` it")
        payload = sp.view_submission(
            user=self.actor,
            view=view,
            answers=submitted_answers(view),
            trigger_id=self.slack.new_trigger_id(self.acting.slack_id),
            team_domain=self.slack.bot.team_domain,
            api_app_id=self.slack.bot.app_id,
        )
        body = await self.post(payload, "interactive")
        ack = json_or_text(body) if body.strip() else None
        outcome = self.slack.apply_submission_ack(view_id=view["id"], body=ack)
        self.screen.errors.pop(view["id"], None)
        if outcome.action == "errors":
            self.screen.errors[view["id"]] = outcome.errors
            self.say("The modal shows errors:")
            self.screen.forget_view()
        elif outcome.action == "invalid":
            self.say("Slack rejected the app's answer: " + "; ".join(outcome.problems))
        await self.settle_and_show()

    async def close(self, args: str) -> None:
        """close: close the open modal (telling the app if it asked to be told)."""
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
            await self.post(payload, "interactive")
        await self.settle_and_show()

    async def show_modal(self, args: str) -> None:
        """modal: show the open modal again, numbered afresh."""
        view = self.screen.top_view()
        if view is None:
            self.say("(no modal is open)")
            return
        self.screen.show_view(view, renumber=True)

    async def show_approval_channel(self, args: str) -> None:
        """channel: the approval channel's last messages."""
        if self.approval_channel is None:
            raise ConsoleError("the demo has no approval channel configured")
        self.screen.show_channel(self.approval_channel)

    async def show_dm(self, args: str) -> None:
        """dm: the acting person's direct messages from the app."""
        dm = self.slack.im_channel(self.acting.slack_id)
        if dm is None:
            self.say("(the app has not sent you a DM)")
            return
        self.screen.show_channel(dm)

    async def open_home(self, args: str) -> None:
        """home: Slack sends app_home_opened, the app publishes a view."""
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
        await self.post(event, "event")
        await self.settle(expect_answer=False)
        await self.wait_until(lambda: self.slack.home_view(user_id) != before)
        home = self.slack.home_view(user_id)
        if home is None:
            self.say("(the app has no Home tab for you)")
            return
        self.screen.show_view(home, renumber=True)

    async def wait(self, args: str) -> None:
        """wait [SECONDS]: wait for the app's next Web API call, then show what changed."""
        try:
            seconds = float(args) if args else self.settle_seconds
        except ValueError:
            raise ConsoleError(f"{args!r} is not a number of seconds") from None
        await self.slack.settle(
            quiet_seconds=QUIET_SECONDS,
            first_call_seconds=seconds,
            timeout_seconds=seconds + self.settle_seconds,
        )
        if self.screen.has_visible_change():
            self.screen.show_updates()
        else:
            self.say("(nothing new)")

    async def switch(self, args: str) -> None:
        """as NAME: act as another demo user."""
        wanted = args.strip().lower()
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
        raise ConsoleError(f"no demo user called {args!r}; try one of: {known}")

    async def list_users(self, args: str) -> None:
        """users: the demo users, the acting one marked."""
        for user in self.users:
            mark = "→" if user == self.acting else " "
            self.say(f" {mark} {user.label}  <{user.email}>  {user.slack_id}")

    async def help(self, args: str) -> None:
        """help: the list of commands."""
        self.say(HELP)
