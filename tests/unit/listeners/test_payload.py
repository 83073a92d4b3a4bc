"""Ids read from Slack payloads: the expected ones, and a sentence for anything else."""

from __future__ import annotations

from typing import Any

import pytest

from bot.listeners import payload
from bot.listeners.payload import MalformedPayloadError
from bot.listeners.state import input_text, selected_values
from bot.services.export import ExportFormat
from bot.views.history import HistoryCursor
from bot.views.modals import RequestModalMetadata


def click(value: Any = "7", **action: Any) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "actions": [{"action_id": "review_request", "value": value, **action}],
    }


def test_the_ids_a_button_carries_are_read() -> None:
    assert payload.request_id_of(click("7")) == 7
    assert payload.resource_id_of(click("4001")) == "4001"
    assert payload.list_page_of(click("3")) == 3
    cursor = HistoryCursor(resource_id="4001", before="12")
    assert payload.history_cursor_of(click(cursor.to_value())) == cursor


@pytest.mark.parametrize(
    "body",
    [click("seven"), click(7), click(None), click("1" * 3000), {"actions": []}, {"actions": "x"},
     {"actions": ["7"]}, {}],
)  # fmt: skip
def test_a_button_without_a_request_id_is_refused_with_a_sentence(body: dict[str, Any]) -> None:
    with pytest.raises(MalformedPayloadError) as caught:
        payload.request_id_of(body)

    assert str(caught.value) == payload.BUTTON_UNREADABLE
    assert caught.value.problem in caught.value.details


@pytest.mark.parametrize("value", ["main-site", "../x", "<https://x.example|y>", ""])
def test_a_card_button_without_a_ringcentral_id_is_refused(value: str) -> None:
    with pytest.raises(MalformedPayloadError):
        payload.resource_id_of(click(value))


@pytest.mark.parametrize("value", ["0", "-1", "10001", "x"])
def test_a_page_out_of_bounds_is_refused(value: str) -> None:
    with pytest.raises(MalformedPayloadError):
        payload.list_page_of(click(value))


@pytest.mark.parametrize(
    "value", ["", "[]", "null", '{"b": "1"}', '{"r": 4001}', '{"r": "4001", "b": 12}']
)
def test_a_history_cursor_that_cannot_be_read_is_refused(value: str) -> None:
    with pytest.raises(MalformedPayloadError, match="Open History again"):
        payload.history_cursor_of(click(value))


@pytest.mark.parametrize("metadata", ["1", "99"])
def test_a_review_modal_names_its_request(metadata: str) -> None:
    assert payload.review_request_id({"private_metadata": metadata}) == int(metadata)


@pytest.mark.parametrize("metadata", [None, 1, "", "x", "0", "1e3", '{"id": 1}'])
def test_a_review_modal_without_a_request_id_is_refused(metadata: object) -> None:
    with pytest.raises(MalformedPayloadError) as caught:
        payload.review_request_id({"private_metadata": metadata})
    assert str(caught.value) == payload.FORM_UNREADABLE


def test_a_request_form_names_its_resource() -> None:
    metadata = RequestModalMetadata(
        resource_id="4001", requester_extension_id="6003", channel_id="C0G"
    )
    view = {"private_metadata": metadata.to_json()}
    assert payload.request_form_metadata(view) == metadata


@pytest.mark.parametrize(
    "raw",
    [None, "", "x", "[]", '{"r": 4001}', '{"r": "x"}', '{"r": "4001", "me": 6003}',
     '{"r": "4001", "c": "<#C0>"}', '{"r": "4001", "pad": "' + "x" * 3000 + '"}'],
)  # fmt: skip
def test_a_request_form_whose_metadata_cannot_be_read_is_refused(raw: object) -> None:
    with pytest.raises(MalformedPayloadError, match="This form could not be read"):
        payload.request_form_metadata({"private_metadata": raw})


def test_a_view_must_have_an_id() -> None:
    assert payload.view_id_of({"view": {"id": "V1"}}) == "V1"
    for body in ({}, {"view": "V1"}, {"view": {"id": 5}}):
        with pytest.raises(MalformedPayloadError):
            payload.view_of(body)


def state(block: str, action: str, element: Any) -> dict[str, Any]:
    return {"state": {"values": {block: {action: element}}}}


def test_state_readers_take_only_what_has_slacks_shape() -> None:
    assert input_text(state("b", "a", {"value": "hi"}), "b", "a") == "hi"
    for element in ({"value": 5}, {"value": ["hi"]}, "hi", None, {"value": ""}):
        assert input_text(state("b", "a", element), "b", "a") is None
    assert input_text({"state": "x"}, "b", "a") is None
    options = {
        "selected_options": [{"value": "1"}, "2", {"value": 3}, {"text": "x"}, {"value": "4"}]
    }
    assert selected_values(state("b", "a", options), "b", "a") == ("1", "4")
    assert selected_values(state("b", "a", {"selected_options": "1"}), "b", "a") == ()
    assert selected_values({"state": {"values": []}}, "b", "a") == ()


def test_what_was_typed_in_the_search_box_is_read_stripped() -> None:
    assert payload.typed_text(click("  support  ")) == "support"
    assert payload.typed_text(click(None)) == ""  # Enter in an empty box
    for body in (click(7), click(["x"]), click("x" * 3000), {"actions": []}):
        with pytest.raises(MalformedPayloadError):
            payload.typed_text(body)


def test_an_export_button_names_its_format() -> None:
    assert payload.export_format_of(click("csv")) is ExportFormat.CSV
    assert payload.export_format_of(click("json")) is ExportFormat.JSON
    with pytest.raises(MalformedPayloadError):
        payload.export_format_of(click("xlsx"))


def test_a_click_inside_a_modal_is_told_from_one_on_home_or_in_a_message() -> None:
    assert payload.from_modal({"view": {"id": "V1", "type": "modal"}})
    assert not payload.from_modal({"view": {"id": "V1", "type": "home"}})
    assert not payload.from_modal({"channel": {"id": "C1"}})
