"""The benchmarks' own pieces, quickly (benchmarks are not tests: `make bench` runs them): the
load generator against a real `serve --http` on the demo account, a few requests without
latency, and `python -m bench` finding the benchmarks by name."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from bench.__main__ import discover
from bench.bench_load import APPROVALS, SECRET, Serve, _environment, _free_port
from bench.loadgen import CHANNEL, Click, Command, LoadGenerator, percentiles
from sms_handlers_sandbox.ringcentral import SandboxOptions, SandboxServer
from sms_handlers_sandbox.slack import SlackStandIn
from sms_handlers_sandbox.slack_payloads import SlackUser

SUPPORT = "4001"  # the demo account's Support queue


async def test_the_load_generator_matches_each_answer_and_modal_to_its_request(
    tmp_path: Path,
) -> None:
    options = SandboxOptions(rate_limits_enabled=False)
    async with (
        SandboxServer(options=options) as sandbox,
        SlackStandIn() as slack,
        aiohttp.ClientSession() as http,
    ):
        slack.add_channel(id=CHANNEL, name="general")
        slack.add_channel(id=APPROVALS, name="sms-approvals")
        slack.add_user(id="U0LOAD000", name="ava", real_name="Ava Chen", email="ava@example.com")
        ava = SlackUser(id="U0LOAD000", name="ava")
        serve = Serve(_environment(sandbox, slack, tmp_path / "load.db"), tmp_path, _free_port())
        await serve.start(http)
        try:
            load = LoadGenerator(
                url=f"{serve.url}/slack/events", secret=SECRET, slack=slack, http=http
            )
            mix = [
                Command("lookup", "support", ava, SUPPORT),
                Command("lookup", "zzzz qqq", ava),
                Command("list", "list", ava),
                Click(SUPPORT, ava),
            ]
            phase = await load.run("test", mix, rate=20.0, seconds=0.4)  # 8 requests
            await load.answered(phase, timeout_seconds=30)
        finally:
            await serve.stop()

    assert [s.request for s in phase.sent] == mix * 2
    assert all(s.status == 200 and s.ack_seconds is not None for s in phase.sent)
    found, nothing, listed, click = (phase.sent[i] for i in range(4))
    for sent in phase.sent:
        assert sent.scheduled_at >= phase.started_at
    for lookup in phase.of_kind("lookup", "list"):
        assert lookup.answer_seconds is not None and lookup.answer_seconds > 0
    assert "Support" in found.answer_text
    assert "Nothing matches" in nothing.answer_text
    assert "Support" in listed.answer_text and "Sales" in listed.answer_text
    for pressed in phase.of_kind("click"):
        assert pressed.modal_at is not None and pressed.modal_error is None
    assert click.answered_at is None  # a click opens a modal; it posts no answer


def test_percentiles() -> None:
    assert percentiles(list(range(1, 102))) == (51.0, 96.0, 100.0)
    assert percentiles([7.0]) == (7.0, 7.0, 7.0)
    assert all(value != value for value in percentiles([]))  # nan


def test_benchmarks_are_found_by_name() -> None:
    every = discover([])
    assert {"bench_cli", "bench_load", "bench_lookup", "bench_history"} <= set(every)
    assert discover(["load", "bench_cli"]) == ["bench_cli", "bench_load"]
    with pytest.raises(SystemExit, match="Unknown benchmark bench_nope"):
        discover(["nope"])
