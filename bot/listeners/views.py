"""Modal submissions: send a change request, approve a request, extend a temporary change."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.background import BackgroundTasks
from bot.domain import ChangeRequest
from bot.errors import SmsHandlersError
from bot.listeners import payload
from bot.listeners.actions import actor_of, show_decision
from bot.listeners.payload import MalformedPayloadError
from bot.listeners.replies import after_ack, explain, update_view
from bot.listeners.state import (
    input_text,
    selected_date,
    selected_time,
    selected_value,
    selected_values,
)
from bot.services.end_times import EndChoice, EndField, InvalidEndError
from bot.services.requests import (
    ChangeDraft,
    InvalidRequestError,
    RequestField,
    RequestService,
    comment_problem,
)
from bot.services.temporary import TemporaryChanges
from bot.slackapi.users import SlackUsers
from bot.views import ids
from bot.views.modals import message_modal
from bot.views.requests import (
    approving_modal,
    extended_modal,
    problem_modal,
    sent_modal,
    still_checking_modal,
)

# Slack waits 3 s for the answer to a submission; past this, the request finishes in the
# background and the modal says so.
SUBMIT_BUDGET_SECONDS = 2.2

FIELD_BLOCKS = {
    RequestField.ADD: ids.ADD_BLOCK,
    RequestField.REMOVE: ids.REMOVE_BLOCK,
    RequestField.REMOVE_ALL: ids.REMOVE_ALL_BLOCK,
    RequestField.REASON: ids.REASON_BLOCK,
    RequestField.END_DATE: ids.END_DATE_BLOCK,
    RequestField.END_TIME: ids.END_TIME_BLOCK,
    RequestField.DURATION: ids.DURATION_BLOCK,
}
END_BLOCKS = {
    EndField.DATE: ids.END_DATE_BLOCK,
    EndField.TIME: ids.END_TIME_BLOCK,
    EndField.DURATION: ids.DURATION_BLOCK,
}


def register(
    app: AsyncApp,
    *,
    requests: RequestService,
    slack_users: SlackUsers,
    approval_channel: str | None,
    tasks: BackgroundTasks,
    temporary: TemporaryChanges,
) -> None:
    """The request and review modals' submissions, handled by `requests`; the Extend modal's,
    by `temporary`."""

    async def on_request_submitted(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """Validate against the live handlers: field errors, or the request stored and announced."""
        try:
            view = payload.view_of(body)
            draft = draft_from(view)
        except MalformedPayloadError as error:
            text = explain(error, body=body)
            await ack(response_action="update", view=problem_modal(title="Sorry", text=text))
            return
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

        A review modal that cannot be read is answered with a sentence, a comment over the limit
        with an error on its field; neither reaches the service."""
        try:
            view = payload.view_of(body)
            request_id = payload.review_request_id(view)
        except MalformedPayloadError as error:
            text = explain(error, body=body)
            await ack(response_action="update", view=problem_modal(title="Sorry", text=text))
            return
        comment = input_text(view, ids.COMMENT_BLOCK, ids.COMMENT_ACTION)
        problem = comment_problem(comment)
        if problem is not None:
            await ack(response_action="errors", errors={ids.COMMENT_BLOCK: problem})
            return
        try:  # answered in the ack, or the "Applying…" modal could replace the refusal
            await requests.check_end_to_come(request_id=request_id)
        except SmsHandlersError as refusal:
            text = explain(refusal, body=body)
            await ack(response_action="update", view=problem_modal(title="Not approved", text=text))
            return
        await ack(response_action="update", view=approving_modal(request_id))
        view_id = str(view["id"])

        async def approve() -> None:
            approver = await actor_of(slack_users, body)
            done = await requests.approve(request_id=request_id, approver=approver, comment=comment)
            await show_decision(client, view_id=view_id, request=done, title=f"Request #{done.id}")

        after_ack(tasks, approve(), body=body, client=client, view_id=view_id)

    async def on_extend_submitted(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """The new end: errors on their inputs, or the modal says until when it now runs."""
        try:
            view = payload.view_of(body)
            metadata = payload.extend_metadata(view)
        except MalformedPayloadError as error:
            text = explain(error, body=body)
            await ack(response_action="update", view=problem_modal(title="Sorry", text=text))
            return
        choice = end_choice(view, time_zone=metadata.time_zone)

        async def extend() -> ChangeRequest:
            user = await actor_of(slack_users, body)
            return await temporary.extend(
                request_id=metadata.request_id,
                user=user,
                choice=choice,
                seen_end=metadata.seen_end,
            )

        extending = asyncio.ensure_future(extend())
        done, _ = await asyncio.wait({extending}, timeout=SUBMIT_BUDGET_SECONDS)
        if not done:
            await ack(
                response_action="update",
                view=message_modal(title="Extending", text=":hourglass_flowing_sand: Extending…"),
            )
            view_id = str(view["id"])

            async def finish() -> None:
                extended = await extending
                await update_view(client, view_id=view_id, view=extended_modal(extended))

            after_ack(tasks, finish(), body=body, client=client, view_id=view_id)
            return
        failure = extending.exception()
        if isinstance(failure, InvalidEndError):
            errors = {END_BLOCKS[f]: message for f, message in failure.problems.items()}
            await ack(response_action="errors", errors=_present(view, errors))
        elif failure is not None:
            text = explain(failure, body=body)
            await ack(response_action="update", view=problem_modal(title="Not extended", text=text))
        else:
            await ack(response_action="update", view=extended_modal(extending.result()))

    app.view(ids.REQUEST_MODAL)(on_request_submitted)
    app.view(ids.REVIEW_MODAL)(on_review_submitted)
    app.view(ids.EXTEND_MODAL)(on_extend_submitted)


def end_choice(view: Mapping[str, Any], *, time_zone: str | None) -> EndChoice:
    """The end picked in a modal's date, time and length inputs (checked by the service)."""
    return EndChoice(
        date=selected_date(view, ids.END_DATE_BLOCK, ids.END_DATE_ACTION),
        time=selected_time(view, ids.END_TIME_BLOCK, ids.END_TIME_ACTION),
        time_zone=time_zone,
        duration=selected_value(view, ids.DURATION_BLOCK, ids.DURATION_ACTION),
    )


def _present(view: Mapping[str, Any], errors: dict[str, str]) -> dict[str, str]:
    """Errors on blocks the modal has (one it lacks goes on its end date input)."""
    present = {block.get("block_id") for block in view.get("blocks", [])}
    shown: dict[str, str] = {}
    for block_id, message in errors.items():
        target = block_id if block_id in present else ids.END_DATE_BLOCK
        shown[target] = f"{shown[target]} {message}" if target in shown else message
    return shown


def draft_from(view: Mapping[str, Any]) -> ChangeDraft:
    """What the requester entered in the request modal (MalformedPayloadError when its metadata
    cannot be read; the ids chosen are checked by the service)."""
    metadata = payload.request_form_metadata(view)
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
        end=end_choice(view, time_zone=metadata.time_zone),
    )


def _field_errors(view: Mapping[str, Any], error: InvalidRequestError) -> dict[str, str]:
    present = {block.get("block_id") for block in view.get("blocks", [])}
    errors: dict[str, str] = {}
    for field, message in error.problems.items():
        block_id = FIELD_BLOCKS[field]
        if block_id not in present:
            block_id = ids.ADD_BLOCK if field is not RequestField.REASON else ids.REASON_BLOCK
            if field in (RequestField.END_TIME, RequestField.DURATION):
                block_id = ids.END_DATE_BLOCK
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
        text = explain(error, body=body)
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
