"""What the two stand-ins (RingCentral sandbox, Slack stand-in) share: an aiohttp server that
listens on a loopback address only, started and stopped by hand or with `async with`."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from aiohttp import web

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class LoopbackServer:
    """Subclasses give `_application()` and call `_listen()` from their `start()`."""

    _runner: web.AppRunner | None = None

    def _application(self) -> web.Application:
        raise NotImplementedError

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        raise NotImplementedError

    async def _listen(self, host: str, port: int, *, shutdown_timeout: float = 2.0) -> str:
        """Serve `_application()` on host:port (0 picks a free port); returns the base URL."""
        if host not in LOOPBACK_HOSTS:
            raise ValueError(f"stand-ins listen on loopback only (127.0.0.1), not {host!r}")
        self._runner = web.AppRunner(
            self._application(), access_log=None, shutdown_timeout=shutdown_timeout
        )
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        bound_port = int(self._runner.addresses[0][1])
        shown_host = f"[{host}]" if ":" in host else host
        return f"http://{shown_host}:{bound_port}"

    async def stop(self) -> None:
        """Stop serving (idempotent)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()
