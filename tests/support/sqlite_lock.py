"""Another writer holding a SQLite database's write lock, as a test's stand-in for a busy
neighbour (a backup, a second bot on the same file)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path


class SqliteWriteLock:
    """`BEGIN IMMEDIATE` on its own connection: every other writer waits, then fails with
    "database is locked" once its busy timeout has passed; readers go on (WAL)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._connection: sqlite3.Connection | None = None

    async def acquire(self) -> None:
        """Take the lock (waiting, in a thread, for a writer that holds it now)."""
        self._connection = await asyncio.to_thread(self._begin)

    async def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            await asyncio.to_thread(_end, connection)

    def _begin(self) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self.path, timeout=10, isolation_level=None, check_same_thread=False
        )
        connection.execute("BEGIN IMMEDIATE")
        return connection


def _end(connection: sqlite3.Connection) -> None:
    connection.rollback()
    connection.close()
