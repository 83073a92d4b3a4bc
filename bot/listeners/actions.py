"""Buttons: pick a candidate, Request change, History (Older / Newest), list paging, Review,
Cancel, Retry, and Reject inside the review modal."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.container import Container
from bot.listeners.answers import card, list_page
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
from bot.services.history import resource_history
from bot.services.requests import Actor, ReviewState
from bot.views import ids
from bot.views.history import HistoryCursor, history_modal
from bot.views.modals import (
    RequesterMatch,
    RequestModalInput,
    ReviewInput,
    loading_modal,
    request_modal,
    review_modal,
)
from bot.views.requests import decided_modal
from bot.views.resources import resource_warnings


def register(app: AsyncApp) -> None:
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


def _value(body: Body) -> str:
    return str(body["actions"][0].get("value", ""))


def _request_id(body: Body) -> int:
    return int(_value(body))


async def actor_of(services: Container, body: Body) -> Actor:
    """The acting Slack user with their real name."""
    profile = await services.slack_users.profile(user_id_of(body), fallback_name=user_name_of(body))
    return Actor(id=profile.id, name=profile.name)


def open_modal_then(
    services: Container,
    client: AsyncWebClient,
    body: Body,
    *,
    title: str,
    what: str,
    fill: Callable[[str], Awaitable[None]],
    check: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """In the background: `check` (its error answers ephemerally), open a loading modal with
    the trigger id at once, then `fill` it (its error shows in the modal)."""

    async def run() -> None:
        if check is not None:
            await check()
        loading = loading_modal(title=title, what=what)
        response = await client.views_open(trigger_id=body["trigger_id"], view=loading.to_dict())
        view_id = str(response["view"]["id"])
        try:
            await fill(view_id)
        except Exception as error:
            await report_error(error, body=body, client=client, view_id=view_id)

    after_ack(services, run(), body=body, client=client)


# -- resources -------------------------------------------------------------------------------


async def on_pick_resource(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, services: Container
) -> None:
    await ack()

    async def show() -> None:
        await reply(body, await card(services, resource_id=_value(body)), replace_original=True)

    after_ack(services, show(), body=body, client=client)


async def on_list_page(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, services: Container
) -> None:
    await ack()

    async def show() -> None:
        page = await list_page(services, page=int(_value(body)))
        await reply(body, page, replace_original=True)

    after_ack(services, show(), body=body, client=client)


async def on_request_change(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, services: Container
) -> None:
    """Open the modal within the trigger window, then fill it when RingCentral answered."""
    await ack()

    async def fill(view_id: str) -> None:
        await fill_request_modal(services, client, body=body, view_id=view_id)

    open_modal_then(
        services, client, body, title="Request change", what="the current handlers", fill=fill
    )


async def fill_request_modal(
    services: Container, client: AsyncWebClient, *, body: Body, view_id: str
) -> None:
    """Read the resource, its handlers and the requester's RingCentral user; show the form."""
    profile = await services.slack_users.profile(user_id_of(body), fallback_name=user_name_of(body))
    form = await services.requests.form(resource_id=_value(body), requester_email=profile.email)
    channel = body.get("channel") or {}
    data = RequestModalInput(
        resource=form.resource,
        handlers=form.handlers,
        requester=RequesterMatch(
            extension=form.me.user if form.me is not None else None,
            slack_email=profile.email,
            problem=form.me.problem if form.me is not None else None,
        ),
        warnings=resource_warnings(form.resource, form.feature),
        channel_id=channel.get("id"),
    )
    await update_view(client, view_id=view_id, view=request_modal(data))


async def on_show_history(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, services: Container
) -> None:
    await ack()
    cursor = HistoryCursor(resource_id=_value(body))

    async def fill(view_id: str) -> None:
        await show_history(services, client, cursor=cursor, view_id=view_id)

    open_modal_then(services, client, body, title="History", what="the history", fill=fill)


async def on_history_page(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, services: Container
) -> None:
    await ack()
    view_id = str(body["view"]["id"])
    cursor = HistoryCursor.from_value(_value(body))
    work = show_history(services, client, cursor=cursor, view_id=view_id)
    after_ack(services, work, body=body, client=client, view_id=view_id)


async def show_history(
    services: Container, client: AsyncWebClient, *, cursor: HistoryCursor, view_id: str
) -> None:
    """One page of a resource's history in the History modal."""
    resource = await services.directory.resource(resource_id=cursor.resource_id)
    page = await resource_history(
        database=services.database, resource_id=resource.id, before=cursor.before
    )
    view = history_modal(
        resource_name=resource.name,
        resource_id=resource.id,
        events=page.events,
        older=page.older,
        is_first_page=cursor.before is None,
    )
    await update_view(client, view_id=view_id, view=view)


# -- requests --------------------------------------------------------------------------------


async def on_review(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, services: Container
) -> None:
    """Refuse (ephemeral) when this person may not decide; else open the review modal."""
    await ack()
    reviewer_id = user_id_of(body)

    async def check() -> None:
        await services.requests.check_can_review(
            request_id=_request_id(body), reviewer_id=reviewer_id
        )

    async def fill(view_id: str) -> None:
        state = await services.requests.review(
            request_id=_request_id(body), reviewer_id=reviewer_id
        )
        await update_view(client, view_id=view_id, view=review_modal(review_input(state)))

    open_modal_then(
        services,
        client,
        body,
        title="Review request",
        what="the live handlers",
        fill=fill,
        check=check,
    )


def review_input(state: ReviewState) -> ReviewInput:
    """The review modal's data from the service's review state."""
    return ReviewInput(
        request=state.request,
        current=state.current,
        proposed=state.proposed,
        added_since=state.added_since,
        removed_since=state.removed_since,
        warnings=state.warnings,
    )


async def on_cancel(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, services: Container
) -> None:
    await ack()

    async def cancel() -> None:
        await services.requests.cancel(
            request_id=_request_id(body), user=await actor_of(services, body)
        )

    after_ack(services, cancel(), body=body, client=client)


async def on_retry(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, services: Container
) -> None:
    await ack()

    async def retry() -> None:
        await services.requests.retry(
            request_id=_request_id(body), approver=await actor_of(services, body)
        )

    after_ack(services, retry(), body=body, client=client)


async def on_reject(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, services: Container
) -> None:
    """Reject from inside the review modal, with the comment typed so far."""
    await ack()
    view_id = str(body["view"]["id"])
    comment = input_text(body["view"], ids.COMMENT_BLOCK, ids.COMMENT_ACTION)

    async def reject() -> None:
        rejected = await services.requests.reject(
            request_id=_request_id(body), approver=await actor_of(services, body), comment=comment
        )
        await update_view(client, view_id=view_id, view=decided_modal(rejected, title="Rejected"))

    after_ack(services, reject(), body=body, client=client, view_id=view_id)
