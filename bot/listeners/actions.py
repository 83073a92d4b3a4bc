"""Buttons: pick a candidate, Request change, History (Older / Newest), list paging, Review,
Cancel, Retry, Reject inside the review modal, Extend / End now of a temporary change; on Home,
the search box and Export history."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.background import BackgroundTasks
from bot.domain import ChangeRequest
from bot.listeners import payload
from bot.listeners.replies import (
    Body,
    after_ack,
    reply,
    report_error,
    update_view,
    user_id_of,
    user_name_of,
)
from bot.listeners.state import input_text
from bot.services.browse import BrowseService
from bot.services.export import ExportFormat, ExportService, HistoryFilter
from bot.services.history import HistoryService
from bot.services.requests import Actor, RequestService
from bot.services.temporary import TemporaryChanges
from bot.slackapi.files import send_file_to_user
from bot.slackapi.users import SlackUsers
from bot.views import ids
from bot.views.history import (
    HistoryCursor,
    export_comment,
    export_sent_message,
    export_title,
    history_modal,
)
from bot.views.modals import loading_modal, request_modal, review_modal
from bot.views.requests import decided_modal
from bot.views.resources import list_message, resource_card, resource_modal
from bot.views.temporary import extend_modal

logger = logging.getLogger(__name__)


def register(
    app: AsyncApp,
    *,
    browse: BrowseService,
    requests: RequestService,
    history: HistoryService,
    exports: ExportService,
    slack_users: SlackUsers,
    tasks: BackgroundTasks,
    temporary: TemporaryChanges,
) -> None:
    """Every button, each answered from the one service it needs."""

    # -- resources ---------------------------------------------------------------------------

    async def on_pick_resource(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        """One of several candidates: its card, in place of the candidates (a message's, or
        the modal's when they were found from Home)."""
        await ack()

        async def show() -> None:
            card = await browse.card(resource_id=payload.resource_id_of(body))
            if payload.from_modal(body):
                view_id = payload.view_id_of(body)
                await update_view(client, view_id=view_id, view=resource_modal(card))
            else:
                await reply(client, body, resource_card(card), replace_original=True)

        after_ack(tasks, show(), body=body, client=client)

    async def on_home_search(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        """Enter in Home's search box: the resource's card (or the candidates) in a modal."""
        await ack()
        if _typed_nothing(body):
            return

        async def check() -> None:
            payload.typed_text(body)

        async def fill(view_id: str) -> None:
            found = await browse.lookup(query=payload.typed_text(body))
            await update_view(client, view_id=view_id, view=resource_modal(found))

        open_modal_then(
            tasks, client, body, title="SMS handlers", what="the resource", fill=fill, check=check
        )

    async def on_export(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        """Export history on Home: the whole audit log, sent to the approver as a file."""
        await ack()

        async def export() -> None:
            format = payload.export_format_of(body)
            await send_export(exports, client, body, selection=HistoryFilter(), format=format)

        after_ack(tasks, export(), body=body, client=client)

    async def on_list_page(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()

        async def show() -> None:
            listing = await browse.list_page(page=payload.list_page_of(body))
            await reply(client, body, list_message(listing), replace_original=True)

        after_ack(tasks, show(), body=body, client=client)

    async def on_request_change(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """Open the modal within the trigger window, then fill it when RingCentral answered."""
        await ack()

        async def check() -> None:
            payload.resource_id_of(body)

        async def fill(view_id: str) -> None:
            """The resource, its handlers and the requester's RingCentral user, in the form."""
            resource_id = payload.resource_id_of(body)
            profile = await slack_users.profile(user_id_of(body), fallback_name=user_name_of(body))
            form = await requests.form(
                resource_id=resource_id,
                requester_email=profile.email,
                time_zone=profile.time_zone,
            )
            channel = body.get("channel") or {}
            view = request_modal(form, channel_id=channel.get("id"))
            await update_view(client, view_id=view_id, view=view)

        open_modal_then(
            tasks,
            client,
            body,
            title="Request change",
            what="the current handlers",
            fill=fill,
            check=check,
        )

    async def on_show_history(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()

        async def check() -> None:
            payload.resource_id_of(body)

        async def fill(view_id: str) -> None:
            cursor = HistoryCursor(resource_id=payload.resource_id_of(body))
            await show_history(history, client, cursor=cursor, view_id=view_id)

        open_modal_then(
            tasks, client, body, title="History", what="the history", fill=fill, check=check
        )

    async def on_history_page(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()

        async def show() -> None:
            cursor = payload.history_cursor_of(body)
            await show_history(history, client, cursor=cursor, view_id=payload.view_id_of(body))

        after_ack(tasks, show(), body=body, client=client)

    # -- requests ----------------------------------------------------------------------------

    async def on_review(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        """Refuse (ephemeral) when this person may not decide; else open the review modal."""
        await ack()
        reviewer_id = user_id_of(body)

        async def check() -> None:
            await requests.check_can_review(
                request_id=payload.request_id_of(body), reviewer_id=reviewer_id
            )

        async def fill(view_id: str) -> None:
            state = await requests.review(
                request_id=payload.request_id_of(body), reviewer_id=reviewer_id
            )
            await update_view(client, view_id=view_id, view=review_modal(state))

        open_modal_then(
            tasks,
            client,
            body,
            title="Review request",
            what="the live handlers",
            fill=fill,
            check=check,
        )

    async def on_cancel(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()

        async def cancel() -> None:
            user = await actor_of(slack_users, body)
            await requests.cancel(request_id=payload.request_id_of(body), user=user)

        after_ack(tasks, cancel(), body=body, client=client)

    async def on_retry(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()

        async def retry() -> None:
            approver = await actor_of(slack_users, body)
            await requests.retry(request_id=payload.request_id_of(body), approver=approver)

        after_ack(tasks, retry(), body=body, client=client)

    async def on_reject(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        """Reject from inside the review modal, with the comment typed so far."""
        await ack()

        async def reject() -> None:
            view = payload.view_of(body)
            request_id = payload.request_id_of(body)
            comment = input_text(view, ids.COMMENT_BLOCK, ids.COMMENT_ACTION)
            approver = await actor_of(slack_users, body)
            rejected = await requests.reject(
                request_id=request_id, approver=approver, comment=comment
            )
            await show_decision(client, view_id=str(view["id"]), request=rejected, title="Rejected")

        after_ack(tasks, reject(), body=body, client=client)

    # -- temporary changes -------------------------------------------------------------------

    async def on_extend(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        """Refuse (ephemeral) when this person may not; else open the Extend modal."""
        await ack()

        async def check() -> None:
            await temporary.check_can_change(
                request_id=payload.request_id_of(body), user_id=user_id_of(body)
            )

        async def fill(view_id: str) -> None:
            user = await actor_of(slack_users, body)
            form = await temporary.extend_form(request_id=payload.request_id_of(body), user=user)
            await update_view(client, view_id=view_id, view=extend_modal(form))

        open_modal_then(
            tasks, client, body, title="Extend", what="the change", fill=fill, check=check
        )

    async def on_end_now(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        """End the change now; what its revert did is posted in its thread and DM."""
        await ack()

        async def end() -> None:
            user = await actor_of(slack_users, body)
            await temporary.end_now(request_id=payload.request_id_of(body), user=user)

        after_ack(tasks, end(), body=body, client=client)

    app.action(ids.PICK_RESOURCE)(on_pick_resource)
    app.action(ids.REQUEST_CHANGE)(on_request_change)
    app.action(ids.SHOW_HISTORY)(on_show_history)
    app.action(ids.HISTORY_OLDER)(on_history_page)
    app.action(ids.HISTORY_NEWEST)(on_history_page)
    app.action(ids.LIST_PREVIOUS)(on_list_page)
    app.action(ids.LIST_NEXT)(on_list_page)
    app.action(ids.REVIEW_REQUEST)(on_review)
    app.action(ids.CANCEL_REQUEST)(on_cancel)
    app.action(ids.RETRY_REQUEST)(on_retry)
    app.action(ids.REJECT_REQUEST)(on_reject)
    app.action(ids.HOME_SEARCH)(on_home_search)
    app.action(ids.EXPORT_HISTORY_CSV)(on_export)
    app.action(ids.EXPORT_HISTORY_JSON)(on_export)
    app.action(ids.EXTEND_TEMPORARY)(on_extend)
    app.action(ids.END_TEMPORARY)(on_end_now)


def _typed_nothing(body: Body) -> bool:
    """Enter in an empty search box: nothing to look up (and nothing to say)."""
    try:
        return not payload.typed_text(body)
    except payload.MalformedPayloadError:
        return False  # `check` says so


async def send_export(
    exports: ExportService,
    client: AsyncWebClient,
    body: Body,
    *,
    selection: HistoryFilter,
    format: ExportFormat,
) -> None:
    """The audit log (what `selection` picks) as a file in the person's DM with the app, and
    a line saying so where they asked (when they asked in a channel)."""
    user_id = user_id_of(body)
    export = await exports.export(user_id=user_id, selection=selection, format=format)
    await send_file_to_user(
        client,
        user_id=user_id,
        filename=export.filename,
        content=export.content,
        title=export_title(export),
        comment=export_comment(export),
    )
    await reply(client, body, export_sent_message(export))


async def actor_of(slack_users: SlackUsers, body: Body) -> Actor:
    """The acting Slack user with their real name."""
    profile = await slack_users.profile(user_id_of(body), fallback_name=user_name_of(body))
    return Actor(id=profile.id, name=profile.name, time_zone=profile.time_zone)


def open_modal_then(
    tasks: BackgroundTasks,
    client: AsyncWebClient,
    body: Body,
    *,
    title: str,
    what: str,
    fill: Callable[[str], Awaitable[None]],
    check: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """In the background: `check` (its error answers ephemerally), open a loading modal with
    the trigger id at once (on top of the modal the click came from, if any), then `fill` it
    (its error shows in the modal)."""

    async def run() -> None:
        if check is not None:
            await check()
        loading = loading_modal(title=title, what=what).to_dict()
        trigger_id = body["trigger_id"]
        if payload.from_modal(body):
            response = await client.views_push(trigger_id=trigger_id, view=loading)
        else:
            response = await client.views_open(trigger_id=trigger_id, view=loading)
        view_id = str(response["view"]["id"])
        try:
            await fill(view_id)
        except Exception as error:
            await report_error(error, body=body, client=client, view_id=view_id)

    after_ack(tasks, run(), body=body, client=client)


async def show_decision(
    client: AsyncWebClient, *, view_id: str, request: ChangeRequest, title: str
) -> None:
    """Show a decision's outcome in the approver's modal. The decision is made and the approval
    message says so whatever happens here, so a failure to show it is logged, not reported as
    something that went wrong with the decision."""
    try:
        await update_view(client, view_id=view_id, view=decided_modal(request, title=title))
    except Exception:
        logger.exception("could not show request #%s's outcome in modal %s", request.id, view_id)


async def show_history(
    history: HistoryService, client: AsyncWebClient, *, cursor: HistoryCursor, view_id: str
) -> None:
    """One page of a resource's history in the History modal."""
    found = await history.page(resource_id=cursor.resource_id, before=cursor.before)
    view = history_modal(found, is_first_page=cursor.before is None)
    await update_view(client, view_id=view_id, view=view)
