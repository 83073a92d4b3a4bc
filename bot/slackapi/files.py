"""Sending someone a file from the app: an export of the audit log, in their DM with the app.

`files_upload_v2` asks `files.getUploadURLExternal` for an upload URL, posts the bytes there,
then shares the file with `files.completeUploadExternal` (scope files:write; the old
`files.upload` is retired). The DM is opened with `conversations.open` (im:write).
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import ReferencedError

logger = logging.getLogger(__name__)

# Slack's answers that the person (or their workspace admin) can act on.
REFUSALS = {
    "file_uploads_disabled": "File uploads are turned off in this Slack workspace",
    "file_upload_size_restricted": "This workspace does not accept files this large",
    "storage_limit_reached": "This Slack workspace has used up its file storage",
}


class FileNotSentError(ReferencedError):
    """Slack did not take the file."""


async def send_file_to_user(
    client: AsyncWebClient,
    *,
    user_id: str,
    filename: str,
    content: bytes,
    title: str,
    comment: str,
) -> str:
    """Post the file in the person's DM with the app, introduced by `comment` (mrkdwn,
    escaped by the caller); the DM's channel id."""
    try:
        opened = await client.conversations_open(users=user_id)
        channel = str(opened["channel"]["id"])
        await client.files_upload_v2(
            channel=channel,
            content=content,
            filename=filename,
            title=title,
            initial_comment=comment,
        )
    except SlackApiError as exc:
        error = str(exc.response.get("error"))
        what = REFUSALS.get(error, "Slack did not accept the file")
        raise FileNotSentError(
            f"{what}, so the export could not be sent to you",
            advice="The app's administrators can write the same file on the server with "
            "`sms-handlers history --csv FILE`.",
            details=f"sending {filename} to {user_id}: Slack answered {error}",
        ) from None
    except SlackRequestError as exc:  # the upload URL refused the bytes
        raise FileNotSentError(
            "Slack did not accept the file, so the export could not be sent to you",
            advice="Try again in a minute.",
            details=f"sending {filename} to {user_id}: {exc}",
        ) from None
    return channel
