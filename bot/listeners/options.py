"""Options for the "Add handlers" picker: RingCentral users matching what was typed."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.container import Container
from bot.views import ids
from bot.views.modals import user_option

logger = logging.getLogger(__name__)

MAX_OPTIONS = 50


def register(app: AsyncApp) -> None:
    app.options(ids.ADD_ACTION)(on_user_search)


async def on_user_search(ack: AsyncAck, body: dict[str, Any], services: Container) -> None:
    """Users by name, extension number or email; those who cannot be added say why."""
    query = str(body.get("value") or "")
    try:
        choices = await services.people.search(query=query, limit=MAX_OPTIONS)
    except Exception:
        # Slack shows "no results"; the picker stays usable for the next keystroke.
        logger.exception("searching RingCentral users for %r failed", query)
        await ack(options=[])
        return
    await ack(options=[user_option(c.user, problem=c.problem).to_dict() for c in choices])
