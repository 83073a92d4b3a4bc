"""Real `sms-handlers serve --http` processes for tests of several instances on one database.

    async with serve_instance(env, cwd=tmp_path) as a, serve_instance(env, cwd=tmp_path) as b:
        await a.healthy(http)
        ...
        a.kill()  # kill -9: no shutdown, no lease released

Each process's stderr goes to a file (`log()` reads it); leaving the block stops a process still
running with SIGTERM and checks that it exits cleanly.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp

from bot.app import EVENTS_PATH, HEALTH_PATH
from tests.support.app_harness import free_port

REPOSITORY = Path(__file__).resolve().parents[2]
JOB_LAUNCHER = "tests.support.serve_with_job"  # serve plus a job that records its runs


class Instance:
    """One running `serve --http`."""

    def __init__(self, process: asyncio.subprocess.Process, *, port: int, stderr: Path) -> None:
        self.process = process
        self.pid = process.pid
        self.base = f"http://127.0.0.1:{port}"
        self.events_url = self.base + EVENTS_PATH
        self._stderr = stderr

    def log(self) -> str:
        return self._stderr.read_text(encoding="utf-8", errors="replace")

    async def healthy(self, http: aiohttp.ClientSession, *, seconds: float = 30.0) -> None:
        """Wait until it answers GET /healthz with 200."""
        for _ in range(int(seconds / 0.1)):
            if self.process.returncode is not None:
                raise AssertionError(f"serve exited with {self.process.returncode}:\n{self.log()}")
            try:
                async with http.get(self.base + HEALTH_PATH) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.1)
        raise AssertionError(f"serve never became healthy:\n{self.log()}")

    def kill(self) -> None:
        """kill -9."""
        self.process.send_signal(signal.SIGKILL)

    async def stop(self) -> int:
        """SIGTERM, and its exit code."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), 30)


@asynccontextmanager
async def serve_instance(
    env: Mapping[str, str], *, cwd: Path, module: str = "bot.cli", pre_args: tuple[str, ...] = ()
) -> AsyncIterator[Instance]:
    """`python -m MODULE [PRE_ARGS] serve --http` on a free loopback port."""
    port = free_port()
    stderr = cwd / f"serve-{port}.log"
    environment = {**env, "PYTHONPATH": str(REPOSITORY)}
    with stderr.open("wb") as err:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            module,
            *pre_args,
            "serve",
            "--http",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            env=environment,
            cwd=str(cwd),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=err,
        )
    instance = Instance(process, port=port, stderr=stderr)
    try:
        yield instance
    finally:
        killed = process.returncode is not None and process.returncode == -signal.SIGKILL
        code = await instance.stop()
        if not killed:
            assert code == 0, f"serve exited with {code}:\n{instance.log()}"
