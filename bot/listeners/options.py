"""Options for the "Add handlers" picker: RingCentral users matching what was typed."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.services.browse import BrowseService
from bot.views import ids
from bot.views.modals import RequestModalMetadata, user_option

logger = logging.getLogger(__name__)

MAX_OPTIONS = 50


def register(app: AsyncApp, *, browse: BrowseService) -> None:
    """The picker's options, found by `browse`."""

    async def on_user_search(ack: AsyncAck, body: dict[str, Any]) -> None:
        """Users by name, extension number or email; those who cannot be added say why."""
        query = str(body.get("value") or "")
        try:
            choices = await browse.people_to_add(
                query=query, resource_id=_modal_resource_id(body), limit=MAX_OPTIONS
            )
        except Exception:
            # Slack shows "no results"; the picker stays usable for the next keystroke.
            logger.exception("searching RingCentral users for %r failed", query)
            await ack(options=[])
            return
        await ack(options=[user_option(c.user, problem=c.problem).to_dict() for c in choices])

    app.options(ids.ADD_ACTION)(on_user_search)


def _modal_resource_id(body: dict[str, Any]) -> str | None:
    """The resource of the request modal the picker is in (None in any other view)."""
    view = body.get("view") or {}
    if view.get("callback_id") != ids.REQUEST_MODAL:
        return None
    return RequestModalMetadata.from_json(str(view.get("private_metadata") or "")).resource_id
