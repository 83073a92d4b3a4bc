"""The Bolt app built from the container, and the aiohttp application serving it over HTTP."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.container import Container
from bot.errors import SmsHandlersError, log_text
from bot.http_paths import EVENTS_PATH, HEALTH_PATH, METRICS_PATH
from bot.listeners import actions, commands, events, options, views
from bot.listeners.replies import report_error
from bot.metrics import CONTENT_TYPE
from bot.request_tracking import track_requests

logger = logging.getLogger(__name__)

HEALTH_CACHE_SECONDS = 10.0
HEALTH_TIMEOUT_SECONDS = 5.0


def build_app(container: Container, *, socket_mode: bool = False) -> AsyncApp:
    """The Bolt app: every listener with the services it uses, one error handler."""
    settings = container.settings
    app = AsyncApp(
        client=container.slack,
        signing_secret=settings.slack_signing_secret or "",
        request_verification_enabled=not socket_mode,
        # Every listener acknowledges at once and leaves its work to background tasks, so
        # Bolt may answer Slack when the listener returns, rather than polling every 10 ms
        # for the ack while the listener runs.
        process_before_response=True,
        logger=logging.getLogger("bot.bolt"),
    )

    app.middleware(track_requests(container.metrics))  # first: its request id tags every line

    @app.middleware
    async def ignore_slack_retries(
        req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[None]]
    ) -> BoltResponse | None:
        # Slack retries an event it thinks we missed; the first delivery is already handled.
        retry = req.headers.get("x-slack-retry-num")
        if retry:
            logger.info(
                "ignoring Slack retry %s (%s)", retry[0], req.headers.get("x-slack-retry-reason")
            )
            return BoltResponse(status=200, body="")
        await next()
        return None

    @app.error
    async def on_error(error: Exception, body: dict[str, Any], client: AsyncWebClient) -> None:
        await report_error(error, body=body, client=client)

    tasks = container.tasks
    commands.register(
        app,
        browse=container.browse,
        exports=container.exports,
        history=container.history,
        offboarding=container.offboarding,
        slack_users=container.slack_users,
        tasks=tasks,
    )
    actions.register(
        app,
        browse=container.browse,
        requests=container.requests,
        history=container.history,
        exports=container.exports,
        slack_users=container.slack_users,
        tasks=tasks,
        temporary=container.temporary,
    )
    views.register(
        app,
        requests=container.requests,
        slack_users=container.slack_users,
        approval_channel=container.policy.default_channel,
        tasks=tasks,
        temporary=container.temporary,
    )
    options.register(app, browse=container.browse)
    events.register(app, home=container.home, tasks=tasks)
    return app


class HealthCheck:
    """Database and RingCentral reachability, cached briefly so probes do not flood RingCentral."""

    def __init__(self, container: Container) -> None:
        self._container = container
        self._cached: tuple[float, int, dict[str, Any]] | None = None
        self._lock = asyncio.Lock()

    async def report(self) -> tuple[int, dict[str, Any]]:
        """HTTP status (200 or 503) and a JSON body naming what is unreachable."""
        async with self._lock:
            now = time.monotonic()
            if self._cached is not None and now - self._cached[0] < HEALTH_CACHE_SECONDS:
                return self._cached[1], self._cached[2]
            database, ringcentral = await asyncio.gather(
                self._probe(self._container.database.check_connection()),
                self._probe(self._container.ringcentral.list_sites()),
            )
            healthy = database["ok"] and ringcentral["ok"]
            body = {
                "status": "ok" if healthy else "unavailable",
                "database": database,
                "ringcentral": ringcentral,
            }
            status = 200 if healthy else 503
            self._cached = (now, status, body)
            return status, body

    @staticmethod
    async def _probe(check: Awaitable[Any]) -> dict[str, Any]:
        try:
            await asyncio.wait_for(check, HEALTH_TIMEOUT_SECONDS)
        except TimeoutError:
            return {"ok": False, "error": f"no answer within {HEALTH_TIMEOUT_SECONDS:.0f} s"}
        except Exception as exc:
            # For the operator's probes: what failed, as the command line would say it.
            logger.warning("health probe failed: %s", log_text(exc))
            shown = exc.details if isinstance(exc, SmsHandlersError) else type(exc).__name__
            return {"ok": False, "error": shown}
        return {"ok": True}


def build_web_app(app: AsyncApp, container: Container) -> web.Application:
    """`POST /slack/events` (commands, interactivity, options, events), `GET /healthz` and
    `GET /metrics`."""

    async def slack_events(request: web.Request) -> web.Response:
        bolt_response = await app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(bolt_response)

    web_app = build_health_app(container)
    web_app.router.add_post(EVENTS_PATH, slack_events)
    return web_app


def build_health_app(container: Container) -> web.Application:
    """`GET /healthz` and `GET /metrics`: what a Socket Mode bot serves for its orchestrator's
    probes and for Prometheus."""
    health = HealthCheck(container)

    async def healthz(_: web.Request) -> web.Response:
        status, body = await health.report()
        return web.json_response(body, status=status)

    async def metrics(_: web.Request) -> web.Response:
        body = await container.metrics.exposition()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})

    web_app = web.Application()
    web_app.router.add_get(HEALTH_PATH, healthz)
    web_app.router.add_get(METRICS_PATH, metrics)
    return web_app
