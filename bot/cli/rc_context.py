"""The resource directory for a CLI command: the configured RingCentral, or the demo sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.config import Settings, load_settings
from bot.ringcentral.auth import Credentials
from bot.ringcentral.client import RingCentralClient
from bot.ringcentral.factory import client_from_settings, client_options_from_settings
from bot.services.directory import Directory

SANDBOX_HINT = (
    "Set it in the environment or in .env, or add --sandbox to use the built-in demo account."
)


@asynccontextmanager
async def open_directory(
    *, sandbox: bool, settings: Settings | None = None
) -> AsyncIterator[Directory]:
    """A Directory over RingCentral; with `sandbox`, over the demo sandbox run in-process."""
    if sandbox:
        async with _sandbox_client(settings) as client:
            yield Directory(client=client, ttl_seconds=60.0)
        return
    config = settings or load_settings()
    client = client_from_settings(config, hint=SANDBOX_HINT)
    try:
        yield Directory(
            client=client,
            ttl_seconds=config.inventory_ttl_seconds,
            handler_concurrency=config.ringcentral_max_concurrency,
        )
    finally:
        await client.close()


@asynccontextmanager
async def _sandbox_client(settings: Settings | None) -> AsyncIterator[RingCentralClient]:
    from sms_handlers_sandbox.ringcentral import SandboxServer

    server = SandboxServer()
    await server.start()  # a free port on 127.0.0.1
    try:
        credentials = Credentials(
            server_url=server.url,
            client_id=server.client_id,
            client_secret=server.client_secret,
            jwt=server.jwt,
        )
        options = client_options_from_settings(settings or load_settings())
        async with RingCentralClient.from_credentials(credentials, options=options) as client:
            yield client
    finally:
        await server.stop()
