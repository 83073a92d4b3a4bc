"""A real `sms-handlers serve --http` subprocess for end-to-end tests, wired to the RingCentral
sandbox and the Slack stand-in running in the test process, and the Slack-like steps that drive
it (a request sent through the modal, a review opened), each waiting for what the app shows.

    async with serve_process(env, tmp_path) as serve:
        harness = serve.harness(sandbox, slack, http)
        ...
        await serve.stop(signal.SIGKILL)
        await serve.start()   # the same database: recovery runs at start-up
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp

from bot.views import ids
from tests.support.app_harness import Harness, Person
from tests.support.waiting import wait_until

JsonDict = dict[str, Any]


class ServeProcess:
    """One `serve --http` at a time on a fixed port; its stderr is kept (for failures)."""

    def __init__(self, *, env: Mapping[str, str], cwd: Path, port: int) -> None:
        self.env = dict(env)
        self.cwd = cwd
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.stderr: list[str] = []
        self._process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start serve and wait until it answers /healthz."""
        self._process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "serve",
            "--http",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            env=self.env,
            cwd=str(self.cwd),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        self._reader = asyncio.create_task(self._read_stderr(self._process))
        process = self._process
        async with aiohttp.ClientSession() as http:

            async def healthy() -> bool:
                if process.returncode is not None:
                    raise AssertionError(f"serve exited with {process.returncode}: {self.log()}")
                try:
                    async with http.get(f"{self.url}/healthz") as response:
                        return response.status == 200
                except aiohttp.ClientConnectionError:
                    return False

            await wait_until(healthy, what="serve to answer /healthz", timeout_seconds=30)

    def signal(self, how: signal.Signals) -> None:
        """Send `how` (SIGKILL, SIGTERM) to the running process."""
        assert self._process is not None
        if self._process.returncode is None:
            self._process.send_signal(how)

    async def wait(self) -> int:
        """Wait for the process to end; its exit code (-9 after SIGKILL)."""
        assert self._process is not None
        code = await asyncio.wait_for(self._process.wait(), 60)
        if self._reader is not None:
            await self._reader
        return code

    def log(self) -> str:
        return "".join(self.stderr[-40:])

    async def _read_stderr(self, process: asyncio.subprocess.Process) -> None:
        assert process.stderr is not None
        async for line in process.stderr:
            self.stderr.append(line.decode(errors="replace"))


@asynccontextmanager
async def serve_process(
    env: Mapping[str, str], cwd: Path, port: int
) -> AsyncIterator[ServeProcess]:
    """A started serve subprocess, killed at the end whatever happened."""
    serve = ServeProcess(env=env, cwd=cwd, port=port)
    await serve.start()
    try:
        yield serve
    finally:
        process = serve._process
        if process is not None and process.returncode is None:
            process.kill()
            await process.wait()


def modal_of(app: Harness, person: Person, callback_id: str) -> JsonDict | None:
    """The person's top modal if it is the one with this callback id (and filled in)."""
    stack = app.slack.modal_stack(person.id)
    if stack and stack[-1].get("callback_id") == callback_id:
        return stack[-1]
    return None


async def send_request(app: Harness, *, query: str, add: str, typed: str) -> JsonDict:
    """Carla types `/sms-handlers QUERY`, presses Request change, adds one person and sends it;
    the approval-channel post it produced."""
    cards = len(app.ephemerals(app.carla))
    await app.command(app.carla, query, settle=False)
    await wait_until(lambda: len(app.ephemerals(app.carla)) > cards, what=f"the card of {query}")
    await app.click(
        app.carla, ids.REQUEST_CHANGE, message=app.last_ephemeral(app.carla), settle=False
    )
    await wait_until(
        lambda: modal_of(app, app.carla, ids.REQUEST_MODAL) is not None, what="the request form"
    )
    form = modal_of(app, app.carla, ids.REQUEST_MODAL)
    assert form is not None
    offered = await app.suggest(
        app.carla, form, block_id=ids.ADD_BLOCK, action_id=ids.ADD_ACTION, typed=typed
    )
    person = next(o for o in offered if o["value"] == add)
    posts = len(app.approval_posts())
    outcome = await app.submit(
        app.carla, form, {ids.ADD_BLOCK: [person], ids.REASON_BLOCK: "cover"}, settle=False
    )
    assert outcome.action == "update", outcome
    await wait_until(lambda: len(app.approval_posts()) > posts, what="the approval post")
    return app.approval_posts()[-1]


async def open_review(app: Harness, post: JsonDict, request_id: int) -> JsonDict:
    """Alex presses Review on the post; the review modal once it shows the live handlers."""
    await app.click(app.alex, ids.REVIEW_REQUEST, message=post, settle=False)

    def review_open() -> bool:
        modal = modal_of(app, app.alex, ids.REVIEW_MODAL)
        return modal is not None and modal.get("private_metadata") == str(request_id)

    await wait_until(review_open, what=f"the review of request #{request_id}")
    review = modal_of(app, app.alex, ids.REVIEW_MODAL)
    assert review is not None
    return review
