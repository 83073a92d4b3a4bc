"""Two instances upgrading one fresh database at the same moment: both succeed, one migrates.

Real processes (`python -m bot.cli db upgrade`), started together, many times: without the
migration lock one of them failed on PostgreSQL with UniqueViolationError on alembic_version
in about a third of the trials, and on SQLite with "database is locked".
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from bot.db.migrate import current_async, head_revision
from tests.support.postgres import isolated_schema, postgres_url_or_skip

POSTGRES_TRIALS = 20
SQLITE_TRIALS = 4


async def _two_upgrades_at_once(database_url: str, cwd: Path) -> list[tuple[int, str, str]]:
    env = {"PATH": os.environ.get("PATH", ""), "DATABASE_URL": database_url}
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "db",
            "upgrade",
            env=env,
            cwd=str(cwd),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(2)
    ]
    outputs = await asyncio.gather(*(p.communicate() for p in processes))
    return [
        (int(p.returncode or 0), out.decode(), err.decode())
        for p, (out, err) in zip(processes, outputs, strict=True)
    ]


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
    for _ in range(POSTGRES_TRIALS):
        async with isolated_schema(server) as url:
            failed += _failures(await _two_upgrades_at_once(url, tmp_path))
            assert await current_async(url) == head_revision()
    assert failed == []


@pytest.mark.slow
async def test_simultaneous_upgrades_on_sqlite(tmp_path: Path) -> None:
    failed: list[str] = []
    for trial in range(SQLITE_TRIALS):
        url = f"sqlite+aiosqlite:///{tmp_path / f'trial{trial}.db'}"
        failed += _failures(await _two_upgrades_at_once(url, tmp_path))
        assert await current_async(url) == head_revision()
    assert failed == []
