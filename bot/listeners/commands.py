"""`/sms-handlers`: help, list, who, and a resource lookup."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.container import Container
from bot.listeners.answers import as_typed, list_page, lookup, who_handles
from bot.listeners.replies import Body, after_ack, reply
from bot.views import ids
from bot.views.common import Message
from bot.views.resources import help_message

HELP_WORDS = frozenset({"", "help", "-h", "--help", "?"})


def register(app: AsyncApp) -> None:
    app.command(ids.COMMAND)(on_command)


async def on_command(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, services: Container
) -> None:
    """Answer at once for help; otherwise acknowledge and answer when RingCentral has."""
    text = str(body.get("text") or "").strip()  # as Slack formats it: entities, <@U…|name>
    verb, _, rest = text.partition(" ")
    if verb.lower() in HELP_WORDS:
        message = help_message()
        await ack(
            response_type="ephemeral", text=message.fallback, blocks=message.blocks_as_dicts()
        )
        return
    await ack()
    if verb.lower() == "list" and not rest.strip():
        work = _answer(body, list_page(services, page=1))
    elif verb.lower() == "who":
        work = who_handles(services, query=rest.strip(), send=lambda m: reply(body, m))
    else:
        work = _answer(body, lookup(services, query=as_typed(text)))
    after_ack(services, work, body=body, client=client)


async def _answer(body: Body, pending: Awaitable[Message]) -> None:
    await reply(body, await pending)
