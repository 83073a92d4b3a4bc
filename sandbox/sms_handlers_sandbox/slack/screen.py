"""What one person sees in the stand-in's Slack, printed as text with numbered elements."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TextIO

from sms_handlers_sandbox.slack.objects import JsonDict
from sms_handlers_sandbox.slack.render import MessageSource, Numbering, Renderer
from sms_handlers_sandbox.slack.server import SlackStandIn

RECENT_MESSAGES = 10


@dataclass
class _Seen:
    messages: dict[tuple[str, str], str] = field(default_factory=dict)
    view_hash: str | None = None


class Screen:
    """Tracks what each person has seen and shows them what is new: messages and the modal."""

    def __init__(self, *, slack: SlackStandIn, out: TextIO, renderer: Renderer) -> None:
        self.slack = slack
        self.out = out
        self.renderer = renderer
        self.user_id = ""
        self.numbering = Numbering()
        self.errors: dict[str, dict[str, str]] = {}
        self.rendered_calls = 0
        self._seen: dict[str, _Seen] = {}

    def say(self, text: str = "") -> None:
        """Write a line."""
        self.out.write(text + "\n")
        self.out.flush()

    def top_view(self) -> JsonDict | None:
        """The modal on top of the person's stack, if one is open."""
        stack = self.slack.modal_stack(self.user_id)
        return stack[-1] if stack else None

    def forget_view(self) -> None:
        """Show the modal again next time even if it did not change (e.g. new field errors)."""
        self._seen_now().view_hash = None

    def show_updates(self, *, only_if_changed: bool = False) -> None:
        """Show what changed for the person: new or edited messages and the open modal.

        With only_if_changed (the app did something in the background) nothing is printed
        unless a message or the modal changed for this person.
        """
        self.rendered_calls = len(self.slack.calls)
        seen = self._seen_now()
        changed = self._changed_messages()
        for channel_id, message, _edited in changed:
            seen.messages[(channel_id, message["ts"])] = json.dumps(message, sort_keys=True)
        view = self.top_view()
        view_changed = (view["hash"] if view else None) != seen.view_hash
        if only_if_changed and not changed and not view_changed:
            return
        if only_if_changed:
            self.say("(meanwhile)")
        self.numbering = Numbering()
        for channel_id, message, edited in changed:
            self.show_message(channel_id, message, edited=edited)
        if view is not None and changed and view["hash"] == seen.view_hash:
            # New messages under an unchanged modal: a reminder reads better than a reprint.
            title = self.renderer.text(view.get("title")) or "modal"
            self.say(f"(“{title}” is still open: `modal` shows it, `close` closes it)")
            self.say()
        elif view is not None:
            seen.view_hash = view["hash"]
            self.show_view(view)
        elif seen.view_hash is not None:
            seen.view_hash = None
            self.say("(the modal closed)")
        elif not changed:
            self.say("(nothing new)")

    def show_background_updates(self) -> None:
        """Show what the app did since the last rendering, if it concerns the person."""
        if len(self.slack.calls) != self.rendered_calls:
            self.show_updates(only_if_changed=True)

    def has_visible_change(self) -> bool:
        """Whether a message or the modal changed since the person last looked."""
        view = self.top_view()
        view_hash = view["hash"] if view else None
        return bool(self._changed_messages()) or view_hash != self._seen_now().view_hash

    def show_message(self, channel_id: str, message: JsonDict, *, edited: bool = False) -> None:
        """One message with a heading saying where it is and who sees it."""
        note = " — only visible to you" if message.get("is_ephemeral") else ""
        note += " (edited)" if edited else ""
        self.say(f"── {self.where(channel_id)}{note}")
        source = MessageSource(channel_id, message["ts"], bool(message.get("is_ephemeral")))
        for line in self.renderer.message(message, source=source, numbering=self.numbering):
            self.say("  " + line)
        self.say()

    def show_view(self, view: JsonDict, *, renumber: bool = False) -> None:
        """A modal or Home view, with field errors from the last submission."""
        if renumber:
            self.numbering = Numbering()
        errors = self.errors.get(view["id"], {})
        for line in self.renderer.view(view, numbering=self.numbering, errors=errors):
            self.say(line)
        self.say()

    def show_channel(self, channel_id: str, *, limit: int = RECENT_MESSAGES) -> None:
        """The last messages of a channel the person can see."""
        self.numbering = Numbering()
        visible = [m for m in self.slack.messages(channel_id) if self._visible(m)][-limit:]
        if not visible:
            self.say(f"({self.where(channel_id)} has no messages)")
        seen = self._seen_now()
        for message in visible:
            seen.messages[(channel_id, message["ts"])] = json.dumps(message, sort_keys=True)
            self.show_message(channel_id, message)

    def where(self, channel_id: str) -> str:
        """A channel as the person knows it: #name, or their DM with the app."""
        if channel_id == self.slack.im_channel(self.user_id):
            return "DM from the app"
        try:
            return "#" + self.slack.channel_name(channel_id)
        except KeyError:
            return channel_id

    def _seen_now(self) -> _Seen:
        return self._seen.setdefault(self.user_id, _Seen())

    def _visible(self, message: JsonDict) -> bool:
        return not message.get("is_ephemeral") or message.get("visible_to") == self.user_id

    def _channels(self) -> list[str]:
        mine = self.slack.im_channel(self.user_id)
        return [c for c in self.slack.channel_ids() if not c.startswith(("D", "G")) or c == mine]

    def _changed_messages(self) -> list[tuple[str, JsonDict, bool]]:
        """Messages the person has not seen in this form: (channel, message, edited)."""
        seen = self._seen_now()
        changed: list[tuple[str, JsonDict, bool]] = []
        for channel_id in self._channels():
            for message in self.slack.messages(channel_id)[-RECENT_MESSAGES:]:
                key = (channel_id, message["ts"])
                snapshot = json.dumps(message, sort_keys=True)
                if self._visible(message) and seen.messages.get(key) != snapshot:
                    changed.append((channel_id, message, key in seen.messages))
        return changed
