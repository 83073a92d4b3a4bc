"""`ChangeAlerts` over the Web API: each change made outside the bot, posted to
SMS_HANDLERS_DRIFT_CHANNEL (scope chat:write; the bot must be a member of the channel)."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.background import BackgroundTasks
from bot.domain import AuditEvent
from bot.views.drift import outside_change_message

logger = logging.getLogger(__name__)


class SlackChangeAlerts:
    """Posts a message for each `external_change` event, in the background."""

    def __init__(self, *, client: AsyncWebClient, channel: str, tasks: BackgroundTasks) -> None:
        self._client = client
        self._channel = channel
        self._tasks = tasks

    def announce(self, event: AuditEvent) -> None:
        self._tasks.spawn(
            self.post(event), name=f"drift message for event #{event.id}", on_error=_log_failure
        )

    async def post(self, event: AuditEvent) -> None:
        """Post the message now (Slack refusing it is logged)."""
        message = outside_change_message(event)
        try:
            await self._client.chat_postMessage(
                channel=self._channel, text=message.fallback, blocks=message.blocks_as_dicts()
            )
        except SlackApiError as exc:
            logger.error(
                "could not post the change made outside the bot (audit event #%s) to %s: %s",
                event.id,
                self._channel,
                exc.response.get("error"),
            )


async def _log_failure(error: BaseException) -> None:
    logger.error("posting a change made outside the bot failed", exc_info=error)
