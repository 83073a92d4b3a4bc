"""`/sms-handlers`: help, list, who, offboard, export, history, and a resource lookup."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.background import BackgroundTasks
from bot.errors import SmsHandlersError
from bot.listeners.actions import actor_of, open_modal_then, send_export, show_history
from bot.listeners.queries import as_typed, export_query, person_query
from bot.listeners.replies import Body, after_ack, reply, update_view
from bot.services.browse import BrowseService, ResourceCard
from bot.services.export import ExportService
from bot.services.history import HistoryService
from bot.services.lookup import LookupResult
from bot.services.offboarding import OffboardingService
from bot.slackapi.users import SlackUsers
from bot.views import ids
from bot.views.history import HISTORY_USAGE, HistoryCursor, history_choices_modal
from bot.views.offboarding import OFFBOARD_USAGE, offboard_message
from bot.views.resources import (
    help_message,
    list_message,
    lookup_message,
    resource_card,
    who_message,
)

HELP_WORDS = frozenset({"", "help", "-h", "--help", "?"})


def register(
    app: AsyncApp,
    *,
    browse: BrowseService,
    exports: ExportService,
    history: HistoryService,
    offboarding: OffboardingService,
    slack_users: SlackUsers,
    tasks: BackgroundTasks,
) -> None:
    """The slash command, answered from `browse` (`exports` for `export`, `history` for
    `history`, `offboarding` for `offboard`)."""

    async def on_command(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
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
        if verb.lower() == "history":
            open_history(browse, history, tasks, client, body, rest)
            return
        if verb.lower() == "list" and not rest.strip():
            work = answer_list(browse, client, body)
        elif verb.lower() == "who":
            work = answer_who(browse, client, body, rest)
        elif verb.lower() == "offboard":
            work = answer_offboard(offboarding, slack_users, client, body, rest)
        elif verb.lower() == "export":
            work = answer_export(exports, client, body, rest)
        else:
            work = answer_lookup(browse, client, body, text)
        after_ack(tasks, work, body=body, client=client)

    app.command(ids.COMMAND)(on_command)


async def answer_lookup(
    browse: BrowseService, client: AsyncWebClient, body: Body, text: str
) -> None:
    """The card of the one resource the text names, the candidates, or the closest names."""
    found = await browse.lookup(query=as_typed(text))
    message = resource_card(found) if isinstance(found, ResourceCard) else lookup_message(found)
    await reply(client, body, message)


def open_history(
    browse: BrowseService,
    history: HistoryService,
    tasks: BackgroundTasks,
    client: AsyncWebClient,
    body: Body,
    text: str,
) -> None:
    """The History modal of the resource the text names, opened at once (the lookup may wait
    for RingCentral, the trigger id does not) and filled with its newest changes; the usage
    line (ephemeral) without a query; the candidates or closest names, each with a History
    button, unless it names one."""
    query = as_typed(text).strip()

    async def check() -> None:
        if not query:
            raise SmsHandlersError(HISTORY_USAGE)

    async def fill(view_id: str) -> None:
        found = await browse.resource_named(query=query)
        if isinstance(found, LookupResult):
            await update_view(client, view_id=view_id, view=history_choices_modal(found))
            return
        await show_history(
            history, client, cursor=HistoryCursor(resource_id=found.id), view_id=view_id
        )

    open_modal_then(
        tasks, client, body, title="History", what="the history", fill=fill, check=check
    )


async def answer_list(browse: BrowseService, client: AsyncWebClient, body: Body) -> None:
    """The first page of every resource."""
    await reply(client, body, list_message(await browse.list_page(page=1)))


async def answer_who(browse: BrowseService, client: AsyncWebClient, body: Body, text: str) -> None:
    """Where a person handles SMS; a first answer while the rest is checked, then the full one."""
    async for answer in browse.who(person_query(text)):
        await reply(client, body, who_message(answer))


async def answer_offboard(
    offboarding: OffboardingService,
    slack_users: SlackUsers,
    client: AsyncWebClient,
    body: Body,
    text: str,
) -> None:
    """One request removing a person from every resource they handle; a first answer while the
    handler lists not read lately are read."""
    if not text.strip():
        raise SmsHandlersError(OFFBOARD_USAGE)
    query = person_query(text)
    requester = await actor_of(slack_users, body)
    trigger = str(body.get("trigger_id") or "")
    key = f"offboard:{requester.id}:{trigger}" if trigger else None
    async for answer in offboarding.offboard(query, requester=requester, idempotency_key=key):
        await reply(client, body, offboard_message(answer))


async def answer_export(
    exports: ExportService, client: AsyncWebClient, body: Body, text: str
) -> None:
    """The history the filters pick, as a file sent to the approver who asked."""
    asked = export_query(text)
    await send_export(exports, client, body, selection=asked.selection, format=asked.format)
