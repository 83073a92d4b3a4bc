"""The workspace the Slack stand-in simulates: members, channels, messages, views, triggers.

It implements the Web API methods the app uses with Slack's answers and error codes and checks
every message and view against Block Kit's limits. SlackStandIn serves it over HTTP.
"""

from __future__ import annotations

import copy
import json
import re
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sms_handlers_sandbox.slack.blockkit import message_problems, view_problems
from sms_handlers_sandbox.slack.files import FileError, StandInFiles
from sms_handlers_sandbox.slack.objects import (
    BotIdentity,
    Clock,
    JsonDict,
    StandInChannel,
    StandInUser,
    StandInUsergroup,
    bot_message,
    full_view,
)
from sms_handlers_sandbox.slack.scopes import CONVERSATION_READ_SCOPE, header_value

JSON_ARGUMENTS = ("blocks", "attachments", "view", "metadata")
MAX_VIEW_STACK = 3
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_TOKEN = re.compile(r"(?<!\S)(?:https?://[^\s&]+|[@#][\w.-]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)")


@dataclass(frozen=True)
class SubmissionOutcome:
    """What Slack did with the app's answer to a view_submission."""

    action: str  # close, update, push, clear, errors or invalid
    errors: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


@dataclass
class _Trigger:
    user_id: str
    issued_at: float
    used: bool = False


@dataclass
class ResponseTarget:
    """Where a response_url's posts go: the channel, the user, the original message."""

    channel_id: str
    user_id: str
    message_ts: str | None
    issued_at: float
    uses: int = 0


class ApiError(Exception):
    """A Slack error answer: ok false, the code, and optional detail lines."""

    def __init__(
        self,
        error: str,
        *,
        messages: list[str] | None = None,
        errors: bool = False,
        prefixed: bool = True,
        fields: JsonDict | None = None,
    ) -> None:
        super().__init__(error)
        self.error = error
        self.messages = messages or []
        self.with_errors = errors
        self.prefix = "[ERROR] " if prefixed else ""
        self.fields = fields or {}

    def body(self) -> JsonDict:
        """The JSON body Slack answers with."""
        body: JsonDict = {"ok": False, "error": self.error, **self.fields}
        if self.with_errors:
            body["errors"] = list(self.messages)
        if self.messages:
            body["response_metadata"] = {"messages": [self.prefix + m for m in self.messages]}
        return body


def missing_scope(needed: str, granted: Iterable[str]) -> ApiError:
    """Slack's answer to a token without the scope a call needs."""
    return ApiError("missing_scope", fields={"needed": needed, "provided": header_value(granted)})


class Workspace:
    """One Slack workspace as the app sees it through the Web API."""

    def __init__(
        self, *, bot: BotIdentity, trigger_ttl_seconds: float, scopes: Iterable[str]
    ) -> None:
        self.bot = bot
        self.trigger_ttl_seconds = trigger_ttl_seconds
        self.scopes = list(scopes)  # granted to the bot token; may be changed while it runs
        # Messages' blocks are checked against Block Kit's rules (invalid_blocks); a load
        # benchmark turns it off, as it costs more than anything else the stand-in does.
        self.check_blocks = True
        self._clock = Clock()
        self._users: dict[str, StandInUser] = {}
        self._usergroups: dict[str, StandInUsergroup] = {}
        self._channels: dict[str, StandInChannel] = {}
        self._views: dict[str, JsonDict] = {}
        self._view_owner: dict[str, str] = {}
        self._stacks: dict[str, list[str]] = {}
        self._homes: dict[str, str] = {}
        self._triggers: dict[str, _Trigger] = {}
        self._response_targets: dict[str, ResponseTarget] = {}
        self.files = StandInFiles(
            bot=bot, clock=self._clock, share=self._share_file, check_channel=self._postable_channel
        )
        self.methods: dict[str, Callable[[JsonDict], JsonDict]] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "views.open": self._views_open,
            "views.update": self._views_update,
            "views.push": self._views_push,
            "views.publish": self._views_publish,
            "users.info": self._users_info,
            "users.lookupByEmail": self._users_lookup_by_email,
            "usergroups.list": self._usergroups_list,
            "usergroups.users.list": self._usergroups_users_list,
            "conversations.open": self._conversations_open,
            "conversations.info": self._conversations_info,
            "files.getUploadURLExternal": _file_errors(self.files.get_upload_url),
            "files.completeUploadExternal": _file_errors(self.files.complete_upload),
        }
        self.add_user(id=bot.bot_user_id, name=bot.bot_name, real_name=bot.bot_name, is_bot=True)

    # ----- workspace set-up ------------------------------------------------------------------

    def add_user(
        self,
        *,
        id: str,
        name: str,
        real_name: str,
        email: str | None = None,
        is_bot: bool = False,
        tz: str = "America/Los_Angeles",
    ) -> None:
        """Add a workspace member (users.info / users.lookupByEmail find them)."""
        self._users[id] = StandInUser(
            id=id, name=name, real_name=real_name, email=email, is_bot=is_bot, tz=tz
        )

    def add_usergroup(self, *, id: str, handle: str, users: list[str], name: str = "") -> None:
        """Add a user group such as @telephony-admins."""
        self._usergroups[id] = StandInUsergroup(id=id, handle=handle, users=list(users), name=name)

    def add_channel(
        self,
        *,
        id: str,
        name: str,
        is_member: bool = True,
        is_private: bool = False,
        is_archived: bool = False,
    ) -> None:
        """Add a channel; is_member=False makes posts to it fail with not_in_channel (and a
        private one the bot is not in invisible to it)."""
        self._channels[id] = StandInChannel(
            id=id, name=name, is_member=is_member, is_private=is_private, is_archived=is_archived
        )

    def typed_text(self, text: str, *, should_escape: bool = True) -> str:
        """Text typed in Slack as Slack sends it in a slash command.

        &, < and > always arrive as entities. With the command's should_escape on, @user,
        @group and #channel names of this workspace, e-mail addresses and web links arrive
        formatted: <@U123|name>, <!subteam^S123|@handle>, <#C123|name>, <mailto:a@b|a@b>, <url>.
        """
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        if not should_escape:
            return escaped
        users = {u.name.lower(): u.id for u in self._users.values()}
        groups = {g.handle.lower(): g.id for g in self._usergroups.values()}
        channels = {c.name.lower(): c.id for c in self._channels.values() if c.im_user is None}

        def token(match: re.Match[str]) -> str:
            word = match.group(0)
            if _EMAIL.fullmatch(word):
                return f"<mailto:{word}|{word}>"
            if word.startswith(("http://", "https://")):
                return f"<{word}>"
            name = word[1:].lower()
            if word.startswith("@") and name in users:
                return f"<@{users[name]}|{word[1:]}>"
            if word.startswith("@") and name in groups:
                return f"<!subteam^{groups[name]}|{word}>"
            if word.startswith("#") and name in channels:
                return f"<#{channels[name]}|{word[1:]}>"
            return word

        return _TOKEN.sub(token, escaped)

    def channel_ids(self) -> list[str]:
        """Every channel, DM and group DM id, in creation order."""
        return list(self._channels)

    def channel_name(self, channel_id: str) -> str:
        """The channel's name (directmessage for DMs), as interactive payloads carry it."""
        channel = self._channels.get(channel_id)
        if channel is None:
            raise KeyError(f"unknown channel {channel_id}")
        return "directmessage" if channel.im_user else channel.name

    def user(self, user_id: str) -> StandInUser:
        """A known member."""
        return self._users[user_id]

    # ----- what Slack gives the app ----------------------------------------------------------

    def new_trigger_id(self, user_id: str = "") -> str:
        """A trigger_id for the user's interaction, valid for trigger_ttl_seconds and once."""
        trigger_id = f"{int(time.time())}.{secrets.randbelow(10**10)}.{secrets.token_hex(16)}"
        self._triggers[trigger_id] = _Trigger(user_id=user_id, issued_at=time.monotonic())
        return trigger_id

    def add_response_target(
        self, *, channel_id: str, user_id: str, message_ts: str | None = None
    ) -> str:
        """Register where a new response_url's posts go; its key."""
        key = secrets.token_urlsafe(12)
        self._response_targets[key] = ResponseTarget(
            channel_id=channel_id,
            user_id=user_id,
            message_ts=message_ts,
            issued_at=time.monotonic(),
        )
        return key

    def response_target(self, key: str) -> ResponseTarget | None:
        """The target of a response_url key, if it was handed out."""
        return self._response_targets.get(key)

    # ----- what the user would see ------------------------------------------------------------

    def messages(self, channel: str) -> list[JsonDict]:
        """The channel's current messages in posting order; ephemeral ones carry visible_to."""
        found = self._channels.get(channel)
        return copy.deepcopy(found.messages) if found else []

    def im_channel(self, user_id: str) -> str | None:
        """The id of the app's DM with this user, once opened."""
        return next((c.id for c in self._channels.values() if c.im_user == user_id), None)

    def open_im(self, user_id: str) -> str:
        """The app's DM channel with the user, opened if needed (as the user opening the app)."""
        return (self._conversation_with([user_id]) or self._open_conversation([user_id])).id

    def views(self) -> dict[str, JsonDict]:
        """Every open view (modals on a stack, published Home views) by view id."""
        return copy.deepcopy(self._views)

    def modal_stack(self, user_id: str) -> list[JsonDict]:
        """The user's open modals, root first, top last."""
        return [copy.deepcopy(self._views[v]) for v in self._stacks.get(user_id, [])]

    def home_view(self, user_id: str) -> JsonDict | None:
        """The Home tab view published for the user."""
        view_id = self._homes.get(user_id)
        return copy.deepcopy(self._views[view_id]) if view_id else None

    # ----- what the Slack client does with the app's acknowledgements ---------------------------

    def set_view_state(self, view_id: str, block_id: str, action_id: str, value: JsonDict) -> None:
        """Record what the user entered in a view element (state.values[block][action])."""
        values = self._views[view_id]["state"]["values"]
        values.setdefault(block_id, {})[action_id] = copy.deepcopy(value)

    def close_view(self, user_id: str) -> JsonDict | None:
        """The user closes the top modal (the whole stack if clear_on_close); the closed view."""
        stack = self._stacks.get(user_id, [])
        if not stack:
            return None
        top = self._views[stack[-1]]
        self._drop(user_id, len(stack) - 1 if not top["clear_on_close"] else 0)
        return copy.deepcopy(top)

    def submission_outcome(
        self, *, view_id: str, body: JsonDict | None
    ) -> tuple[SubmissionOutcome, JsonDict | None]:
        """Apply the app's answer to a view_submission; the outcome and Slack's verdict on it.

        The verdict is None when there was nothing to answer (the view is not open).
        """
        user_id = self._view_owner.get(view_id, "")
        stack = self._stacks.get(user_id, [])
        if view_id not in stack:
            return SubmissionOutcome("invalid", problems=[f"view {view_id} is not open"]), None
        args = dict(body or {})
        action = args.get("response_action")
        try:
            outcome = self._apply(user_id, view_id, action, args)
        except ApiError as error:
            return SubmissionOutcome("invalid", problems=error.messages), error.body()
        return outcome, {"ok": True}

    def _apply(self, user_id: str, view_id: str, action: Any, args: JsonDict) -> SubmissionOutcome:
        if action == "errors":
            errors = args.get("errors")
            if not isinstance(errors, dict) or not errors:
                raise ApiError(
                    "invalid_arguments",
                    messages=["must provide a non-empty object [json-pointer:/errors]"],
                )
            inputs = {
                b.get("block_id")
                for b in self._views[view_id]["blocks"]
                if b.get("type") == "input"
            }
            problems = [
                f"{key!r} is not the block_id of an input block of the view "
                f"[json-pointer:/errors/{key}]"
                for key in errors
                if key not in inputs
            ]
            if problems:
                raise ApiError("invalid_arguments", messages=problems)
            return SubmissionOutcome("errors", errors={str(k): str(v) for k, v in errors.items()})
        if action in ("update", "push"):
            problems = view_problems(args.get("view"))
            if problems:
                raise ApiError("invalid_arguments", messages=problems)
            if action == "update":
                self._replace_view(view_id, args["view"])
            else:
                self._push(user_id, args["view"])
            return SubmissionOutcome(action)
        if action == "clear":
            self._drop(user_id, 0)
            return SubmissionOutcome("clear")
        if action is None:
            self._drop(user_id, self._stacks[user_id].index(view_id))
            return SubmissionOutcome("close")
        raise ApiError(
            "invalid_arguments",
            messages=[f"unknown response_action {action!r} [json-pointer:/response_action]"],
        )

    # ----- Web API methods --------------------------------------------------------------------

    def _auth_test(self, args: JsonDict) -> JsonDict:
        return {
            "ok": True,
            "url": f"https://{self.bot.team_domain}.slack.com/",
            "team": self.bot.team_name,
            "user": self.bot.bot_name,
            "team_id": self.bot.team_id,
            "user_id": self.bot.bot_user_id,
            "bot_id": self.bot.bot_id,
            "is_enterprise_install": False,
        }

    def _chat_post_message(self, args: JsonDict) -> JsonDict:
        channel = self._postable_channel(args.get("channel"))
        self._check_message(args)
        message = bot_message(self.bot, ts=self._clock.ts(), args=args)
        channel.messages.append(message)
        return {"ok": True, "channel": channel.id, "ts": message["ts"], "message": message}

    def _chat_post_ephemeral(self, args: JsonDict) -> JsonDict:
        channel = self._postable_channel(args.get("channel"))
        user_id = args.get("user")
        if user_id not in self._users:
            raise ApiError("user_not_found")
        self._check_message(args)
        message = bot_message(self.bot, ts=self._clock.ts(), args=args)
        message.update(is_ephemeral=True, visible_to=user_id)
        channel.messages.append(message)
        return {"ok": True, "message_ts": message["ts"]}

    def _chat_update(self, args: JsonDict) -> JsonDict:
        channel = self._channels.get(str(args.get("channel")))
        if channel is None:
            raise ApiError("channel_not_found")
        message = channel.find(str(args.get("ts")))
        if message is None:
            raise ApiError("message_not_found")
        if message.get("is_ephemeral"):
            raise ApiError("cant_update_message")
        self._check_message(args)
        updated = bot_message(self.bot, ts=message["ts"], args=args)
        if "blocks" not in args and "blocks" in message:
            updated["blocks"] = message["blocks"]
        updated["edited"] = {"user": self.bot.bot_id, "ts": self._clock.ts()}
        message.clear()
        message.update(updated)
        return {
            "ok": True,
            "channel": channel.id,
            "ts": message["ts"],
            "text": message["text"],
            "message": copy.deepcopy(message),
        }

    def _views_open(self, args: JsonDict) -> JsonDict:
        view = self._checked_view(args, kind="modal")
        trigger = self._use_trigger(args.get("trigger_id"))
        self._drop(trigger.user_id, 0)
        opened = self._push(trigger.user_id, view)
        return {"ok": True, "view": opened}

    def _views_push(self, args: JsonDict) -> JsonDict:
        view = self._checked_view(args, kind="modal")
        trigger = self._use_trigger(args.get("trigger_id"), consume=False)
        stack = self._stacks.get(trigger.user_id, [])
        if not stack:
            raise ApiError("invalid_arguments", messages=["no open view to push onto"])
        if len(stack) >= MAX_VIEW_STACK:
            raise ApiError("push_limit_reached")
        trigger.used = True
        return {"ok": True, "view": self._push(trigger.user_id, view)}

    def _views_update(self, args: JsonDict) -> JsonDict:
        view_id = args.get("view_id")
        if not view_id and args.get("external_id"):
            wanted = args["external_id"]
            view_id = next(
                (v for v, view in self._views.items() if view["external_id"] == wanted), None
            )
        if not view_id and not args.get("external_id"):
            raise ApiError("invalid_arguments", messages=["view_id or external_id is required"])
        current = self._views.get(str(view_id))
        if current is None:
            raise ApiError("not_found")
        expected_hash = args.get("hash")
        if expected_hash and expected_hash != current["hash"]:
            raise ApiError("hash_conflict")
        view = self._checked_view(args, kind=current["type"])
        return {"ok": True, "view": self._replace_view(current["id"], view)}

    def _views_publish(self, args: JsonDict) -> JsonDict:
        user_id = str(args.get("user_id"))
        if user_id not in self._users:
            raise ApiError("user_not_found")
        view = self._checked_view(args, kind="home")
        current_id = self._homes.get(user_id)
        if current_id is not None:
            expected_hash = args.get("hash")
            if expected_hash and expected_hash != self._views[current_id]["hash"]:
                raise ApiError("hash_conflict")
            return {"ok": True, "view": self._replace_view(current_id, view)}
        view_id = self._clock.ident("V")
        published = full_view(
            self.bot, view, view_id=view_id, root_view_id=view_id, previous_view_id=None
        )
        self._views[view_id] = published
        self._view_owner[view_id] = user_id
        self._homes[user_id] = view_id
        return {"ok": True, "view": copy.deepcopy(published)}

    def _users_info(self, args: JsonDict) -> JsonDict:
        found = self._users.get(str(args.get("user")))
        if found is None:
            raise ApiError("user_not_found")
        user = found.to_slack(self.bot.team_id)
        if "users:read.email" not in self.scopes:
            user["profile"].pop("email", None)  # Slack shows emails only with this scope
        return {"ok": True, "user": user}

    def _users_lookup_by_email(self, args: JsonDict) -> JsonDict:
        email = str(args.get("email", "")).lower()
        for found in self._users.values():
            if found.email is not None and found.email.lower() == email:
                return {"ok": True, "user": found.to_slack(self.bot.team_id)}
        raise ApiError("users_not_found")

    def _usergroups_list(self, args: JsonDict) -> JsonDict:
        include_users = _flag(args.get("include_users"))
        groups = [
            g.to_slack(self.bot.team_id, include_users=include_users)
            for g in self._usergroups.values()
        ]
        return {"ok": True, "usergroups": groups}

    def _usergroups_users_list(self, args: JsonDict) -> JsonDict:
        group = self._usergroups.get(str(args.get("usergroup")))
        if group is None:
            raise ApiError("no_such_subteam")
        return {"ok": True, "users": list(group.users)}

    def _conversations_open(self, args: JsonDict) -> JsonDict:
        if args.get("channel"):
            channel = self._channels.get(str(args["channel"]))
            if channel is None or (channel.im_user is None and not channel.members):
                raise ApiError("channel_not_found")
            return {"ok": True, "no_op": True, "already_open": True, "channel": {"id": channel.id}}
        user_ids = [u for u in str(args.get("users") or "").split(",") if u]
        if not user_ids:
            raise ApiError("users_list_not_supplied")
        for user_id in user_ids:
            if user_id not in self._users:
                raise ApiError("user_not_found")
        existing = self._conversation_with(user_ids)
        channel = existing or self._open_conversation(user_ids)
        body: JsonDict = {"ok": True, "channel": {"id": channel.id}}
        if existing is not None:
            body.update(no_op=True, already_open=True)
        if _flag(args.get("return_im")):
            body["channel"].update(
                created=1700000000, is_im=channel.im_user is not None, user=channel.im_user
            )
        return body

    def _conversations_info(self, args: JsonDict) -> JsonDict:
        channel = self._channels.get(str(args.get("channel") or ""))
        if channel is None or (channel.kind == "private" and not channel.is_member):
            raise ApiError("channel_not_found")  # private channels are invisible to outsiders
        needed = CONVERSATION_READ_SCOPE[channel.kind]
        if needed not in self.scopes:
            raise missing_scope(needed, self.scopes)
        return {
            "ok": True,
            "channel": channel.to_slack(team_id=self.bot.team_id, creator=self.bot.bot_user_id),
        }

    # ----- helpers ----------------------------------------------------------------------------

    def _postable_channel(self, channel_id: Any) -> StandInChannel:
        channel_id = str(channel_id or "")
        if channel_id in self._users:
            existing = self._conversation_with([channel_id])
            return existing or self._open_conversation([channel_id])
        channel = self._channels.get(channel_id)
        if channel is None or (channel.kind == "private" and not channel.is_member):
            raise ApiError("channel_not_found")
        if not channel.is_member:
            raise ApiError("not_in_channel")
        if channel.is_archived:
            raise ApiError("is_archived")
        return channel

    def _share_file(
        self, channel_id: str, file: JsonDict, text: str | None, thread_ts: str | None
    ) -> None:
        """A shared file's message: the file, introduced by the upload's initial comment."""
        channel = self._postable_channel(channel_id)
        message = bot_message(self.bot, ts=self._clock.ts(), args={"text": text or ""})
        message.update(files=[file], upload=True)
        if thread_ts:
            message["thread_ts"] = thread_ts
        channel.messages.append(message)

    def _conversation_with(self, user_ids: list[str]) -> StandInChannel | None:
        for channel in self._channels.values():
            if len(user_ids) == 1 and channel.im_user == user_ids[0]:
                return channel
            if len(user_ids) > 1 and sorted(channel.members) == sorted(user_ids):
                return channel
        return None

    def _open_conversation(self, user_ids: list[str]) -> StandInChannel:
        if len(user_ids) == 1:
            channel = StandInChannel(
                id=self._clock.ident("D"), name=user_ids[0], im_user=user_ids[0]
            )
        else:
            channel = StandInChannel(
                id=self._clock.ident("G"), name="mpdm-" + "--".join(user_ids), members=user_ids
            )
        self._channels[channel.id] = channel
        return channel

    def _check_message(self, args: JsonDict) -> None:
        if not args.get("text") and not args.get("blocks") and not args.get("attachments"):
            raise ApiError("no_text")
        if "blocks" in args and self.check_blocks:
            problems = message_problems(args["blocks"])
            if problems:
                raise ApiError("invalid_blocks", messages=problems, errors=True)

    def _checked_view(self, args: JsonDict, *, kind: str) -> JsonDict:
        view = args.get("view")
        problems = view_problems(view)
        if problems:
            raise ApiError("invalid_arguments", messages=problems)
        assert isinstance(view, dict)
        if view.get("type") != kind:
            raise ApiError(
                "invalid_arguments", messages=[f"must be {kind} [json-pointer:/view/type]"]
            )
        return view

    def _use_trigger(self, trigger_id: Any, *, consume: bool = True) -> _Trigger:
        trigger = self._triggers.get(str(trigger_id or ""))
        if trigger is None:
            # Slack's documented answer for views.open carries this line without a prefix.
            raise ApiError("invalid_arguments", messages=["invalid `trigger_id`"], prefixed=False)
        if time.monotonic() - trigger.issued_at > self.trigger_ttl_seconds:
            raise ApiError("expired_trigger_id")
        if trigger.used:
            raise ApiError("exchanged_trigger_id")
        if consume:
            trigger.used = True
        return trigger

    def _push(self, user_id: str, view: JsonDict) -> JsonDict:
        stack = self._stacks.setdefault(user_id, [])
        view_id = self._clock.ident("V")
        root = stack[0] if stack else view_id
        opened = full_view(
            self.bot,
            view,
            view_id=view_id,
            root_view_id=root,
            previous_view_id=stack[-1] if stack else None,
        )
        self._views[view_id] = opened
        self._view_owner[view_id] = user_id
        stack.append(view_id)
        return copy.deepcopy(opened)

    def _replace_view(self, view_id: str, view: JsonDict) -> JsonDict:
        current = self._views[view_id]
        replaced = full_view(
            self.bot,
            view,
            view_id=view_id,
            root_view_id=current["root_view_id"],
            previous_view_id=current["previous_view_id"],
            state=current["state"]["values"],
        )
        self._views[view_id] = replaced
        return copy.deepcopy(replaced)

    def _drop(self, user_id: str, keep: int) -> None:
        """Close the user's modals above the first `keep` ones."""
        stack = self._stacks.get(user_id, [])
        for view_id in stack[keep:]:
            self._views.pop(view_id, None)
            self._view_owner.pop(view_id, None)
        del stack[keep:]

    def deliver_response(self, target: ResponseTarget, args: JsonDict) -> None:
        """Show a response_url post (or a command's synchronous answer) like Slack does."""
        channel = self._channels.get(target.channel_id)
        if channel is None:
            raise ApiError("channel_not_found")
        original = channel.find(target.message_ts) if target.message_ts else None
        if _flag(args.get("delete_original")):
            if original is None:
                raise ApiError("message_not_found")
            channel.messages.remove(original)
            return
        decode_json_arguments(args)
        self._check_message(args)
        if _flag(args.get("replace_original")) and original is not None:
            replaced = bot_message(self.bot, ts=original["ts"], args=args)
            for key in ("is_ephemeral", "visible_to"):
                if key in original:
                    replaced[key] = original[key]
            original.clear()
            original.update(replaced)
            return
        message = bot_message(self.bot, ts=self._clock.ts(), args=args)
        if args.get("response_type") != "in_channel":
            message.update(is_ephemeral=True, visible_to=target.user_id)
        channel.messages.append(message)


def decode_json_arguments(args: JsonDict) -> None:
    for key in JSON_ARGUMENTS:
        if isinstance(args.get(key), str):
            try:
                args[key] = json.loads(args[key])
            except ValueError as error:
                code = "invalid_blocks_format" if key == "blocks" else "invalid_arguments"
                raise ApiError(code, messages=[f"{key} is not valid JSON"]) from error


def _file_errors(method: Callable[[JsonDict], JsonDict]) -> Callable[[JsonDict], JsonDict]:
    """A files method answering its errors as Slack does."""

    def call(args: JsonDict) -> JsonDict:
        try:
            return method(args)
        except FileError as error:
            raise ApiError(error.error, messages=error.messages) from None

    return call


def _flag(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ("true", "1"))
