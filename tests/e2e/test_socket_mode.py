"""`sms-handlers serve` in Socket Mode, against a local Socket Mode gateway.

The gateway answers apps.connections.open with a loopback WebSocket URL, sends the app a
slash-command envelope like Slack does, and records the acknowledgement; every other Web API
method is passed on to the Slack stand-in.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from sms_handlers_sandbox.ringcentral import SandboxOptions, SandboxServer
from sms_handlers_sandbox.slack import SlackStandIn
from sms_handlers_sandbox.slack_payloads import slash_command
from tests.support.app_harness import GENERAL, free_port, populate, serve_environment, texts

APP_TOKEN = "xapp-1-A0001-socket-mode-test"


class Gateway:
    """Slack's Socket Mode side: one WebSocket, envelopes out, acknowledgements in."""

    def __init__(self, standin: SlackStandIn) -> None:
        self.standin = standin
        self.url = ""
        self.outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.acks: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.app_tokens: list[str] = []

    async def connections_open(self, request: web.Request) -> web.Response:
        self.app_tokens.append(request.headers.get("Authorization", ""))
        return web.json_response({"ok": True, "url": self.url.replace("http", "ws") + "/link"})

    async def link(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        await socket.send_json({"type": "hello", "num_connections": 1})

        async def deliver() -> None:
            while True:
                await socket.send_json(await self.outbox.get())

        sender = asyncio.create_task(deliver())
        try:
            async for message in socket:
                if message.type == aiohttp.WSMsgType.TEXT:
                    await self.acks.put(message.json())
        finally:
            sender.cancel()
        return socket

    async def web_api(self, request: web.Request) -> web.Response:
        async with (
            aiohttp.ClientSession() as http,
            http.request(
                request.method,
                f"{self.standin.api_url}{request.match_info['method']}",
                params=request.query,
                data=await request.read(),
                headers={
                    k: v
                    for k, v in request.headers.items()
                    if k in ("Authorization", "Content-Type")
                },
            ) as answer,
        ):
            return web.Response(
                status=answer.status,
                body=await answer.read(),
                content_type="application/json",
                headers={k: v for k, v in answer.headers.items() if k.lower().startswith("x-")},
            )


@asynccontextmanager
async def running_gateway(standin: SlackStandIn) -> AsyncIterator[Gateway]:
    gateway = Gateway(standin)
    app = web.Application()
    app.router.add_post("/api/apps.connections.open", gateway.connections_open)
    app.router.add_route("*", "/api/{method}", gateway.web_api)
    app.router.add_get("/link", gateway.link)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    gateway.url = f"http://127.0.0.1:{port}"
    try:
        yield gateway
    finally:
        await runner.cleanup()


async def test_serve_in_socket_mode_answers_commands(tmp_path: Path) -> None:
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
            sys.executable,
            "-m",
            "bot.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--health-port",
            str(health_port),
            env=env,
            cwd=str(tmp_path),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            for envelope_id, text in (("env-help", "help"), ("env-card", "support")):
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
                await gateway.outbox.put(
                    {
                        "envelope_id": envelope_id,
                        "type": "slash_commands",
                        "payload": payload,
                        "accepts_response_payload": True,
                    }
                )
            help_ack = await asyncio.wait_for(gateway.acks.get(), 30)
            card_ack = await asyncio.wait_for(gateway.acks.get(), 30)
            assert help_ack["envelope_id"] == "env-help"
            assert help_ack["payload"]["response_type"] == "ephemeral"
            assert "/sms-handlers queue-support" in texts(help_ack["payload"])
            assert card_ack == {"envelope_id": "env-card"}
            await standin.wait_for_call("response_url", timeout_seconds=20)
            ephemeral = standin.messages(GENERAL)[-1]
            assert "Support (call queue, ext. 104)" in texts(ephemeral)
            assert gateway.app_tokens == [f"Bearer {APP_TOKEN}"]
            async with (
                aiohttp.ClientSession() as http,
                http.get(f"http://127.0.0.1:{health_port}/healthz") as health,
            ):
                assert health.status == 200
                body = await health.json()
            assert body["database"] == {"ok": True} and body["ringcentral"] == {"ok": True}
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), 20)
        assert process.returncode == 0, stderr.decode()
