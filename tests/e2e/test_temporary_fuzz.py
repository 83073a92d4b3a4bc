"""Fuzzed payloads for temporary changes, signed like Slack's, sent to the running app: Extend and
End now buttons, the Extend modal's metadata and inputs, and the request modal's end inputs
holding anything at all. Every one is answered, nothing unforeseen is logged, and the running
change, its end and the audit log stay as they were.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from bot.views import ids
from sms_handlers_sandbox.slack_payloads import view_submission
from tests.e2e.test_fuzz_payloads import (
    FUZZ,
    MISSING,
    carried,
    id_like,
    json_values,
    with_value,
)
from tests.e2e.test_temporary import DAN, SUPPORT, approve, ask, temporary_app
from tests.support.app_harness import Harness, MovingClock

END_INPUTS = {
    ids.END_DATE_BLOCK: (ids.END_DATE_ACTION, "datepicker", "selected_date"),
    ids.END_TIME_BLOCK: (ids.END_TIME_ACTION, "timepicker", "selected_time"),
    ids.DURATION_BLOCK: (ids.DURATION_ACTION, "static_select", "selected_option"),
}
picked = st.one_of(
    st.sampled_from(["2026-02-30", "2099-12-31", "1999-01-01", "24:00", "18:00", "1w", "9" * 30]),
    id_like,
    json_values,
)


def end_state() -> st.SearchStrategy[Any]:
    """A fuzzed `view.state` of the end inputs: Slack's shapes with anything inside, or not."""

    def entry(kind: str, field: str) -> st.SearchStrategy[Any]:
        value = st.fixed_dictionaries({"value": picked}) if field == "selected_option" else picked
        return st.one_of(st.fixed_dictionaries({"type": st.just(kind), field: value}), json_values)

    inputs = st.fixed_dictionaries(
        {},
        optional={
            block: st.fixed_dictionaries({}, optional={action: entry(kind, field)})
            for block, (action, kind, field) in END_INPUTS.items()
        },
    )
    return st.one_of(st.fixed_dictionaries({"values": inputs}), json_values)


@dataclass
class Running:
    """The app with one running temporary change (#1, Dan added for a day)."""

    app: Harness
    caplog: pytest.LogCaptureFixture
    before: tuple[Any, ...]
    post: dict[str, Any]

    async def send(self, payload: dict[str, Any]) -> str:
        self.caplog.clear()
        status, body = await self.app.post(payload, kind="interactive")
        assert status == 200, (status, body, payload)
        await self.app.container.tasks.drain(timeout_seconds=20)
        return body

    async def assert_nothing_changed(self) -> None:
        assert await database_state(self.app) == self.before
        assert sorted(self.app.sandbox.sms_recipients(SUPPORT)) == ["6001", "6002", DAN]
        unforeseen = [r.getMessage() for r in self.caplog.records if r.levelno >= logging.ERROR]
        assert not unforeseen, unforeseen


async def database_state(app: Harness) -> tuple[Any, ...]:
    async with app.container.database.session(read_only=True) as session:
        requests = await session.execute(
            text("SELECT id, status, ends_at, ended_at FROM change_requests ORDER BY id")
        )
        events = await session.execute(text("SELECT COUNT(*) FROM audit_events"))
        return (tuple(tuple(row) for row in requests), events.scalar_one())


@pytest.fixture
async def running(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> AsyncIterator[Running]:
    async with temporary_app(tmp_path, MovingClock()) as app:
        post = await approve(app, await ask(app, app.carla, {ids.DURATION_BLOCK: "1d"}))
        caplog.clear()
        yield Running(app=app, caplog=caplog, before=await database_state(app), post=post)


@FUZZ
@given(action_id=st.sampled_from([ids.EXTEND_TEMPORARY, ids.END_TEMPORARY]), value=carried)
async def test_fuzzed_extend_and_end_now_buttons(
    running: Running, action_id: str, value: Any
) -> None:
    # Nina may neither extend nor end it: a value naming the real change is refused too.
    app = running.app
    payload = app.click_payload(app.nina, ids.EXTEND_TEMPORARY, message=running.post)
    payload["actions"] = [with_value({**payload["actions"][0], "action_id": action_id}, value)]
    await running.send(payload)
    await running.assert_nothing_changed()


@FUZZ
@given(
    metadata=st.one_of(
        carried,
        st.fixed_dictionaries(
            {"r": st.one_of(st.just(1), id_like), "e": st.one_of(picked, st.just("x"))},
            optional={"tz": st.one_of(id_like, json_values)},
        ).map(json.dumps),
    ),
    state=end_state(),
    requester=st.booleans(),
)
async def test_fuzzed_extend_submissions(
    running: Running, metadata: Any, state: Any, requester: bool
) -> None:
    # Carla may extend her change, but her fuzzed form never shows its real end.
    app = running.app
    view: dict[str, Any] = {
        "id": "V0FUZZ",
        "type": "modal",
        "callback_id": ids.EXTEND_MODAL,
        "state": state,
        "blocks": [],
    }
    if metadata is not MISSING:
        view["private_metadata"] = metadata
    person = app.carla if requester else app.nina
    body = await running.send(view_submission(user=person.slack, view=view, trigger_id="1.2.3"))
    if body.strip():
        assert json.loads(body)["response_action"] in {"update", "errors"}
    await running.assert_nothing_changed()


@FUZZ
@given(state=end_state(), metadata=carried)
async def test_fuzzed_ends_in_request_submissions(
    running: Running, state: Any, metadata: Any
) -> None:
    # Whatever the end holds, the reason is blank: no request may be stored.
    app = running.app
    view: dict[str, Any] = {
        "id": "V0FUZZ",
        "type": "modal",
        "callback_id": ids.REQUEST_MODAL,
        "state": state,
        "blocks": [],
        "private_metadata": json.dumps({"r": SUPPORT, "me": None, "c": None, "tz": "UTC"}),
    }
    if metadata is not MISSING:
        view["private_metadata"] = metadata
    await running.send(view_submission(user=app.nina.slack, view=view, trigger_id="1.2.3"))
    await running.assert_nothing_changed()
