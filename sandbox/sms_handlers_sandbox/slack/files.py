"""Files the app uploads, as Slack's external upload flow takes them (scope files:write).

1. `files.getUploadURLExternal` (`filename`, `length`) answers an `upload_url` and a `file_id`;
2. the bytes are POSTed to the upload URL, raw or as multipart form data; 200 means received;
3. `files.completeUploadExternal` (`files`: a JSON array of `{"id", "title"}`, optional
   `channel_id` / `channels`, `initial_comment`, `thread_ts`) finishes the upload and shares the
   files where asked, in a message carrying them; without a channel a file stays private.

Answers and errors follow Slack's method reference (tests/fixtures/slack/payloads, files
`response_files_*.json`).
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sms_handlers_sandbox.slack.objects import BotIdentity, Clock, JsonDict

UPLOAD_PATH = "/upload/v1/"
MIME_TYPES = {"csv": "text/csv", "json": "application/json", "txt": "text/plain"}


class FileError(Exception):
    """A files method's error: Slack's code, and detail lines for invalid_arguments."""

    def __init__(self, error: str, *, messages: list[str] | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.messages = messages or []


@dataclass
class StandInFile:
    """One file: declared by getUploadURLExternal, filled by the upload, shared on completion."""

    id: str
    ticket: str
    name: str
    length: int
    created: int
    content: bytes | None = None  # None until the bytes were uploaded
    title: str | None = None
    completed: bool = False

    def to_slack(self, bot: BotIdentity) -> JsonDict:
        """The file object as a shared message carries it."""
        extension = self.name.rsplit(".", 1)[-1].lower() if "." in self.name else "text"
        size = len(self.content or b"")
        return {
            "id": self.id,
            "created": self.created,
            "timestamp": self.created,
            "name": self.name,
            "title": self.title or self.name,
            "mimetype": MIME_TYPES.get(extension, "application/octet-stream"),
            "filetype": extension,
            "user": bot.bot_user_id,
            "user_team": bot.team_id,
            "mode": "hosted",
            "is_external": False,
            "is_public": False,
            "size": size,
        }


Share = Callable[[str, JsonDict, str | None, str | None], None]


class StandInFiles:
    """The uploads of one workspace; `share(channel, file, comment, thread_ts)` posts a
    shared file's message (the workspace checks the channel)."""

    def __init__(
        self,
        *,
        bot: BotIdentity,
        clock: Clock,
        share: Share,
        check_channel: Callable[[str], object],
    ) -> None:
        self.bot = bot
        self._clock = clock
        self._share = share
        self._check_channel = check_channel
        self._files: dict[str, StandInFile] = {}
        self.base_url = "https://files.slack.com"  # the server sets its own loopback URL

    def file(self, file_id: str) -> StandInFile | None:
        """A file by id (tests read what was uploaded)."""
        return self._files.get(file_id)

    # ----- files.getUploadURLExternal ----------------------------------------------------------

    def get_upload_url(self, args: JsonDict) -> JsonDict:
        filename = args.get("filename")
        if not isinstance(filename, str) or not filename:
            raise FileError("invalid_arguments", messages=["missing required field: filename"])
        raw_length = args.get("length")
        if raw_length is None or raw_length == "":
            raise FileError("invalid_arguments", messages=["missing required field: length"])
        length = _integer(raw_length)
        if length is None:
            raise FileError(
                "invalid_arguments", messages=["must be an integer [json-pointer:/length]"]
            )
        if length < 1:
            raise FileError("missing_argument")  # Slack's answer to a length of 0
        file_id = self._clock.ident("F")
        ticket = secrets.token_urlsafe(24)
        self._files[file_id] = StandInFile(
            id=file_id, ticket=ticket, name=filename, length=length, created=int(time.time())
        )
        return {"ok": True, "upload_url": self.base_url + UPLOAD_PATH + ticket, "file_id": file_id}

    # ----- the upload URL ---------------------------------------------------------------------

    def receive(self, ticket: str, content: bytes) -> bool:
        """The bytes POSTed to an upload URL; False when the URL is unknown or already used."""
        found = next((f for f in self._files.values() if f.ticket == ticket), None)
        if found is None or found.content is not None:
            return False
        found.content = content
        return True

    # ----- files.completeUploadExternal -------------------------------------------------------

    def complete_upload(self, args: JsonDict) -> JsonDict:
        entries = _files_argument(args.get("files"))
        found: list[StandInFile] = []
        for entry in entries:
            file = self._files.get(str(entry.get("id")))
            if file is None or file.content is None:
                raise FileError("file_not_found")
            found.append(file)
        channels = [str(args["channel_id"])] if args.get("channel_id") else []
        channels += [c for c in str(args.get("channels") or "").split(",") if c]
        for channel in channels:
            self._check_channel(channel)
        for entry, file in zip(entries, found, strict=True):
            title = entry.get("title")
            file.title = str(title) if title else file.name
            file.completed = True
        comment = args.get("initial_comment")
        thread_ts = args.get("thread_ts")
        for channel in channels:
            for index, file in enumerate(found):
                text = str(comment) if comment and index == 0 else None
                self._share(channel, file.to_slack(self.bot), text, thread_ts or None)
        return {
            "ok": True,
            "files": [
                {"id": f.id, "title": f.title, "created": f.created, "user": self.bot.bot_user_id}
                for f in found
            ],
        }


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def _files_argument(raw: Any) -> list[JsonDict]:
    if raw is None or raw == "":
        raise FileError("invalid_arguments", messages=["missing required field: files"])
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise FileError("invalid_arguments", messages=["files is not valid JSON"]) from None
    if not isinstance(raw, list) or not raw:
        raise FileError(
            "invalid_arguments", messages=["must provide a non-empty array [json-pointer:/files]"]
        )
    entries: list[JsonDict] = []
    for index, entry in enumerate(raw):
        if not isinstance(entry, dict) or not entry.get("id"):
            raise FileError(
                "invalid_arguments",
                messages=[f"missing required field: id [json-pointer:/files/{index}]"],
            )
        entries.append(entry)
    return entries
