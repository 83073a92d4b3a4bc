"""History queries at 1,000,000 audit events, on SQLite and on PostgreSQL when one answers.

Each query runs up to RUNS times (at least MIN_RUNS, else as many as fit in SECONDS_PER_QUERY),
each in its own read transaction; its p50/p95/p99 are shown, and its p50 as a ratio to fetching
one event by primary key on the same database in the same run. The OFFSET rows show what keyset
pagination avoids. PostgreSQL is the server in SMS_HANDLERS_TEST_POSTGRES_URL, else the local
one the tests use (database `test`, user `postgres` on 127.0.0.1:5432) when it answers. The
loaded databases are kept between runs: SQLite in .bench-cache/, PostgreSQL in the schema
`bench_history`.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import socket
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from bot.db.migrate import upgrade_async
from bot.db.models import AuditEventRow
from bot.db.session import Database, create_engine, parse_database_url

EVENTS = 1_000_000
RESOURCES = 2_000
ACTORS = 500
CHUNK = 50_000
RUNS = 100
MIN_RUNS = 20  # a slow query runs fewer times: its p99 is then close to its slowest run
SECONDS_PER_QUERY = 5.0
PAGE = 20
CACHE = Path(".bench-cache")
PG_SCHEMA = "bench_history"
POSTGRES_URL_ENV = "SMS_HANDLERS_TEST_POSTGRES_URL"
LOCAL_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
START = datetime(2025, 1, 1, tzinfo=UTC)
SPAN = timedelta(days=700)

Query = Callable[[Database], Awaitable[object]]


def _progress(message: str) -> None:
    print(f"   {message}", file=sys.stderr, flush=True)


def _event(n: int, rng: random.Random) -> tuple[Any, ...]:
    resource = rng.randrange(RESOURCES)
    person = {"id": str(10_000 + rng.randrange(5_000)), "name": "Someone", "extension_number": None}
    return (
        START + SPAN * n / EVENTS,
        f"U{rng.randrange(ACTORS):06d}",
        "Some One",
        "external_change" if n % 5 == 0 else "approved",
        f"res-{resource}",
        "call_queue",
        f"Queue {resource}",
        json.dumps([person]),
        json.dumps([]),
        json.dumps({"n": n}),
    )


_COLUMNS = (
    "occurred_at, actor_id, actor_name, action, resource_id, resource_type, resource_name, "
    "added, removed, details"
)


async def _count(database: Database) -> int:
    async with database.session(read_only=True) as session:
        return int(await session.scalar(select(func.count()).select_from(AuditEventRow)) or 0)


async def _load_sqlite(database: Database) -> None:
    rng = random.Random(1)
    insert = f"INSERT INTO audit_events ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    for start in range(0, EVENTS, CHUNK):
        rows = []
        for n in range(start, start + CHUNK):
            values = _event(n, rng)
            rows.append((values[0].strftime("%Y-%m-%d %H:%M:%S.%f"), *values[1:]))
        async with database.engine.begin() as connection:
            await connection.exec_driver_sql(insert, rows)
        _progress(f"sqlite: {start + CHUNK:,} events")


async def _load_postgres(database: Database) -> None:
    rng = random.Random(1)
    columns = [name.strip() for name in _COLUMNS.split(",")]
    async with database.engine.begin() as connection:
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        for start in range(0, EVENTS, CHUNK):
            records = [_event(n, rng) for n in range(start, start + CHUNK)]
            await driver.copy_records_to_table(
                "audit_events", records=records, columns=columns, schema_name=PG_SCHEMA
            )
            _progress(f"postgresql: {start + CHUNK:,} events")
    async with database.engine.connect() as connection:
        await connection.execute(text("ANALYZE audit_events"))
        await connection.commit()


async def _prepare(url: str, load: Callable[[Database], Awaitable[None]]) -> Database:
    await upgrade_async(url)
    database = Database.from_url(url)
    count = await _count(database)
    if count not in (0, EVENTS):
        raise SystemExit(f"{url} holds {count:,} audit events; delete the cache and run again")
    if count == 0:
        started = time.perf_counter()
        await load(database)
        _progress(f"loaded {EVENTS:,} events in {time.perf_counter() - started:.0f} s")
    return database


async def _sqlite_database() -> Database:
    await asyncio.to_thread(CACHE.mkdir, exist_ok=True)
    return await _prepare(f"sqlite+aiosqlite:///{CACHE / 'history.db'}", _load_sqlite)


async def _postgres_database(server_url: str) -> Database:
    engine = create_engine(server_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{PG_SCHEMA}"'))
    finally:
        await engine.dispose()
    url = parse_database_url(server_url).update_query_dict({"search_path": PG_SCHEMA})
    return await _prepare(url.render_as_string(hide_password=False), _load_postgres)


async def _percentiles(database: Database, query: Query) -> tuple[float, float, float, int]:
    """p50, p95 and p99 seconds, and the number of runs: RUNS, or as many as fit in
    SECONDS_PER_QUERY but at least MIN_RUNS (after two unmeasured ones)."""
    started = time.perf_counter()
    for _ in range(2):
        await query(database)
    one = (time.perf_counter() - started) / 2
    runs = max(MIN_RUNS, min(RUNS, int(SECONDS_PER_QUERY / max(one, 1e-6))))
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await query(database)
        times.append(time.perf_counter() - started)
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98], runs


def _queries(
    *, deep_before_id: int, deep_offset: int, page20_before_id: int
) -> list[tuple[str, Query]]:
    async def by_primary_key(database: Database) -> object:
        async with database.session(read_only=True) as session:
            return await session.get(AuditEventRow, EVENTS // 2)

    async def history(database: Database, **filters: Any) -> object:
        async with database.reader() as repo:
            return await repo.history(limit=PAGE, **filters)

    async def offset_page(database: Database, resource_id: str | None, offset: int) -> object:
        stmt = select(AuditEventRow).order_by(AuditEventRow.id.desc())
        if resource_id is not None:
            stmt = stmt.where(AuditEventRow.resource_id == resource_id)
        async with database.session(read_only=True) as session:
            return list(await session.scalars(stmt.offset(offset).limit(PAGE)))

    recent = START + SPAN - timedelta(days=7)
    return [
        ("one event by primary key (baseline)", by_primary_key),
        ("newest page, whole log", lambda db: history(db)),
        ("newest page, one resource", lambda db: history(db, resource_id="res-7")),
        ("newest page, one user", lambda db: history(db, actor_id="U000042")),
        ("one resource, last 7 days", lambda db: history(db, resource_id="res-7", since=recent)),
        (
            "oldest page, whole log (keyset)",
            lambda db: history(db, before_id=deep_before_id),
        ),
        ("oldest page, whole log (OFFSET)", lambda db: offset_page(db, None, deep_offset)),
        (
            "page 20 of one resource (keyset)",
            lambda db: history(db, resource_id="res-7", before_id=page20_before_id),
        ),
        ("page 20 of one resource (OFFSET)", lambda db: offset_page(db, "res-7", 19 * PAGE)),
        ("name search, many matches", lambda db: history(db, text="queue 7")),
        ("name search, no match (full scan)", lambda db: history(db, text="no such name")),
    ]


async def _before_id_of_page(database: Database, *, resource_id: str, page: int) -> int:
    """The cursor a user holds after paging `page - 1` times through one resource's history."""
    before_id: int | None = None
    for _ in range(page - 1):
        async with database.reader() as repo:
            result = await repo.history(resource_id=resource_id, before_id=before_id, limit=PAGE)
        before_id = result.next_before_id
    assert before_id is not None
    return before_id


async def _bench(label: str, database: Database) -> list[str]:
    page20 = await _before_id_of_page(database, resource_id="res-7", page=20)
    queries = _queries(deep_before_id=PAGE + 1, deep_offset=EVENTS - PAGE, page20_before_id=page20)
    lines = []
    baseline = 0.0
    for name, query in queries:
        p50, p95, p99, runs = await _percentiles(database, query)
        baseline = baseline or p50
        times = f"{p50 * 1000:8.2f} {p95 * 1000:8.2f} {p99 * 1000:8.2f}"
        lines.append(f"{label:<11}{name:<38}{times} {p50 / baseline:9.1f}x {runs:5d}")
    return lines


def _postgres_server() -> str | None:
    """The PostgreSQL server to use: the variable's, else the local one if it answers."""
    url = os.environ.get(POSTGRES_URL_ENV, "").strip()
    if url:
        return url
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=0.5):
            return LOCAL_POSTGRES_URL
    except OSError:
        return None


async def run() -> list[str]:
    """Time the history queries on each database; one line per query."""
    header = f"{'p50':>8} {'p95':>8} {'p99':>8} (ms)"
    lines = [f"{'database':<11}{'query (20 events a page)':<38}{header} {'p50 vs pk':>9} runs"]
    databases: list[tuple[str, Callable[[], Awaitable[Database]]]] = [("sqlite", _sqlite_database)]
    server_url = await asyncio.to_thread(_postgres_server)
    if server_url:
        databases.append(("postgresql", lambda: _postgres_database(server_url)))
    for label, open_database in databases:
        database = await open_database()
        try:
            lines.extend(await _bench(label, database))
        finally:
            await database.dispose()
    if not server_url:
        lines.append(
            f"postgresql: skipped (none answers on 127.0.0.1:5432; set {POSTGRES_URL_ENV})"
        )
    return lines
