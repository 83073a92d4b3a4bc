"""Telling the person who acted: ephemeral replies, modal updates, error reports.

What a person is told about an error: an `SmsHandlersError`'s message (a sentence; a failure of
RingCentral or the database also carries a reference such as `(ref 7f3a9c)`, whose details are in
the log under the same reference), or a fixed apology for anything unexpected (the traceback goes
to the log). Never an exception's own text.
"""

from __future__ import annotations

import logging
from collections.abc import Coroutine, Mapping
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.background import BackgroundTasks
from bot.errors import ReferencedError, SmsHandlersError, log_text
from bot.request_scope import note_answered
from bot.views.common import Message
from bot.views.requests import GENERIC_APOLOGY, error_message, problem_modal

logger = logging.getLogger(__name__)

Body = Mapping[str, Any]
TRIGGER_ERRORS = frozenset({"expired_trigger_id", "invalid_trigger_id", "exchanged_trigger_id"})


def user_id_of(body: Body) -> str:
    """The Slack user who sent this command, click or submission."""
    user = body.get("user")
    if isinstance(user, Mapping):
        return str(user.get("id", ""))
    return str(body.get("user_id", ""))


def user_name_of(body: Body) -> str:
    """The username Slack put in the payload (a fallback for the real name)."""
    user = body.get("user")
    if isinstance(user, Mapping):
        return str(user.get("name") or user.get("username") or user.get("id", ""))
    return str(body.get("user_name") or body.get("user_id", ""))


def response_url_of(body: Body) -> str | None:
    """Where an ephemeral answer to this command or message click goes, if anywhere."""
    url = body.get("response_url")
    if url:
        return str(url)
    urls = body.get("response_urls") or []
    return str(urls[0]["response_url"]) if urls else None


async def reply(
    client: AsyncWebClient, body: Body, message: Message, *, replace_original: bool = False
) -> bool:
    """Answer through the payload's response_url (ephemeral); False when it has none.

    The post goes through `client`'s HTTP session (one for every Slack call, see
    bot.container.slack_client), so answers reuse connections instead of opening one each."""
    url = response_url_of(body)
    if url is None:
        return False
    webhook = AsyncWebhookClient(url, timeout=client.timeout, session=client.session)
    response = await webhook.send(
        text=message.fallback,
        blocks=message.blocks_as_dicts(),
        response_type="ephemeral",
        replace_original=replace_original,
    )
    if response.status_code != 200:
        logger.warning("response_url answered %s: %s", response.status_code, response.body)
        return False
    note_answered()
    return True


async def update_view(
    client: AsyncWebClient, *, view_id: str, view: View, hash: str | None = None
) -> None:
    """Replace an open modal; a modal the person closed meanwhile is not an error."""
    try:
        await client.views_update(view_id=view_id, view=view.to_dict(), hash=hash)
    except SlackApiError as exc:
        error = exc.response.get("error")
        if error in {"not_found", "hash_conflict"}:
            logger.info("modal %s was closed or changed before the update (%s)", view_id, error)
            return
        raise


async def report_error(
    error: BaseException, *, body: Body, client: AsyncWebClient, view_id: str | None = None
) -> None:
    """Tell the person what went wrong (see `explain`), in the modal, ephemerally or by DM."""
    text = explain(error, body=body)
    try:
        await _deliver(text, body=body, client=client, view_id=view_id)
    except Exception:
        logger.exception("could not tell %s about an error", user_id_of(body))


def explain(error: BaseException, *, body: Body) -> str:
    """What the person who acted reads about `error`; the log gets the details."""
    if isinstance(error, ReferencedError):
        logger.warning("%s from %s failed: %s", _describe(body), user_id_of(body), log_text(error))
        return str(error)
    if isinstance(error, SmsHandlersError):
        logger.info("refused for %s: %s", user_id_of(body), error.details)
        return str(error)
    if _slack_error(error) in TRIGGER_ERRORS:
        logger.warning("the trigger of %s expired before views.open", _describe(body))
        return "Slack stopped waiting for the form to open. Please click the button again."
    logger.error(
        "handling %s from %s failed",
        _describe(body),
        user_id_of(body),
        exc_info=(type(error), error, error.__traceback__),
    )
    return GENERIC_APOLOGY


async def _deliver(text: str, *, body: Body, client: AsyncWebClient, view_id: str | None) -> None:
    view = body.get("view")
    modal_id = view_id or (
        view.get("id") if isinstance(view, Mapping) and view.get("type") == "modal" else None
    )
    if modal_id:
        await update_view(
            client,
            view_id=str(modal_id),
            view=problem_modal(title="Sorry", text=text),
        )
        return
    if await reply(client, body, error_message(text)):
        return
    user_id = user_id_of(body)
    if user_id:
        opened = await client.conversations_open(users=user_id)
        message = error_message(text)
        await client.chat_postMessage(
            channel=opened["channel"]["id"], text=message.fallback, blocks=message.blocks_as_dicts()
        )


def _slack_error(error: BaseException) -> str | None:
    if isinstance(error, SlackApiError):
        code = error.response.get("error")
        return str(code) if code else None
    return None


def _describe(body: Body) -> str:
    kind = str(body.get("type") or ("command" if "command" in body else "request"))
    if "command" in body:
        return f"{kind} {body.get('command')} {body.get('text', '')!r:.200}"
    actions = body.get("actions")
    if isinstance(actions, list) and actions and isinstance(actions[0], Mapping):
        return f"{kind} {actions[0].get('action_id')!s:.100}"
    view = body.get("view")
    if isinstance(view, Mapping):
        return f"{kind} {view.get('callback_id')!s:.100}"
    return kind


def after_ack(
    tasks: BackgroundTasks,
    work: Coroutine[Any, Any, None],
    *,
    body: Body,
    client: AsyncWebClient,
    view_id: str | None = None,
) -> None:
    """Run `work` in a tracked background task; failures are reported to the person."""

    async def on_error(error: BaseException) -> None:
        await report_error(error, body=body, client=client, view_id=view_id)

    tasks.spawn(work, name=_describe(body), on_error=on_error)
