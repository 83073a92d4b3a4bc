"""Modals: loading, request change, review, result. Inputs use the block ids in `ids`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    DividerBlock,
    ExternalDataMultiSelectElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticMultiSelectElement,
)
from slack_sdk.models.views import View

from bot.domain import ChangeRequest, ExtensionRef, Handler, UserExtension
from bot.inputs import is_ringcentral_id, is_slack_id
from bot.labels import extension_label, person_label, resource_title
from bot.services.end_times import is_time_zone
from bot.services.requests import (
    COMMENT_MAX_LENGTH,
    REASON_MAX_LENGTH,
    RequestForm,
    ReviewState,
)
from bot.views import ids
from bot.views.approvals import terms_line, waiting_line
from bot.views.common import (
    SECTION_TEXT_LIMIT,
    actions,
    bullet_lines,
    button,
    change_lines,
    context,
    json_object,
    modal_title,
    section,
    warning_blocks,
)
from bot.views.mrkdwn import escape, lines_within, person, slack_date, slack_user, truncate
from bot.views.offboarding import parts_text, requester_text
from bot.views.resources import handler_line, resource_warnings
from bot.views.temporary import asked_line, end_inputs, running_section

OPTION_TEXT_LIMIT = 75
MAX_STATIC_OPTIONS = 100
METADATA_MAX_LENGTH = 3000  # Slack's limit on private_metadata and button values is 2000-3000


def loading_modal(*, title: str, what: str) -> View:
    """Opened at once with the trigger id; replaced by `views.update` when the data is there."""
    return View(
        type="modal",
        callback_id=ids.LOADING_MODAL,
        title=modal_title(title),
        close=PlainTextObject(text="Cancel"),
        blocks=[section(f":hourglass_flowing_sand: Loading {escape(what)}…")],
    )


def message_modal(*, title: str, text: str, callback_id: str = ids.RESULT_MODAL) -> View:
    """A modal that only tells something (outcome, error); `text` must already be escaped."""
    return View(
        type="modal",
        callback_id=callback_id,
        title=modal_title(title),
        close=PlainTextObject(text="Close"),
        blocks=[section(text)],
    )


def user_option(user: UserExtension, *, problem: str | None = None) -> Option:
    """A RingCentral user as a select option (value: the extension id)."""
    parts = [user.name]
    if user.extension_number:
        parts.append(extension_label(user.extension_number))
    label = " · ".join(parts)
    if problem:
        suffix = f" — {problem}"
        label = truncate(label, OPTION_TEXT_LIMIT - len(suffix)) + suffix
    elif user.email:
        label = f"{label} · {user.email}"
    return Option(value=user.id, text=PlainTextObject(text=truncate(label, OPTION_TEXT_LIMIT)))


def handler_option(handler: Handler) -> Option:
    """A current handler as a select option (value: the extension id)."""
    label = handler.name
    if handler.extension_number:
        label += f" · {extension_label(handler.extension_number)}"
    return Option(value=handler.id, text=PlainTextObject(text=truncate(label, OPTION_TEXT_LIMIT)))


@dataclass(frozen=True)
class RequestModalMetadata:
    """What the request modal carries to its submission (in `private_metadata`)."""

    resource_id: str
    requester_extension_id: str | None = None
    channel_id: str | None = None
    time_zone: str | None = None  # the requester's, which the end's time picker shows

    def to_json(self) -> str:
        values = {"r": self.resource_id, "me": self.requester_extension_id, "c": self.channel_id}
        if self.time_zone is not None:
            values["tz"] = self.time_zone
        return json.dumps(values, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: object) -> RequestModalMetadata:
        """What `to_json` wrote; ValueError (saying what is wrong) for anything else."""
        data = json_object(raw, what="the request form's metadata", max_length=METADATA_MAX_LENGTH)
        resource_id, me, channel = data.get("r"), data.get("me"), data.get("c")
        zone = data.get("tz")
        if not is_ringcentral_id(resource_id):
            raise ValueError(f"the request form's resource id {resource_id!r:.40} is malformed")
        if not (me is None or is_ringcentral_id(me)):
            raise ValueError(f"the request form's own extension id {me!r:.40} is malformed")
        if not (channel is None or is_slack_id(channel)):
            raise ValueError(f"the request form's channel id {channel!r:.40} is malformed")
        if not (zone is None or is_time_zone(zone)):
            raise ValueError(f"the request form's time zone {zone!r:.40} is unknown")
        return cls(
            resource_id=resource_id,
            requester_extension_id=me,
            channel_id=channel,
            time_zone=zone,
        )


def _add_me_block(form: RequestForm, handler_ids: set[str]) -> Block:
    if form.me is None:
        email = f" ({escape(form.requester_email)})" if form.requester_email else ""
        return context(
            f"_Add me_ is not available: no RingCentral user has your Slack email{email}."
        )
    ext = form.me.user
    if ext.id in handler_ids:
        return context(f"You ({person(ext.name, ext.extension_number)}) already handle SMS here.")
    if form.me.problem:
        return context(
            f"_Add me_ is not available: your RingCentral user "
            f"{person(ext.name, ext.extension_number)} cannot become a handler "
            f"({escape(form.me.problem)})."
        )
    label = truncate(f"Add me: {person_label(ext.name, ext.extension_number)}", OPTION_TEXT_LIMIT)
    return InputBlock(
        block_id=ids.ADD_ME_BLOCK,
        label=PlainTextObject(text="Add yourself"),
        optional=True,
        element=CheckboxesElement(
            action_id=ids.ADD_ME_ACTION,
            options=[Option(value=ids.ADD_ME_VALUE, text=PlainTextObject(text=label))],
        ),
    )


def request_modal(form: RequestForm, *, channel_id: str | None = None) -> View:
    """The "Request change" modal: users to add, handlers to remove, reason."""
    resource = form.resource
    handler_ids = [r.id for r in form.handlers]
    current = bullet_lines([handler_line(r) for r in form.handlers], empty="_nobody_")
    blocks: list[Block] = [
        section(
            f"*{escape(resource_title(resource))}*\n*Current handlers*\n"
            + lines_within(current, SECTION_TEXT_LIMIT - 200)
        )
    ]
    blocks += warning_blocks(resource_warnings(resource, form.feature))
    blocks.append(
        InputBlock(
            block_id=ids.ADD_BLOCK,
            label=PlainTextObject(text="Add handlers"),
            hint=PlainTextObject(
                text="Search RingCentral users by name, extension number or email."
            ),
            optional=True,
            element=ExternalDataMultiSelectElement(
                action_id=ids.ADD_ACTION,
                placeholder=PlainTextObject(text="Name, extension or email"),
                min_query_length=1,
            ),
        )
    )
    blocks.append(_add_me_block(form, set(handler_ids)))
    if form.handlers:
        options = [handler_option(r) for r in form.handlers[:MAX_STATIC_OPTIONS]]
        blocks.append(
            InputBlock(
                block_id=ids.REMOVE_BLOCK,
                label=PlainTextObject(text="Remove handlers"),
                optional=True,
                element=StaticMultiSelectElement(
                    action_id=ids.REMOVE_ACTION,
                    placeholder=PlainTextObject(text="Current handlers"),
                    options=options,
                ),
            )
        )
        blocks.append(
            InputBlock(
                block_id=ids.REMOVE_ALL_BLOCK,
                label=PlainTextObject(text="Removing everyone?"),
                optional=True,
                element=CheckboxesElement(
                    action_id=ids.REMOVE_ALL_ACTION,
                    options=[
                        Option(
                            value=ids.REMOVE_ALL_VALUE,
                            text=PlainTextObject(text="Yes, leave nobody handling SMS here"),
                        )
                    ],
                ),
            )
        )
    blocks.append(
        InputBlock(
            block_id=ids.REASON_BLOCK,
            label=PlainTextObject(text="Reason"),
            hint=PlainTextObject(text="Approvers see this. Why is the change needed?"),
            element=PlainTextInputElement(
                action_id=ids.REASON_ACTION, multiline=True, max_length=REASON_MAX_LENGTH
            ),
        )
    )
    blocks += end_inputs(time_zone=form.time_zone, longest=form.longest)
    blocks.append(context("An approver reviews the request before anything changes."))
    metadata = RequestModalMetadata(
        resource_id=resource.id,
        requester_extension_id=(
            form.me.user.id if form.me is not None and not form.me.problem else None
        ),
        channel_id=channel_id,
        time_zone=form.time_zone if is_time_zone(form.time_zone) else None,
    )
    return View(
        type="modal",
        callback_id=ids.REQUEST_MODAL,
        title=modal_title("Request change"),
        submit=PlainTextObject(text="Send request"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=metadata.to_json(),
        blocks=blocks,
    )


def refs_lines(refs: Sequence[ExtensionRef], *, empty: str = "_nobody_") -> list[str]:
    """Extension references as escaped bullet lines."""
    return bullet_lines([person(r.name, r.extension_number) for r in refs], empty=empty)


def _change_text(request: ChangeRequest) -> str:
    return lines_within(change_lines(request.add, request.remove), 1500)


def _terms_blocks(request: ChangeRequest) -> list[Block]:
    """The rule the request is held to and, when it needs several approvals, who gave one."""
    blocks: list[Block] = []
    if request.approvals_required > 1 or request.approvals:
        blocks.append(section(waiting_line(request)))
    terms = terms_line(request)
    if terms is not None:
        blocks.append(context(terms))
    return blocks


def review_modal(state: ReviewState) -> View:
    """The approver's modal: the rule that applies and the approvals so far, live handlers,
    proposed list, changes since, warnings, comment."""
    request = state.request
    asked = asked_line(request)
    if request.is_offboarding:
        return _offboarding_review(request)
    blocks: list[Block] = [
        section(
            f"*{escape(request.resource_name)}* · {request.resource_type.label}\n"
            f"Requested by {slack_user(request.requester_id)} on {slack_date(request.created_at)}\n"
            f"*Change*\n{_change_text(request)}" + (f"\n{asked}" if asked else "")
        ),
        *_terms_blocks(request),
        section("*Reason*\n" + escape(truncate(request.reason, SECTION_TEXT_LIMIT - 20))),
        DividerBlock(),
        section(
            "*Current handlers (live from RingCentral)*\n"
            + lines_within(
                bullet_lines([handler_line(r) for r in state.current], empty="_nobody_"),
                SECTION_TEXT_LIMIT - 60,
            )
        ),
        section(
            "*After approval*\n" + lines_within(refs_lines(state.proposed), SECTION_TEXT_LIMIT - 30)
        ),
    ]
    if state.added_since or state.removed_since:
        changed = change_lines(state.added_since, state.removed_since)
        blocks.append(
            section(
                ":information_source: *Changed since the request was made*\n"
                + lines_within(changed, SECTION_TEXT_LIMIT - 80)
            )
        )
    if state.running:
        blocks.append(running_section(state.running))
    blocks += warning_blocks(state.warnings)
    return _review_view(request, blocks)


def _offboarding_review(request: ChangeRequest) -> View:
    """The review of an offboarding: the person, the rule, every resource (summed up beyond
    what one section holds), the reason, a comment."""
    blocks: list[Block] = [
        section(
            f"*Offboarding of {escape(request.resource_name)}*\n"
            f"Requested by {requester_text(request)} "
            f"on {slack_date(request.created_at)}\n"
            f"*Change*\n{_change_text(request)} on each resource below"
        ),
        *_terms_blocks(request),
        section("*Reason*\n" + escape(truncate(request.reason, SECTION_TEXT_LIMIT - 20))),
        DividerBlock(),
        section(parts_text(request)),
        context(
            "Approving removes them from every resource listed, one after the other: each is "
            "read live first, and where they no longer handle SMS nothing is sent. Each "
            "resource's outcome is shown and recorded on its own; a failed one can be retried."
        ),
    ]
    return _review_view(request, blocks)


def _review_view(request: ChangeRequest, blocks: list[Block]) -> View:
    blocks = list(blocks)
    blocks.append(
        InputBlock(
            block_id=ids.COMMENT_BLOCK,
            label=PlainTextObject(text="Comment"),
            optional=True,
            hint=PlainTextObject(text="Shown to the requester with your decision."),
            element=PlainTextInputElement(
                action_id=ids.COMMENT_ACTION, multiline=True, max_length=COMMENT_MAX_LENGTH
            ),
        )
    )
    blocks.append(
        actions(
            button(
                "Reject",
                action_id=ids.REJECT_REQUEST,
                value=str(request.id),
                style="danger",
            ),
            block_id=ids.REVIEW_ACTIONS_BLOCK,
        )
    )
    return View(
        type="modal",
        callback_id=ids.REVIEW_MODAL,
        title=modal_title(f"Review request #{request.id}"),
        submit=PlainTextObject(text="Approve"),
        close=PlainTextObject(text="Close"),
        private_metadata=str(request.id),
        blocks=blocks,
    )
