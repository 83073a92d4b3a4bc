"""Options for the "Add handlers" picker: RingCentral users matching what was typed."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.container import Container
from bot.views import ids
from bot.views.modals import RequestModalMetadata, user_option

logger = logging.getLogger(__name__)

MAX_OPTIONS = 50


def register(app: AsyncApp) -> None:
    app.options(ids.ADD_ACTION)(on_user_search)


async def on_user_search(ack: AsyncAck, body: dict[str, Any], services: Container) -> None:
    """Users by name, extension number or email; those who cannot be added say why."""
    query = str(body.get("value") or "")
    try:
        handlers = await _handlers_of_modal_resource(services, body)
        choices = await services.people.search(query=query, limit=MAX_OPTIONS, handlers=handlers)
    except Exception:
        # Slack shows "no results"; the picker stays usable for the next keystroke.
        logger.exception("searching RingCentral users for %r failed", query)
        await ack(options=[])
        return
    await ack(options=[user_option(c.user, problem=c.problem).to_dict() for c in choices])


async def _handlers_of_modal_resource(services: Container, body: dict[str, Any]) -> frozenset[str]:
    """Who handles SMS on the request modal's resource, as read when the modal was filled."""
    view = body.get("view") or {}
    if view.get("callback_id") != ids.REQUEST_MODAL:
        return frozenset()
    metadata = RequestModalMetadata.from_json(str(view.get("private_metadata") or ""))
    return await services.handlers.last_seen_ids(resource_id=metadata.resource_id)
