"""`sms-handlers serve` (Socket Mode, or HTTP with --http) and `sms-handlers demo`.

`demo` runs everything on this machine: the RingCentral sandbox (demo account), the Slack
stand-in, the app in HTTP mode on 127.0.0.1 with SQLite, and the console where a person plays
Slack. Every step goes through the real code paths: signed HTTP requests into the app, Web API
calls out of it.

`serve` starts the coordinator (services/coordinator.py): the one instance holding the background
lease runs recovery (services/recovery.py) when it takes the lease and then every
SMS_HANDLERS_RECOVERY_INTERVAL_SECONDS. On SIGTERM or SIGINT it stops taking requests, lets the
changes being applied finish within SMS_HANDLERS_SHUTDOWN_GRACE_SECONDS, and leaves the rest to
recovery.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import logging
import signal
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.errors import SmsHandlersError
from bot.http_paths import EVENTS_PATH, HEALTH_PATH, METRICS_PATH

if TYPE_CHECKING:
    # Loaded when a command runs, not for --help (tests/test_cli_imports.py).
    from aiohttp import web

    from bot.config import Settings
    from bot.container import Container
    from sms_handlers_sandbox.console import DemoWorkspace
    from sms_handlers_sandbox.slack import SlackStandIn

logger = logging.getLogger(__name__)

DEMO_SIGNING_SECRET = "sms-handlers-demo-signing-secret"  # only the local stand-in uses it


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = subparsers.add_parser(
        "serve",
        help="run the Slack app (Socket Mode; --http for an HTTP endpoint)",
        description="Run the Slack app. Socket Mode needs SLACK_APP_TOKEN; --http serves "
        f"POST {EVENTS_PATH} (commands, interactivity, options, events), GET {HEALTH_PATH} "
        f"and GET {METRICS_PATH}.",
    )
    serve.add_argument("--http", action="store_true", help="serve HTTP instead of Socket Mode")
    serve.add_argument("--port", type=int, default=3000, help="HTTP port (default 3000)")
    serve.add_argument("--host", default="0.0.0.0", help="HTTP address (default 0.0.0.0)")
    serve.add_argument(
        "--health-port",
        type=int,
        help=f"in Socket Mode, also serve GET {HEALTH_PATH} and GET {METRICS_PATH} on this port",
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
    from bot.app import build_app, build_health_app, build_web_app
    from bot.cli.doctor import start_checks
    from bot.config import load_settings
    from bot.container import build_container
    from bot.metrics import Metrics
    from bot.policy.load import load_policy

    settings = load_settings()
    logging.getLogger().setLevel(settings.log_level)
    if http:
        settings.require("SLACK_SIGNING_SECRET", hint="HTTP mode checks Slack's signatures.")
    else:
        settings.require(
            "SLACK_APP_TOKEN", hint="Socket Mode needs an app-level token (xapp-…), or use --http."
        )
    load_policy(settings)  # an invalid policy file is one line naming it, before anything is asked
    metrics = Metrics()  # made first so it counts the start-up checks' RingCentral calls too
    observe = metrics.ringcentral_answered
    if not await start_checks(settings, http=http, out=sys.stderr, observe=observe):
        return 1
    container = await build_container(settings, metrics=metrics)
    try:
        container.start_background()
        app = build_app(container, socket_mode=not http)
        if http:
            async with serving_http(
                app_web=build_web_app(app, container), host=host, port=port, option="--port"
            ):
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
                                app_web=build_health_app(container),
                                host=host,
                                port=health_port,
                                option="--health-port",
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
        await container.aclose()
    return 0


@contextlib.asynccontextmanager
async def serving_http(
    *, app_web: web.Application, host: str, port: int, option: str = "--port"
) -> AsyncIterator[int]:
    """Serve an aiohttp application; yields the bound port (useful with port 0).

    A port that cannot be bound is one line naming it and the option that chose it.
    """
    from aiohttp import web

    runner = web.AppRunner(app_web)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        try:
            await site.start()
        except OSError as exc:
            raise _cannot_listen(exc, host=host, port=port, option=option) from None
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        yield int(sockets[0].getsockname()[1]) if sockets else port
    finally:
        await runner.cleanup()


def _cannot_listen(exc: OSError, *, host: str, port: int, option: str) -> SmsHandlersError:
    where = f"{host}:{port}"
    if exc.errno == errno.EADDRINUSE:
        return SmsHandlersError(
            f"Cannot listen on {where}: the port is already in use (another sms-handlers, or "
            f"another program). Stop it, or choose another port with {option}."
        )
    if exc.errno == errno.EACCES:
        return SmsHandlersError(
            f"Cannot listen on {where}: permission denied (ports below 1024 need privileges). "
            f"Choose another port with {option}."
        )
    reason = exc.strerror or str(exc)
    return SmsHandlersError(f"Cannot listen on {where}: {reason}. Check --host and {option}.")


async def _until_stopped() -> None:
    import asyncio  # only when it runs: the parsers are built for `--help` too

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
    from bot.cli.doctor import start_checks
    from bot.container import build_container
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
            # The stand-ins answer serve's start-up checks as Slack and RingCentral would.
            if not await start_checks(settings, http=True, out=sys.stderr, only_problems=True):
                return 1
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
    from bot.config import load_settings

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
    from bot.app import build_app, build_web_app
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
