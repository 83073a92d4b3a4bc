"""What a Slack payload carries back to the bot (button values, `private_metadata`, view ids),
checked before anything uses it.

Each reader returns the id or number, or raises MalformedPayloadError: a sentence the person can
act on (the listener shows it ephemerally or in the modal), with what was wrong kept for the log.
A payload the bot cannot read is never a traceback and never an HTTP 500.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot import inputs
from bot.errors import SmsHandlersError
from bot.services.export import ExportFormat
from bot.views.history import HistoryCursor
from bot.views.modals import RequestModalMetadata
from bot.views.temporary import ExtendMetadata

Body = Mapping[str, Any]

VALUE_MAX_LENGTH = 2000  # Slack's limit for a button's value

BUTTON_UNREADABLE = (
    "That button could not be read (it may belong to an older message), so nothing was done. "
    "Run /sms-handlers again for a fresh one."
)
FORM_UNREADABLE = (
    "This form could not be read (it may come from an older version of the app), so nothing "
    "was done. Close it and open it again."
)


class MalformedPayloadError(SmsHandlersError):
    """A button, form or menu sent something this version of the bot cannot read."""

    def __init__(self, message: str, *, problem: str) -> None:
        super().__init__(message)
        self.problem = problem

    @property
    def details(self) -> str:
        return f"{self} ({self.problem})"


def action_value(body: Body) -> str:
    """The `value` of the button that was pressed."""
    actions = body.get("actions")
    action = actions[0] if isinstance(actions, list) and actions else None
    if not isinstance(action, Mapping):
        raise MalformedPayloadError(BUTTON_UNREADABLE, problem="the payload names no action")
    value = action.get("value")
    if not isinstance(value, str) or len(value) > VALUE_MAX_LENGTH:
        raise MalformedPayloadError(
            BUTTON_UNREADABLE, problem=f"{action.get('action_id')!r:.60} has no usable value"
        )
    return value


def typed_text(body: Body) -> str:
    """What was typed in an input that dispatches its text (the search box on Home), stripped;
    empty when nothing was."""
    actions = body.get("actions")
    action = actions[0] if isinstance(actions, list) and actions else None
    if not isinstance(action, Mapping):
        raise MalformedPayloadError(BUTTON_UNREADABLE, problem="the payload names no action")
    value = action.get("value")
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > VALUE_MAX_LENGTH:
        raise MalformedPayloadError(
            "What you typed could not be read, so nothing was looked up. Type it again.",
            problem=f"{action.get('action_id')!r:.60} sent no usable text",
        )
    return value.strip()


def export_format_of(body: Body) -> ExportFormat:
    """The format an Export history button asks for."""
    value = action_value(body)
    try:
        return ExportFormat(value)
    except ValueError:
        raise MalformedPayloadError(
            BUTTON_UNREADABLE, problem=f"{value!r:.60} is not an export format"
        ) from None


def from_modal(body: Body) -> bool:
    """Whether the click came from inside a modal (not a message or the Home tab)."""
    view = body.get("view")
    return isinstance(view, Mapping) and view.get("type") == "modal"


def request_id_of(body: Body) -> int:
    """The change request a Review, Cancel, Retry or Reject button is for."""
    value = action_value(body)
    found = inputs.request_id(value)
    if found is None:
        raise MalformedPayloadError(BUTTON_UNREADABLE, problem=f"{value!r:.60} is not a request id")
    return found


def resource_id_of(body: Body) -> str:
    """The site or call queue a card's button is for."""
    value = action_value(body)
    if not inputs.is_ringcentral_id(value):
        raise MalformedPayloadError(
            BUTTON_UNREADABLE, problem=f"{value!r:.60} is not a RingCentral id"
        )
    return value


def list_page_of(body: Body) -> int:
    """The page a `list` paging button asks for."""
    value = action_value(body)
    page = inputs.whole_number(value, maximum=inputs.MAX_LIST_PAGE)
    if page is None:
        raise MalformedPayloadError(
            BUTTON_UNREADABLE, problem=f"{value!r:.60} is not a page number"
        )
    return page


def history_cursor_of(body: Body) -> HistoryCursor:
    """Where an Older or Newest button of the History modal starts."""
    try:
        return HistoryCursor.from_value(action_value(body))
    except ValueError as exc:
        raise MalformedPayloadError(
            "That history page could not be read, so nothing was shown. Open History again.",
            problem=str(exc),
        ) from None


def view_of(body: Body) -> Mapping[str, Any]:
    """The modal a submission or a button inside a modal came from."""
    view = body.get("view")
    if not isinstance(view, Mapping) or not isinstance(view.get("id"), str):
        raise MalformedPayloadError(FORM_UNREADABLE, problem="the payload names no view")
    return view


def view_id_of(body: Body) -> str:
    """The id of that modal, for `views.update`."""
    return str(view_of(body)["id"])


def review_request_id(view: Mapping[str, Any]) -> int:
    """The request a review modal decides (its `private_metadata`)."""
    raw = view.get("private_metadata")
    found = inputs.request_id(raw) if isinstance(raw, str) else None
    if found is None:
        raise MalformedPayloadError(
            FORM_UNREADABLE, problem=f"review metadata {raw!r:.60} is not a request id"
        )
    return found


def request_form_metadata(view: Mapping[str, Any]) -> RequestModalMetadata:
    """The resource (and the requester's own extension) a request modal is for."""
    try:
        return RequestModalMetadata.from_json(view.get("private_metadata"))
    except ValueError as exc:
        raise MalformedPayloadError(FORM_UNREADABLE, problem=str(exc)) from None


def extend_metadata(view: Mapping[str, Any]) -> ExtendMetadata:
    """The temporary change an Extend modal moves, the end it showed, the time zone used."""
    try:
        return ExtendMetadata.from_json(view.get("private_metadata"))
    except ValueError as exc:
        raise MalformedPayloadError(FORM_UNREADABLE, problem=str(exc)) from None
