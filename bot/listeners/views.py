"""Modal submissions: send a change request, approve a request."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.background import BackgroundTasks
from bot.domain import ChangeRequest
from bot.errors import SmsHandlersError
from bot.listeners.actions import actor_of
from bot.listeners.replies import after_ack, update_view, user_id_of
from bot.listeners.state import input_text, selected_values
from bot.services.requests import ChangeDraft, InvalidRequestError, RequestField, RequestService
from bot.slackapi.users import SlackUsers
from bot.views import ids
from bot.views.modals import RequestModalMetadata
from bot.views.requests import (
    GENERIC_APOLOGY,
    approving_modal,
    decided_modal,
    problem_modal,
    sent_modal,
    still_checking_modal,
)

logger = logging.getLogger(__name__)

# Slack waits 3 s for the answer to a submission; past this, the request finishes in the
# background and the modal says so.
SUBMIT_BUDGET_SECONDS = 2.2

FIELD_BLOCKS = {
    RequestField.ADD: ids.ADD_BLOCK,
    RequestField.REMOVE: ids.REMOVE_BLOCK,
    RequestField.REMOVE_ALL: ids.REMOVE_ALL_BLOCK,
    RequestField.REASON: ids.REASON_BLOCK,
}


def register(
    app: AsyncApp,
    *,
    requests: RequestService,
    slack_users: SlackUsers,
    approval_channel: str | None,
    tasks: BackgroundTasks,
) -> None:
    """The request and review modals' submissions, handled by `requests`."""

    async def on_request_submitted(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """Validate against the live handlers: field errors, or the request stored and announced."""
        view = body["view"]
        try:
            draft = draft_from(view)
        except (KeyError, ValueError):
            await ack(
                response_action="update", view=problem_modal(title="Sorry", text=GENERIC_APOLOGY)
            )
            raise
        creating = asyncio.ensure_future(_create(requests, slack_users, body, draft))
        done, _ = await asyncio.wait({creating}, timeout=SUBMIT_BUDGET_SECONDS)
        if not done:
            await ack(response_action="update", view=still_checking_modal())
            after_ack(tasks, _finish_late(creating), body=body, client=client)
            return
        await ack(**_submission_answer(body, creating, approval_channel=approval_channel))

    async def on_review_submitted(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """Approve: answer with an "Applying…" modal, then show the outcome in it.

        The outcome is in the approval post and the requester's DM already; a modal that cannot
        be updated then is only logged, so it never claims that nothing was changed.
        """
        view = body["view"]
        request_id = int(view["private_metadata"])
        comment = input_text(view, ids.COMMENT_BLOCK, ids.COMMENT_ACTION)
        await ack(response_action="update", view=approving_modal(request_id))
        view_id = str(view["id"])

        async def approve() -> None:
            approver = await actor_of(slack_users, body)
            done = await requests.approve(request_id=request_id, approver=approver, comment=comment)
            try:
                await update_view(
                    client, view_id=view_id, view=decided_modal(done, title=f"Request #{done.id}")
                )
            except Exception:
                logger.exception("could not show the outcome of request #%s in its modal", done.id)

        after_ack(tasks, approve(), body=body, client=client, view_id=view_id)

    app.view(ids.REQUEST_MODAL)(on_request_submitted)
    app.view(ids.REVIEW_MODAL)(on_review_submitted)


def draft_from(view: dict[str, Any]) -> ChangeDraft:
    """What the requester entered in the request modal."""
    metadata = RequestModalMetadata.from_json(view["private_metadata"])
    add = selected_values(view, ids.ADD_BLOCK, ids.ADD_ACTION)
    add_me = ids.ADD_ME_VALUE in selected_values(view, ids.ADD_ME_BLOCK, ids.ADD_ME_ACTION)
    if add_me and metadata.requester_extension_id:
        add = (*add, metadata.requester_extension_id)
    confirmed = selected_values(view, ids.REMOVE_ALL_BLOCK, ids.REMOVE_ALL_ACTION)
    return ChangeDraft(
        resource_id=metadata.resource_id,
        add_ids=add,
        remove_ids=selected_values(view, ids.REMOVE_BLOCK, ids.REMOVE_ACTION),
        reason=input_text(view, ids.REASON_BLOCK, ids.REASON_ACTION) or "",
        remove_all_confirmed=ids.REMOVE_ALL_VALUE in confirmed,
    )


def _field_errors(view: dict[str, Any], error: InvalidRequestError) -> dict[str, str]:
    present = {block.get("block_id") for block in view.get("blocks", [])}
    errors: dict[str, str] = {}
    for field, message in error.problems.items():
        block_id = FIELD_BLOCKS[field]
        if block_id not in present:
            block_id = ids.ADD_BLOCK if field is not RequestField.REASON else ids.REASON_BLOCK
        errors[block_id] = message if block_id not in errors else f"{errors[block_id]} {message}"
    return errors


def _submission_answer(
    body: dict[str, Any], creating: asyncio.Future[ChangeRequest], *, approval_channel: str | None
) -> dict[str, Any]:
    """The ack of a request submission that finished in time: field errors, a problem, or sent."""
    error = creating.exception()
    if isinstance(error, InvalidRequestError):
        return {"response_action": "errors", "errors": _field_errors(body["view"], error)}
    if error is not None:
        text = str(error) if isinstance(error, SmsHandlersError) else GENERIC_APOLOGY
        if not isinstance(error, SmsHandlersError):
            logger.error(
                "creating a request for %s failed",
                user_id_of(body),
                exc_info=(type(error), error, error.__traceback__),
            )
        return {
            "response_action": "update",
            "view": problem_modal(title="Request not sent", text=text),
        }
    return {
        "response_action": "update",
        "view": sent_modal(creating.result(), channel=approval_channel),
    }


async def _create(
    requests: RequestService, slack_users: SlackUsers, body: dict[str, Any], draft: ChangeDraft
) -> ChangeRequest:
    requester = await actor_of(slack_users, body)
    return await requests.create(
        draft=draft, requester=requester, idempotency_key=f"view:{body['view']['id']}"
    )


async def _finish_late(creating: asyncio.Future[ChangeRequest]) -> None:
    # Errors (validation included) reach the requester by DM through after_ack's reporter.
    await creating
