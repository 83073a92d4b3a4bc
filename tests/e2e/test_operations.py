"""Running in production: GET /metrics counts what happened (commands and their answers, clicks,
RingCentral calls and 429s by rate group, requests by state) in both modes, and with
LOG_FORMAT=json every log line is a JSON object carrying its Slack request's id, and no secret."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from bot.views import ids
from sms_handlers_sandbox.ringcentral import Fault, SandboxOptions, SandboxServer
from sms_handlers_sandbox.slack import SlackStandIn
from sms_handlers_sandbox.slack_payloads import send, slash_command
from tests.e2e.test_request_flow import send_request
from tests.e2e.test_socket_mode import APP_TOKEN, running_gateway
from tests.support.app_harness import (
    GENERAL,
    SIGNING_SECRET,
    Harness,
    free_port,
    populate,
    running_app,
    serve_environment,
)

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]
BOT_TOKEN = "xoxb-1111-2222-opsTestBotToken"


def parse_metrics(text: str) -> Samples:
    """Every sample of a Prometheus text exposition, by name and labels."""
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, tuple(sorted(labels.items())))]


def by_label(samples: Samples, name: str, label: str) -> dict[str, float]:
    """The non-zero samples of one metric, by the value of one label."""
    return {
        dict(labels)[label]: count
        for (sample_name, labels), count in samples.items()
        if sample_name == name and count
    }


async def scrape(http: aiohttp.ClientSession, url: str) -> Samples:
    async with http.get(url) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        return parse_metrics(await response.text())


async def scrape_once_answered(http: aiohttp.ClientSession, url: str, *, kind: str) -> Samples:
    """The metrics once the bot has counted a `kind` command answered: Slack's stand-in sees the
    answer arrive a moment before the bot hears back and counts it."""
    for _ in range(100):
        samples = await scrape(http, url)
        if value(samples, "sms_handlers_commands_answered_total", kind=kind):
            return samples
        await asyncio.sleep(0.1)
    raise AssertionError(f"no {kind} command counted as answered")


def metrics_url(app: Harness) -> str:
    return app.url.replace("/slack/events", "/metrics")


def ringcentral_calls_seen_by(sandbox: SandboxServer) -> tuple[dict[str, float], dict[str, float]]:
    """What the sandbox received from the app's client, by rate group: every request, and those
    answered 429. Token exchanges (the Auth group) go through RingCentral's SDK: left out."""
    data_calls = [r for r in sandbox.requests if r.rate_group != "Auth"]
    every = Counter(str(r.rate_group) for r in data_calls)
    limited = Counter(str(r.rate_group) for r in data_calls if r.status == 429)
    return {k: float(v) for k, v in every.items()}, {k: float(v) for k, v in limited.items()}


async def test_metrics_count_commands_answers_clicks_requests_and_ringcentral_calls(
    tmp_path: Path,
) -> None:
    async with running_app(tmp_path) as app:
        await app.command(app.nina, "help")
        # The card's first read of the handlers is refused once: RingCentral's 429, then a retry.
        app.sandbox.inject_fault(
            Fault(r"/sms-recipients$", method="GET", status=429, retry_after=0.1)
        )
        await send_request(app, app.carla, add=["6004"])  # a lookup, a click, a menu, a submission
        assert "Support (call queue, ext. 104)" in json.dumps(app.ephemerals(app.carla))

        samples = await scrape(app.http, metrics_url(app))

        assert by_label(samples, "sms_handlers_commands_received_total", "kind") == {
            "help": 1,
            "lookup": 1,
        }
        assert by_label(samples, "sms_handlers_commands_answered_total", "kind") == {
            "help": 1,
            "lookup": 1,
        }
        assert value(samples, "sms_handlers_command_answer_seconds_count", kind="lookup") == 1
        assert value(samples, "sms_handlers_command_answer_seconds_count", kind="help") == 1
        assert value(samples, "sms_handlers_command_answer_seconds_count", kind="who") == 0
        assert (
            value(
                samples,
                "sms_handlers_interactions_total",
                type="block_actions",
                action=ids.REQUEST_CHANGE,
            )
            == 1
        )
        assert (
            value(
                samples,
                "sms_handlers_interactions_total",
                type="block_suggestion",
                action=ids.ADD_ACTION,
            )
            == 1
        )
        assert (
            value(
                samples,
                "sms_handlers_interactions_total",
                type="view_submission",
                action=ids.REQUEST_MODAL,
            )
            == 1
        )
        assert by_label(samples, "sms_handlers_requests", "state") == {"pending": 1}
        assert value(samples, "sms_handlers_requests", state="applied") == 0
        assert value(samples, "sms_handlers_scan_budget_limit") == 25

        calls, limited = ringcentral_calls_seen_by(app.sandbox)
        assert limited == {"Light": 1}
        assert by_label(samples, "sms_handlers_ringcentral_calls_total", "group") == calls
        assert by_label(samples, "sms_handlers_ringcentral_rate_limited_total", "group") == limited


async def test_each_app_counts_only_its_own_requests(tmp_path: Path) -> None:
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    async with (
        running_app(tmp_path / "one") as one,
        running_app(tmp_path / "two") as two,
    ):
        await one.command(one.nina, "list")

        first = await scrape(one.http, metrics_url(one))
        second = await scrape(two.http, metrics_url(two))

    assert value(first, "sms_handlers_commands_received_total", kind="list") == 1
    assert value(second, "sms_handlers_commands_received_total", kind="list") == 0
    assert by_label(second, "sms_handlers_ringcentral_calls_total", "group") == {}


async def test_serve_http_logs_json_lines_with_request_ids_and_no_secret(tmp_path: Path) -> None:
    options = SandboxOptions(rate_limits_enabled=False)
    async with (
        SandboxServer(options=options) as sandbox,
        SlackStandIn(bot_token=BOT_TOKEN) as slack,
    ):
        populate(slack)
        port = free_port()
        env = serve_environment(
            sandbox=sandbox,
            slack_token=slack.bot_token,
            slack_api_url=slack.api_url,
            database=tmp_path / "serve.db",
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            LOG_FORMAT="json",
            LOG_LEVEL="DEBUG",  # slack_sdk and Bolt log URLs, bodies and headers
        )
        process = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "bot.cli", "serve", "--http"),
            *("--host", "127.0.0.1", "--port", str(port)),
            env=env,
            cwd=str(tmp_path),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        # Read while it runs: its DEBUG log outgrows a pipe's buffer, and a full pipe would
        # block the bot on its next log line.
        output = asyncio.ensure_future(process.communicate())
        base = f"http://127.0.0.1:{port}"
        trigger_id = slack.new_trigger_id("U0NINA")
        response_url = slack.response_url(channel_id=GENERAL, user_id="U0NINA")
        try:
            async with aiohttp.ClientSession() as http:
                await _wait_for_health(http, f"{base}/healthz", process)
                payload = slash_command(
                    command="/sms-handlers",
                    text="support",
                    user_id="U0NINA",
                    user_name="nina",
                    channel_id=GENERAL,
                    channel_name="general",
                    trigger_id=trigger_id,
                    response_url=response_url,
                )
                status, _, _ = await send(
                    http, f"{base}/slack/events", payload, secret=SIGNING_SECRET, kind="form"
                )
                assert status == 200
                await slack.wait_for_call("response_url", timeout_seconds=20)
                samples = await scrape_once_answered(http, f"{base}/metrics", kind="lookup")
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(output, 20)
        assert process.returncode == 0, stderr.decode()

    assert value(samples, "sms_handlers_commands_received_total", kind="lookup") == 1
    assert value(samples, "sms_handlers_commands_answered_total", kind="lookup") == 1
    log = stderr.decode()
    lines = [json.loads(line) for line in log.splitlines()]  # every line is one JSON object
    assert lines and all({"time", "level", "logger", "message"} <= set(line) for line in lines)

    mine = [line for line in lines if line.get("request_id") == trigger_id]
    loggers = {line["logger"] for line in mine}
    assert "bot.bolt" in loggers  # while Bolt dispatched the command, before the ack
    assert "bot.ringcentral.client" in loggers  # reading the card's handlers, after the ack
    assert any(line["logger"].startswith("slack_sdk.webhook") for line in mine)  # the answer
    key = response_url.rsplit("/", 1)[1]
    about_this_answer = [
        line for line in lines if response_url.removesuffix(key) in line["message"]
    ]
    assert about_this_answer and all(line in mine for line in about_this_answer)

    for secret in (key, BOT_TOKEN, SIGNING_SECRET, sandbox.jwt, sandbox.client_secret):
        assert secret not in log


async def test_socket_mode_health_port_serves_metrics(tmp_path: Path) -> None:
    options = SandboxOptions(rate_limits_enabled=False)
    async with (
        SandboxServer(options=options) as sandbox,
        SlackStandIn() as standin,
        running_gateway(standin) as gateway,
    ):
        populate(standin)
        health_port = free_port()
        env = serve_environment(
            sandbox=sandbox,
            slack_token=standin.bot_token,
            slack_api_url=f"{gateway.url}/api/",
            database=tmp_path / "socket.db",
            SLACK_APP_TOKEN=APP_TOKEN,
        )
        process = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1"),
            *("--health-port", str(health_port)),
            env=env,
            cwd=str(tmp_path),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            for envelope_id, text in (("env-help", "help"), ("env-card", "support")):
                await gateway.outbox.put(_envelope(standin, envelope_id, text))
            for _ in range(2):
                await asyncio.wait_for(gateway.acks.get(), 30)
            await standin.wait_for_call("response_url", timeout_seconds=20)
            async with aiohttp.ClientSession() as http:
                url = f"http://127.0.0.1:{health_port}/metrics"
                samples = await scrape_once_answered(http, url, kind="lookup")
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), 20)
        assert process.returncode == 0, stderr.decode()

    assert by_label(samples, "sms_handlers_commands_received_total", "kind") == {
        "help": 1,
        "lookup": 1,
    }
    assert by_label(samples, "sms_handlers_commands_answered_total", "kind") == {
        "help": 1,
        "lookup": 1,
    }
    calls, _ = ringcentral_calls_seen_by(sandbox)
    assert by_label(samples, "sms_handlers_ringcentral_calls_total", "group") == calls


def _envelope(standin: SlackStandIn, envelope_id: str, text: str) -> Mapping[str, Any]:
    payload = slash_command(
        command="/sms-handlers",
        text=text,
        user_id="U0NINA",
        user_name="nina",
        channel_id=GENERAL,
        channel_name="general",
        trigger_id=standin.new_trigger_id("U0NINA"),
        response_url=standin.response_url(channel_id=GENERAL, user_id="U0NINA"),
    )
    return {
        "envelope_id": envelope_id,
        "type": "slash_commands",
        "payload": payload,
        "accepts_response_payload": True,
    }


async def _wait_for_health(
    http: aiohttp.ClientSession, url: str, process: asyncio.subprocess.Process
) -> None:
    for _ in range(200):
        if process.returncode is not None:
            raise AssertionError(f"serve exited with {process.returncode}")
        try:
            async with http.get(url) as response:
                assert response.status == 200, await response.text()
                return
        except aiohttp.ClientConnectionError:
            await asyncio.sleep(0.1)
    raise AssertionError("serve never answered /healthz")
