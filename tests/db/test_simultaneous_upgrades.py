"""Two instances upgrading one fresh database at the same moment: both succeed, one migrates.

Two real processes run `sms-handlers db upgrade` on the same fresh database at the same moment,
many times (tests/support/upgrade_worker.py: each process starts once and is handed a new
database per trial): without the migration lock one of them failed on PostgreSQL with
UniqueViolationError on alembic_version in about a third of the trials, and on SQLite with
"database is locked".
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest

from bot.db.migrate import current_async, head_revision
from tests.support.postgres import isolated_schema, postgres_url_or_skip

POSTGRES_TRIALS = 20
SQLITE_TRIALS = 4
ROOT = Path(__file__).resolve().parents[2]


class _Workers:
    """Two upgrade worker processes, handed the same database URL at the same moment."""

    def __init__(self, cwd: Path) -> None:
        self._cwd = cwd
        self._processes: list[asyncio.subprocess.Process] = []

    async def __aenter__(self) -> _Workers:
        env = {"PATH": os.environ.get("PATH", "")}
        for _ in range(2):
            self._processes.append(
                await asyncio.create_subprocess_exec(
                    *(sys.executable, "-m", "tests.support.upgrade_worker"),
                    env=env,
                    cwd=str(ROOT),
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE,
                )
            )
        return self

    async def __aexit__(self, *_: object) -> None:
        for process in self._processes:
            assert process.stdin is not None
            process.stdin.close()
        await asyncio.gather(*(p.wait() for p in self._processes))

    async def upgrade_together(self, database_url: str) -> list[tuple[int, str, str]]:
        for process in self._processes:
            assert process.stdin is not None
            process.stdin.write(f"{database_url}\n".encode())
        await asyncio.gather(*(p.stdin.drain() for p in self._processes if p.stdin))
        results = []
        for process in self._processes:
            assert process.stdout is not None
            line = await asyncio.wait_for(process.stdout.readline(), 120)
            answer = json.loads(line)
            results.append((int(answer["code"]), str(answer["out"]), str(answer["err"])))
        return results


def _failures(results: list[tuple[int, str, str]]) -> list[str]:
    head = head_revision()
    return [
        f"exit {code}: {err.strip()[-400:]}"
        for code, out, err in results
        if code != 0 or f"is at revision {head}" not in out
    ]


@pytest.mark.postgres
@pytest.mark.slow
async def test_simultaneous_upgrades_on_postgresql(tmp_path: Path) -> None:
    server = postgres_url_or_skip()
    failed: list[str] = []
    async with _Workers(tmp_path) as workers:
        for _ in range(POSTGRES_TRIALS):
            async with isolated_schema(server) as url:
                failed += _failures(await workers.upgrade_together(url))
                assert await current_async(url) == head_revision()
    assert failed == []


@pytest.mark.slow
async def test_simultaneous_upgrades_on_sqlite(tmp_path: Path) -> None:
    failed: list[str] = []
    async with _Workers(tmp_path) as workers:
        for trial in range(SQLITE_TRIALS):
            url = f"sqlite+aiosqlite:///{tmp_path / f'trial{trial}.db'}"
            failed += _failures(await workers.upgrade_together(url))
            assert await current_async(url) == head_revision()
    assert failed == []
