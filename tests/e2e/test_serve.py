"""`sms-handlers serve`: settings checked up front; HTTP mode serves Slack and /healthz."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.cli import main
from sms_handlers_sandbox.ringcentral import SandboxOptions, SandboxServer
from sms_handlers_sandbox.slack import SlackStandIn
from sms_handlers_sandbox.slack_payloads import send, slash_command
from tests.support.app_harness import (
    GENERAL,
    SIGNING_SECRET,
    free_port,
    populate,
    serve_environment,
)


def test_http_mode_needs_the_signing_secret(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--http"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == (
        "sms-handlers: SLACK_SIGNING_SECRET is not set. HTTP mode checks Slack's signatures."
    )


def test_socket_mode_needs_the_app_token(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve"]) == 1
    assert "SLACK_APP_TOKEN is not set." in capsys.readouterr().err


async def test_serve_http_answers_slack_and_healthz_then_stops(tmp_path: Path) -> None:
    options = SandboxOptions(rate_limits_enabled=False)
    async with SandboxServer(options=options) as sandbox, SlackStandIn() as slack:
        populate(slack)
        port = free_port()
        env = serve_environment(
            sandbox=sandbox,
            slack_token=slack.bot_token,
            slack_api_url=slack.api_url,
            database=tmp_path / "serve.db",
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
        )
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "serve",
            "--http",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            env=env,
            cwd=str(tmp_path),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            async with aiohttp.ClientSession() as http:
                health = await _wait_for_health(http, f"{base}/healthz", process)
                assert health == {
                    "status": "ok",
                    "database": {"ok": True},
                    "ringcentral": {"ok": True},
                }
                payload = slash_command(
                    command="/sms-handlers",
                    text="help",
                    user_id="U0NINA",
                    user_name="nina",
                    channel_id=GENERAL,
                    channel_name="general",
                    trigger_id=slack.new_trigger_id(),
                    response_url=slack.response_url(channel_id=GENERAL, user_id="U0NINA"),
                )
                status, _, body = await send(
                    http, f"{base}/slack/events", payload, secret=SIGNING_SECRET, kind="form"
                )
                assert status == 200
                assert json.loads(body)["response_type"] == "ephemeral"
                status, _, _ = await send(
                    http, f"{base}/slack/events", payload, secret="not-the-secret", kind="form"
                )
                assert status == 401
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), 20)
        assert process.returncode == 0, stderr.decode()


async def _wait_for_health(
    http: aiohttp.ClientSession, url: str, process: asyncio.subprocess.Process
) -> object:
    for _ in range(200):
        if process.returncode is not None:
            raise AssertionError(f"serve exited with {process.returncode}")
        try:
            async with http.get(url) as response:
                return await response.json()
        except aiohttp.ClientConnectionError:
            await asyncio.sleep(0.1)
    raise AssertionError("serve never answered /healthz")
