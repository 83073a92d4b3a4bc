"""`sms-handlers serve` runs doctor's checks first: it refuses to start on a fatal failure, starts
with a warning on a minor one, and a port already in use is one line, not a traceback."""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from bot.cli.serve import serving_http
from bot.errors import SmsHandlersError
from sms_handlers_sandbox.ringcentral import SandboxOptions, SandboxServer
from sms_handlers_sandbox.slack import SlackStandIn
from tests.support.app_harness import SIGNING_SECRET, free_port, populate, serve_environment


@dataclass
class Stage:
    sandbox: SandboxServer
    slack: SlackStandIn
    env: dict[str, str]
    database: Path
    cwd: Path


@pytest.fixture
async def stage(tmp_path: Path) -> AsyncIterator[Stage]:
    options = SandboxOptions(rate_limits_enabled=False)
    async with SandboxServer(options=options) as sandbox, SlackStandIn() as slack:
        populate(slack)
        database = tmp_path / "serve.db"
        env = serve_environment(
            sandbox=sandbox,
            slack_token=slack.bot_token,
            slack_api_url=slack.api_url,
            database=database,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
        )
        yield Stage(sandbox, slack, env, database, tmp_path)


async def start_serve(stage: Stage, port: int, **changes: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "serve",
        "--http",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        env={**stage.env, **changes},
        cwd=str(stage.cwd),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def serve_until_it_exits(stage: Stage, port: int, **changes: str) -> tuple[int, list[str]]:
    process = await start_serve(stage, port, **changes)
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), 60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    return int(process.returncode or 0), stderr.decode().splitlines()


async def test_serve_refuses_to_start_when_the_bot_is_not_in_the_approval_channel(
    stage: Stage,
) -> None:
    stage.slack.add_channel(id="C0ELSEWHERE", name="elsewhere", is_member=False)

    code, err = await serve_until_it_exits(
        stage, free_port(), SMS_HANDLERS_APPROVAL_CHANNEL="C0ELSEWHERE"
    )

    assert code == 1
    assert (
        "sms-handlers: FAIL Approval channel: the bot is not a member of #elsewhere "
        "(C0ELSEWHERE), so it cannot post requests there: type /invite @sms-handlers in the "
        "channel."
    ) in err
    assert err[-1] == (
        "sms-handlers: not starting: Approval channel failed. Fix it (see FAIL above) and run "
        "`sms-handlers doctor` again."
    )
    assert not any("Traceback" in text for text in err)
    assert not stage.database.exists()  # it stopped before migrating
    assert stage.slack.calls_to("chat.postMessage") == []


async def test_serve_refuses_to_start_with_a_wrong_jwt(stage: Stage) -> None:
    code, err = await serve_until_it_exits(stage, free_port(), RINGCENTRAL_JWT="a.wrong.jwt")

    assert code == 1
    assert any(
        text.startswith("sms-handlers: FAIL RingCentral login: RingCentral refused the login")
        for text in err
    )
    assert err[-1].startswith("sms-handlers: not starting: RingCentral login failed.")
    assert not any("a.wrong.jwt" in text for text in err)


async def test_serve_starts_with_a_warning_when_thread_messaging_is_off(stage: Stage) -> None:
    stage.sandbox.options.thread_messaging.available = False
    port = free_port()
    process = await start_serve(stage, port)
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(300):
                assert process.returncode is None, "serve exited"
                try:
                    async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                        assert response.status == 200
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
            else:
                raise AssertionError("serve never answered /healthz")
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 20)
    err = stderr.decode().splitlines()
    assert process.returncode == 0, stderr.decode()
    assert any(
        text.startswith("sms-handlers: WARN SMS thread messaging: not available") for text in err
    )
    assert (
        "sms-handlers: OK   Approval channel: #sms-approvals (C0APPROVALS); the bot is a member."
        in err
    )


async def test_a_port_in_use_is_one_line(stage: Stage) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])

        code, err = await serve_until_it_exits(stage, port)

    assert code == 1
    assert err[-1] == (
        f"sms-handlers: Cannot listen on 127.0.0.1:{port}: the port is already in use (another "
        "sms-handlers, or another program). Stop it, or choose another port with --port."
    )
    assert not any("Traceback" in text for text in err)


async def test_a_health_port_in_use_names_its_option() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])

        with pytest.raises(SmsHandlersError, match="choose another port with --health-port"):
            async with serving_http(
                app_web=web.Application(), host="127.0.0.1", port=port, option="--health-port"
            ):
                pass
