"""Fuzzed payloads, signed like Slack's, sent to the running app: button values, `private_metadata`
and `view.state` holding anything at all. Every one is answered (never an HTTP 500), nothing
unforeseen happens (no error logged, no traceback shown), and nothing changes in the database:
no request is created, decided or cancelled.

The examples are derandomized and few, so the run is the same every time and takes seconds.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from bot.views import ids
from sms_handlers_sandbox.slack_payloads import block_suggestion, view_submission
from tests.e2e.test_request_flow import SUPPORT, send_request
from tests.support.app_harness import APPROVALS, Harness, running_app, texts

FUZZ = settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
MISSING = object()  # the key is left out of the payload altogether

# Ids this account really has: a fuzzed value equal to one of them is a real choice, not a fuzz.
REAL_EXTENSION_IDS = {f"{n}" for n in range(1000, 7000)}

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
tricky_ids = st.sampled_from(
    [
        "1",
        "01",
        " 1",
        "1 ",
        "+1",
        "1.0",
        "١",
        "²",
        "0",
        "-1",
        "2147483648",
        "9" * 40,
        "4001",
        "main-site",
        "null",
        "[]",
        "{}",
        "<@U0ALEX>",
        "https://x.example/a",
        "../../etc/passwd",
        '{"r":"4001","b":"1"}',
        '{"r":"4001","b":"x"}',
        '{"r":"4001"}',
        '{"r":["4001"]}',
        '{"r":"4001","me":"6003","c":"C0GENERAL"}',
        "\x00",
        "a" * 3000,
    ]
)
id_like = st.one_of(
    tricky_ids, st.from_regex(r"-?[0-9]{1,25}", fullmatch=True), st.text(max_size=60)
)
metadata_objects = st.fixed_dictionaries(
    {},
    optional={
        "r": st.one_of(id_like, json_values),
        "me": st.one_of(id_like, json_values),
        "c": st.one_of(id_like, json_values),
        "b": st.one_of(id_like, json_values),
    },
).map(json.dumps)
# What a button's value or a modal's private_metadata may hold: text, or any JSON at all.
carried = st.one_of(id_like, metadata_objects, json_values, st.just(MISSING))


def element_state(field_values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """One input's entry in state.values: Slack's shape with fuzzed contents, or anything."""
    options = st.lists(
        st.one_of(st.fixed_dictionaries({"value": field_values}), json_values), max_size=4
    )
    return st.one_of(
        st.fixed_dictionaries({"type": st.just("plain_text_input"), "value": field_values}),
        st.fixed_dictionaries(
            {
                "type": st.just("multi_external_select"),
                "selected_options": st.one_of(options, json_values),
            }
        ),
        json_values,
    )


def state_of(
    blocks: dict[str, str], field_values: st.SearchStrategy[Any]
) -> st.SearchStrategy[Any]:
    """A fuzzed `view.state` over the given block_id → action_id inputs (or not a state at all)."""
    inputs = st.fixed_dictionaries(
        {},
        optional={
            b: st.fixed_dictionaries({}, optional={a: element_state(field_values)})
            for b, a in blocks.items()
        },
    )
    return st.one_of(st.fixed_dictionaries({"values": inputs}), json_values)


@dataclass
class Fuzzing:
    """The app with one pending request, and what the database held before any fuzzed payload."""

    app: Harness
    caplog: pytest.LogCaptureFixture
    before: tuple[Any, ...]
    post: dict[str, Any]

    async def send(self, payload: dict[str, Any], kind: str = "interactive") -> str:
        self.caplog.clear()  # each example is judged on its own log lines
        status, body = await self.app.post(payload, kind=kind)
        assert status == 200, (status, body, payload)
        await self.app.container.tasks.drain(timeout_seconds=20)
        return body

    async def assert_nothing_changed(self) -> None:
        assert await database_state(self.app) == self.before
        assert self.app.sandbox.sms_recipients(SUPPORT) == ["6001", "6002"]
        unforeseen = [r.getMessage() for r in self.caplog.records if r.levelno >= logging.ERROR]
        assert not unforeseen, unforeseen
        for channel in (APPROVALS, "C0GENERAL"):
            for message in self.app.slack.messages(channel):
                assert "Traceback" not in texts(message)


async def database_state(app: Harness) -> tuple[Any, ...]:
    async with app.container.database.session(read_only=True) as session:
        requests = await session.execute(
            text(
                "SELECT id, status, decided_by_id, decision_comment, reason, error_message "
                "FROM change_requests ORDER BY id"
            )
        )
        events = await session.execute(text("SELECT COUNT(*) FROM audit_events"))
        return (tuple(tuple(row) for row in requests), events.scalar_one())


@pytest.fixture
async def fuzzing(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> AsyncIterator[Fuzzing]:
    async with running_app(tmp_path) as app:
        post = await send_request(app, app.carla, add=["6004"])
        caplog.clear()
        yield Fuzzing(app=app, caplog=caplog, before=await database_state(app), post=post)


def with_value(action: dict[str, Any], value: Any) -> dict[str, Any]:
    changed = {k: v for k, v in action.items() if k != "value"}
    if value is not MISSING:
        changed["value"] = value
    return changed


BUTTONS = [
    ids.PICK_RESOURCE,
    ids.REQUEST_CHANGE,
    ids.SHOW_HISTORY,
    ids.LIST_PREVIOUS,
    ids.LIST_NEXT,
    ids.REVIEW_REQUEST,
    ids.CANCEL_REQUEST,
    ids.RETRY_REQUEST,
    ids.EXPORT_HISTORY_CSV,
    ids.EXPORT_HISTORY_JSON,
    ids.HOME_SEARCH,
]
MODAL_BUTTONS = [ids.HISTORY_OLDER, ids.HISTORY_NEWEST, ids.REJECT_REQUEST]


@FUZZ
@given(action_id=st.sampled_from(BUTTONS), value=carried)
async def test_fuzzed_button_values_in_messages(
    fuzzing: Fuzzing, action_id: str, value: Any
) -> None:
    # Nina, who may neither decide nor cancel: a value naming the real request is refused too.
    payload = fuzzing.app.click_payload(fuzzing.app.nina, ids.REVIEW_REQUEST, message=fuzzing.post)
    payload["actions"] = [with_value({**payload["actions"][0], "action_id": action_id}, value)]
    await fuzzing.send(payload)
    await fuzzing.assert_nothing_changed()


@FUZZ
@given(
    action_id=st.sampled_from(MODAL_BUTTONS),
    value=carried,
    state=state_of({ids.COMMENT_BLOCK: ids.COMMENT_ACTION}, json_values),
)
async def test_fuzzed_button_values_and_state_in_modals(
    fuzzing: Fuzzing, action_id: str, value: Any, state: Any
) -> None:
    app = fuzzing.app
    payload = app.click_payload(app.nina, ids.REVIEW_REQUEST, message=fuzzing.post)
    view = {
        "id": "V0FUZZ",
        "type": "modal",
        "callback_id": ids.REVIEW_MODAL,
        "state": state,
        "private_metadata": "1",
        "blocks": [],
    }
    payload.update(view=view, container={"type": "view", "view_id": "V0FUZZ"})
    payload["actions"] = [with_value({**payload["actions"][0], "action_id": action_id}, value)]
    await fuzzing.send(payload)
    await fuzzing.assert_nothing_changed()


@FUZZ
@given(
    metadata=carried,
    state=state_of({ids.COMMENT_BLOCK: ids.COMMENT_ACTION}, json_values),
    approver=st.booleans(),
)
async def test_fuzzed_review_submissions(
    fuzzing: Fuzzing, metadata: Any, state: Any, approver: bool
) -> None:
    app = fuzzing.app
    # An approver's submission names no request that exists; Nina's may name the real one.
    if approver and metadata is not MISSING and str(metadata).strip().lstrip("+0") == "1":
        metadata = "999"
    view: dict[str, Any] = {
        "id": "V0FUZZ",
        "type": "modal",
        "callback_id": ids.REVIEW_MODAL,
        "state": state,
        "blocks": [],
    }
    if metadata is not MISSING:
        view["private_metadata"] = metadata
    person = app.alex if approver else app.nina
    body = await fuzzing.send(view_submission(user=person.slack, view=view, trigger_id="1.2.3"))
    if body.strip():
        assert json.loads(body)["response_action"] in {"update", "errors"}
    await fuzzing.assert_nothing_changed()


REQUEST_INPUTS = {
    ids.ADD_BLOCK: ids.ADD_ACTION,
    ids.ADD_ME_BLOCK: ids.ADD_ME_ACTION,
    ids.REMOVE_BLOCK: ids.REMOVE_ACTION,
    ids.REMOVE_ALL_BLOCK: ids.REMOVE_ALL_ACTION,
    ids.REASON_BLOCK: ids.REASON_ACTION,
}
# Whatever else is fuzzed, the reason is blank or not text, so no request may ever be stored.
no_reason = st.one_of(
    st.just(""),
    st.just("   \n"),
    st.just("\x00"),
    st.none(),
    json_values.filter(lambda v: not isinstance(v, str)),
)
not_a_real_id = id_like.filter(lambda v: v not in REAL_EXTENSION_IDS)


@FUZZ
@given(
    metadata=carried,
    state=state_of(REQUEST_INPUTS, st.one_of(not_a_real_id, json_values)),
    reason=no_reason,
)
async def test_fuzzed_request_submissions(
    fuzzing: Fuzzing, metadata: Any, state: Any, reason: Any
) -> None:
    app = fuzzing.app
    if isinstance(state, dict) and isinstance(state.get("values"), dict):
        state["values"][ids.REASON_BLOCK] = {
            ids.REASON_ACTION: {"type": "plain_text_input", "value": reason}
        }
    view: dict[str, Any] = {
        "id": "V0FUZZ",
        "type": "modal",
        "callback_id": ids.REQUEST_MODAL,
        "state": state,
        "blocks": [],
    }
    if metadata is not MISSING:
        view["private_metadata"] = metadata
    await fuzzing.send(view_submission(user=app.nina.slack, view=view, trigger_id="1.2.3"))
    await fuzzing.assert_nothing_changed()


@FUZZ
@given(metadata=carried, typed=st.one_of(st.text(max_size=300), json_values))
async def test_fuzzed_user_searches(fuzzing: Fuzzing, metadata: Any, typed: Any) -> None:
    view: dict[str, Any] = {"id": "V0FUZZ", "type": "modal", "callback_id": ids.REQUEST_MODAL}
    if metadata is not MISSING:
        view["private_metadata"] = metadata
    payload = block_suggestion(
        user=fuzzing.app.nina.slack,
        action_id=ids.ADD_ACTION,
        block_id=ids.ADD_BLOCK,
        value="",
        view=view,
    )
    payload["value"] = typed
    body = await fuzzing.send(payload)
    assert isinstance(json.loads(body)["options"], list)
    await fuzzing.assert_nothing_changed()
