"""`sms-handlers serve` (Socket Mode, or HTTP with --http) and `sms-handlers demo`.

`demo` runs everything on this machine: the RingCentral sandbox (demo account), the Slack
stand-in, the app in HTTP mode on 127.0.0.1 with SQLite, and the console where a person plays
Slack. Every step goes through the real code paths: signed HTTP requests into the app, Web API
calls out of it.

`serve` runs recovery (services/recovery.py) once at start-up and then every
SMS_HANDLERS_RECOVERY_INTERVAL_SECONDS. On SIGTERM or SIGINT it stops taking requests, lets the
changes being applied finish within SMS_HANDLERS_SHUTDOWN_GRACE_SECONDS, and leaves the rest to
recovery.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.app import EVENTS_PATH, HEALTH_PATH, build_app, build_health_app, build_web_app
from bot.config import Settings, load_settings
from bot.container import Container, build_container
from bot.services.recovery import RecoveryService

if TYPE_CHECKING:
    from sms_handlers_sandbox.console import DemoWorkspace
    from sms_handlers_sandbox.slack import SlackStandIn

logger = logging.getLogger(__name__)

DEMO_SIGNING_SECRET = "sms-handlers-demo-signing-secret"  # only the local stand-in uses it


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = subparsers.add_parser(
        "serve",
        help="run the Slack app (Socket Mode; --http for an HTTP endpoint)",
        description="Run the Slack app. Socket Mode needs SLACK_APP_TOKEN; --http serves "
        f"POST {EVENTS_PATH} (commands, interactivity, options, events) and GET {HEALTH_PATH}.",
    )
    serve.add_argument("--http", action="store_true", help="serve HTTP instead of Socket Mode")
    serve.add_argument("--port", type=int, default=3000, help="HTTP port (default 3000)")
    serve.add_argument("--host", default="0.0.0.0", help="HTTP address (default 0.0.0.0)")
    serve.add_argument(
        "--health-port",
        type=int,
        help=f"in Socket Mode, also serve GET {HEALTH_PATH} on this port (for probes)",
    )
    serve.set_defaults(handler=run_serve)

    demo = subparsers.add_parser(
        "demo",
        help="try the app in the terminal against built-in RingCentral and Slack stand-ins",
        description="Start the RingCentral sandbox, the Slack stand-in and the app, then play "
        "Slack in the terminal: type /sms-handlers support, press buttons, fill modals, switch "
        "users with `as NAME`.",
    )
    demo.add_argument("--script", type=Path, help="replay commands from FILE, then exit")
    demo.add_argument(
        "--database",
        type=Path,
        help="keep the demo's SQLite database in this file (default: a temporary one)",
    )
    demo.set_defaults(handler=run_demo)


def run_serve(args: argparse.Namespace) -> Any:
    """The `serve` handler: a coroutine returning the exit code."""
    return _serve(
        http=bool(args.http), host=str(args.host), port=int(args.port), health_port=args.health_port
    )


async def _serve(*, http: bool, host: str, port: int, health_port: int | None) -> int:
    settings = load_settings()
    logging.getLogger().setLevel(settings.log_level)
    if http:
        settings.require("SLACK_SIGNING_SECRET", hint="HTTP mode checks Slack's signatures.")
    else:
        settings.require(
            "SLACK_APP_TOKEN", hint="Socket Mode needs an app-level token (xapp-…), or use --http."
        )
    container = await build_container(settings)
    recovering = asyncio.create_task(
        recover_periodically(container.recovery, settings.recovery_interval_seconds),
        name="recovery",
    )
    try:
        app = build_app(container, socket_mode=not http)
        if http:
            async with serving_http(app_web=build_web_app(app, container), host=host, port=port):
                print(f"sms-handlers: serving http://{host}:{port}{EVENTS_PATH}", flush=True)
                await _until_stopped()
        else:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            handler = AsyncSocketModeHandler(app, settings.slack_app_token)
            await handler.connect_async()  # type: ignore[no-untyped-call]
            print("sms-handlers: connected to Slack in Socket Mode", flush=True)
            try:
                async with contextlib.AsyncExitStack() as stack:
                    if health_port is not None:
                        await stack.enter_async_context(
                            serving_http(
                                app_web=build_health_app(container), host=host, port=health_port
                            )
                        )
                        print(
                            f"sms-handlers: health at http://{host}:{health_port}{HEALTH_PATH}",
                            flush=True,
                        )
                    await _until_stopped()
            finally:
                await handler.close_async()  # type: ignore[no-untyped-call]
    finally:
        await container.finish_applies()
        recovering.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await recovering
        await container.aclose()
    return 0


# Until one instance among several is chosen to run background work, every instance runs
# recovery itself (its take-overs are guarded updates, so instances cannot collide).
async def recover_periodically(recovery: RecoveryService, interval_seconds: float) -> None:
    """`recovery.recover_once()` now (at start-up) and then every `interval_seconds`."""
    while True:
        try:
            await recovery.recover_once()
        except Exception:
            logger.exception("recovery failed; trying again in %g s", interval_seconds)
        await asyncio.sleep(interval_seconds)


@contextlib.asynccontextmanager
async def serving_http(*, app_web: web.Application, host: str, port: int) -> AsyncIterator[int]:
    """Serve an aiohttp application; yields the bound port (useful with port 0)."""
    runner = web.AppRunner(app_web)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        yield int(sockets[0].getsockname()[1]) if sockets else port
    finally:
        await runner.cleanup()


async def _until_stopped() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()


def run_demo(args: argparse.Namespace) -> Any:
    """The `demo` handler: a coroutine returning the exit code."""
    script = None
    if args.script is not None:
        try:
            script = args.script.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            print(
                f"sms-handlers: cannot read --script {args.script}: {exc.strerror}", file=sys.stderr
            )
            return 1
    return _demo(script=script, database=args.database)


async def _demo(*, script: list[str] | None, database: Path | None) -> int:
    from sms_handlers_sandbox.console import seed_demo_workspace
    from sms_handlers_sandbox.ringcentral import SandboxServer
    from sms_handlers_sandbox.slack import SlackStandIn

    for noisy in ("bot.bolt", "slack_bolt", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="sms-handlers-demo-") as scratch:
        db_file = database or Path(scratch) / "demo.db"
        async with SandboxServer() as sandbox, SlackStandIn() as slack:
            workspace = seed_demo_workspace(slack)
            settings = _demo_settings(
                sandbox_url=sandbox.url,
                client_id=sandbox.client_id,
                client_secret=sandbox.client_secret,
                jwt=sandbox.jwt,
                slack=slack,
                approvers=workspace.approvers,
                approval_channel=workspace.approval_channel,
                db_file=db_file,
            )
            container = await build_container(settings)
            try:
                return await _run_console(container, slack, workspace, script)
            finally:
                await container.aclose()


def _demo_settings(
    *,
    sandbox_url: str,
    client_id: str,
    client_secret: str,
    jwt: str,
    slack: SlackStandIn,
    approvers: str,
    approval_channel: str,
    db_file: Path,
) -> Settings:
    return load_settings(
        ringcentral_server_url=sandbox_url,
        ringcentral_client_id=client_id,
        ringcentral_client_secret=client_secret,
        ringcentral_jwt=jwt,
        database_url=f"sqlite+aiosqlite:///{db_file}",
        auto_migrate=True,
        slack_bot_token=slack.bot_token,
        slack_signing_secret=DEMO_SIGNING_SECRET,
        slack_api_url=slack.api_url,
        approvers=approvers,
        approval_channel=approval_channel,
        allow_self_approval=False,
    )


async def _run_console(
    container: Container, slack: SlackStandIn, workspace: DemoWorkspace, script: list[str] | None
) -> int:
    from sms_handlers_sandbox.console import run_console

    app = build_app(container)
    async with serving_http(
        app_web=build_web_app(app, container), host="127.0.0.1", port=0
    ) as port:
        code = await run_console(
            app_url=f"http://127.0.0.1:{port}{EVENTS_PATH}",
            signing_secret=DEMO_SIGNING_SECRET,
            slack=slack,
            users=workspace.users,
            input_lines=script,
            out=sys.stdout,
            command_channel=workspace.command_channel,
            approval_channel=workspace.approval_channel,
        )
        await container.tasks.drain(timeout_seconds=30)
        return code
