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
QUERY_MAX_LENGTH = 100  # nobody types more to find a person


def register(app: AsyncApp, *, browse: BrowseService) -> None:
    """The picker's options, found by `browse`."""

    async def on_user_search(ack: AsyncAck, body: dict[str, Any]) -> None:
        """Users by name, extension number or email; those who cannot be added say why."""
        typed = body.get("value")
        query = typed[:QUERY_MAX_LENGTH] if isinstance(typed, str) else ""
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
    """The resource of the request modal the picker is in (None in any other view, or when the
    modal's metadata cannot be read: the search then only lacks the "already a handler" marks)."""
    view = body.get("view")
    if not isinstance(view, dict) or view.get("callback_id") != ids.REQUEST_MODAL:
        return None
    try:
        return RequestModalMetadata.from_json(view.get("private_metadata")).resource_id
    except ValueError as exc:
        logger.warning("user search in a request modal with unreadable metadata: %s", exc)
        return None
