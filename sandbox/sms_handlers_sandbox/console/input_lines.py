"""Where the console's command lines come from: a replayed script or a person typing."""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Iterable
from typing import Protocol, TextIO


class CommandLines(Protocol):
    """A source of command lines; None once there are no more."""

    async def next(self, prompt: str) -> str | None:
        """The next line without its newline, or None at the end."""


class ScriptLines:
    """Lines of a --script replay."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._lines = iter(lines)

    async def next(self, prompt: str) -> str | None:
        """The next line of the script (no prompt is shown)."""
        line = next(self._lines, None)
        return None if line is None else str(line).rstrip("\n")


class StdinLines:
    """Lines typed on stdin, read by a daemon thread so Ctrl-C never waits for Enter."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        loop = asyncio.get_running_loop()
        stdin = sys.stdin
        # A terminal shows what is typed; piped input is echoed so the transcript reads well.
        self._echo = not (hasattr(stdin, "isatty") and stdin.isatty())

        def pump() -> None:
            try:
                for line in iter(stdin.readline, ""):
                    loop.call_soon_threadsafe(self._queue.put_nowait, line)
                loop.call_soon_threadsafe(self._queue.put_nowait, None)
            except RuntimeError:  # the console ended and its event loop is closed
                return

        threading.Thread(target=pump, name="demo-console-stdin", daemon=True).start()

    async def next(self, prompt: str) -> str | None:
        """Show the prompt and wait for the next typed line."""
        self._out.write(prompt)
        self._out.flush()
        line = await self._queue.get()
        if line is None:
            self._out.write("\n")  # end the prompt's line when input ends (Ctrl-D, end of pipe)
            return None
        if self._echo:
            self._out.write(line if line.endswith("\n") else line + "\n")
        return line.rstrip("\n")
