"""Objects the Slack stand-in answers with, shaped like Slack's own.

See the captures in tests/fixtures/slack/payloads.
"""

from __future__ import annotations

import copy
import itertools
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sms_handlers_sandbox.slack.blockkit import ACTION_ELEMENTS

JsonDict = dict[str, Any]
CREATED = 1700000000  # when the stand-in's users, groups and channels were "created"


@dataclass(frozen=True)
class BotIdentity:
    """Who the app is in the stand-in's workspace."""

    team_id: str
    team_name: str
    team_domain: str
    app_id: str
    bot_id: str
    bot_user_id: str
    bot_name: str


@dataclass
class StandInUser:
    """A workspace member known to the stand-in."""

    id: str
    name: str
    real_name: str
    email: str | None = None
    is_bot: bool = False
    tz: str = "America/Los_Angeles"
    deleted: bool = False

    def to_slack(self, team_id: str) -> JsonDict:
        """The user object of users.info / users.lookupByEmail."""
        now = datetime.now(ZoneInfo(self.tz))
        offset = now.utcoffset()
        profile: JsonDict = {
            "avatar_hash": "standin",
            "status_text": "",
            "status_emoji": "",
            "real_name": self.real_name,
            "display_name": self.name,
            "real_name_normalized": self.real_name,
            "display_name_normalized": self.name,
            "team": team_id,
        }
        if self.email is not None:
            profile["email"] = self.email
        return {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "deleted": self.deleted,
            "color": "9f69e7",
            "real_name": self.real_name,
            "tz": self.tz,
            "tz_label": now.tzname() or self.tz,
            "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
            "profile": profile,
            "is_admin": False,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": self.is_bot,
            "updated": 1700000000,
            "is_app_user": False,
            "has_2fa": False,
        }


@dataclass
class StandInUsergroup:
    """A user group (`@handle`) and its members."""

    id: str
    handle: str
    users: list[str]
    name: str = ""

    def to_slack(self, team_id: str, *, include_users: bool) -> JsonDict:
        """The usergroup object of usergroups.list."""
        group: JsonDict = {
            "id": self.id,
            "team_id": team_id,
            "is_usergroup": True,
            "name": self.name or self.handle,
            "description": "",
            "handle": self.handle,
            "is_external": False,
            "date_create": 1700000000,
            "date_update": 1700000000,
            "date_delete": 0,
            "auto_type": None,
            "created_by": "",
            "updated_by": "",
            "deleted_by": None,
            "prefs": {"channels": [], "groups": []},
            "user_count": len(self.users),
        }
        if include_users:
            group["users"] = list(self.users)
        return group


@dataclass
class StandInChannel:
    """A channel, a DM (IM) or a group DM, with its messages in posting order."""

    id: str
    name: str
    is_member: bool = True
    im_user: str | None = None
    members: list[str] = field(default_factory=list)
    messages: list[JsonDict] = field(default_factory=list)
    is_private: bool = False
    is_archived: bool = False

    def find(self, ts: str) -> JsonDict | None:
        """The message with this ts, if still there."""
        return next((message for message in self.messages if message["ts"] == ts), None)

    @property
    def kind(self) -> str:
        """public, private, im or mpim."""
        if self.im_user is not None:
            return "im"
        if self.members:
            return "mpim"
        return "private" if self.is_private else "public"

    def to_slack(self, *, team_id: str, creator: str) -> JsonDict:
        """The conversation object of conversations.info, as the app's token sees it.

        Shapes of response_conversations_info.json (a channel) and of Slack's documented
        example for a 1:1 DM.
        """
        if self.im_user is not None:
            return {
                "id": self.id,
                "created": CREATED,
                "is_im": True,
                "is_org_shared": False,
                "user": self.im_user,
                "last_read": "0000000000.000000",
                "latest": None,
                "unread_count": 0,
                "unread_count_display": 0,
                "is_open": True,
                "priority": 0,
            }
        mpim = bool(self.members)
        return {
            "id": self.id,
            "name": self.name,
            "is_channel": not mpim,
            "is_group": False,
            "is_im": False,
            "is_mpim": mpim,
            "is_private": self.is_private or mpim,
            "created": CREATED,
            "is_archived": self.is_archived,
            "is_general": self.name == "general",
            "unlinked": 0,
            "name_normalized": self.name,
            "is_shared": False,
            "is_org_shared": False,
            "is_pending_ext_shared": False,
            "pending_shared": [],
            "context_team_id": team_id,
            "updated": CREATED * 1000,
            "parent_conversation": None,
            "creator": creator,
            "is_read_only": False,
            "is_thread_only": False,
            "is_non_threadable": False,
            "is_ext_shared": False,
            "shared_team_ids": [team_id],
            "pending_connected_team_ids": [],
            "is_member": self.is_member,
            "last_read": "0000000000.000000",
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
            "previous_names": [],
        }


class Clock:
    """Message timestamps and ids: unique, increasing, Slack-looking."""

    def __init__(self) -> None:
        self._sequence = itertools.count(1)

    def ts(self) -> str:
        """A message ts like 1700000000.000123 (unique within this stand-in)."""
        return f"{int(time.time())}.{next(self._sequence):06d}"

    def ident(self, prefix: str) -> str:
        """An id like V0000000012 (unique within this stand-in)."""
        return f"{prefix}{next(self._sequence):010d}"

    @staticmethod
    def view_hash() -> str:
        """A view hash like 1700000000.3wRYuk3R."""
        return f"{int(time.time())}.{secrets.token_hex(4)}"


def bot_message(bot: BotIdentity, *, ts: str, args: JsonDict) -> JsonDict:
    """The message object Slack stores for chat.postMessage (shape of chat.update's answer)."""
    message: JsonDict = {
        "bot_id": bot.bot_id,
        "type": "message",
        "text": args.get("text") or "",
        "user": bot.bot_user_id,
        "ts": ts,
        "app_id": bot.app_id,
        "team": bot.team_id,
        "bot_profile": {
            "id": bot.bot_id,
            "app_id": bot.app_id,
            "name": bot.bot_name,
            "deleted": False,
            "team_id": bot.team_id,
        },
    }
    for key in ("blocks", "attachments", "thread_ts", "metadata"):
        if args.get(key):
            message[key] = copy.deepcopy(args[key])
    if "blocks" in message:
        fill_generated_ids(message["blocks"])
    return message


def full_view(
    bot: BotIdentity,
    requested: JsonDict,
    *,
    view_id: str,
    root_view_id: str,
    previous_view_id: str | None,
    state: JsonDict | None = None,
) -> JsonDict:
    """The view object Slack stores and answers with after views.open / update / push / publish."""
    kind = requested.get("type", "modal")
    blocks = copy.deepcopy(requested.get("blocks") or [])
    fill_generated_ids(blocks)
    return {
        "id": view_id,
        "team_id": bot.team_id,
        "type": kind,
        "blocks": blocks,
        "private_metadata": requested.get("private_metadata") or "",
        "callback_id": requested.get("callback_id") or "",
        "state": {"values": kept_state(blocks, state)},
        "hash": Clock.view_hash(),
        "title": copy.deepcopy(requested.get("title")),
        "clear_on_close": bool(requested.get("clear_on_close", False)),
        "notify_on_close": bool(requested.get("notify_on_close", False)),
        "close": copy.deepcopy(requested.get("close")) if kind == "modal" else None,
        "submit": copy.deepcopy(requested.get("submit")) if kind == "modal" else None,
        "previous_view_id": previous_view_id,
        "root_view_id": root_view_id,
        "app_id": bot.app_id,
        "external_id": requested.get("external_id") or "",
        "app_installed_team_id": bot.team_id,
        "bot_id": bot.bot_id,
    }


def fill_generated_ids(blocks: list[JsonDict]) -> None:
    """Give blocks and interactive elements ids where the app left them out, as Slack does."""
    for block in blocks:
        if not isinstance(block, dict):
            continue
        block.setdefault("block_id", secrets.token_urlsafe(3))
        for element in block_elements(block):
            if element.get("type") in ACTION_ELEMENTS:
                element.setdefault("action_id", secrets.token_urlsafe(3))


def block_elements(block: JsonDict) -> list[JsonDict]:
    """The interactive elements of a block (accessory, input element, actions elements)."""
    found: list[Any] = []
    if block.get("type") == "actions":
        found = list(block.get("elements") or [])
    elif block.get("type") == "input":
        found = [block.get("element")]
    elif block.get("type") == "section":
        found = [block.get("accessory")]
    return [element for element in found if isinstance(element, dict)]


def kept_state(blocks: list[JsonDict], state: JsonDict | None) -> JsonDict:
    """The state values that survive a view update: same block_id, same action_id."""
    if not state:
        return {}
    kept: JsonDict = {}
    for block in blocks:
        block_id = str(block.get("block_id"))
        for element in block_elements(block):
            value = state.get(block_id, {}).get(element.get("action_id"))
            if value is not None:
                kept.setdefault(block_id, {})[element["action_id"]] = value
    return kept
