"""Engines and sessions from DATABASE_URL, with URL checks that explain what is wrong.

Accepted URLs: `sqlite+aiosqlite:///path.db` (also `sqlite:///path.db`) and
`postgresql+asyncpg://user:password@host:port/db` (also `postgres://` and `postgresql://`).
A PostgreSQL URL may carry `?search_path=schema` to keep the tables in their own schema.

SQLite runs in WAL mode with a busy timeout (15 s, or the URL's `?timeout=SECONDS`); write
transactions start with `BEGIN IMMEDIATE` so two writers queue for the lock instead of failing,
and readers never wait for a writer. A database that cannot be reached, or stays locked past the
busy timeout, raises `DatabaseUnavailableError`, also in the middle of a unit of work.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from bot.db.errors import DatabaseUnavailableError, DatabaseUrlError
from bot.db.models import ChangeRequestRow
from bot.db.repository import Repository

SQLITE_BUSY_TIMEOUT_MS = 15_000
CONNECT_TIMEOUT_SECONDS = 10.0
_READ_ONLY_OPTION = "sms_handlers_read_only"

_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}


def parse_database_url(raw: str) -> URL:
    """The URL with its async driver, or DatabaseUrlError naming what is wrong with it."""
    scheme = raw.split("://", 1)[0] if "://" in raw else ""
    driver = _DRIVERS.get(scheme.lower())
    if driver is None:
        shown = f"{scheme}://" if scheme else repr(_hide_password(raw))
        raise DatabaseUrlError(
            f"DATABASE_URL has an unsupported scheme {shown}: use sqlite+aiosqlite:///file.db "
            "or postgresql+asyncpg://user:password@host:5432/database."
        )
    try:
        url = make_url(driver + raw[len(scheme) :])
    except ArgumentError:
        raise DatabaseUrlError(
            f"DATABASE_URL is not a valid database URL: {_hide_password(raw)!r}."
        ) from None
    if url.get_backend_name() == "sqlite":
        _check_sqlite_path(url)
    elif not url.database:
        raise DatabaseUrlError(
            f"DATABASE_URL names no database: {describe_url(url)} "
            "(expected postgresql+asyncpg://user:password@host:5432/database)."
        )
    return url


def describe_url(url: URL) -> str:
    """The URL as it may be shown in messages and logs: never with its password."""
    return url.render_as_string(hide_password=True)


def _hide_password(raw: str) -> str:
    try:
        return make_url(raw).render_as_string(hide_password=True)
    except ArgumentError:
        return raw.split("@", 1)[-1] if "@" in raw else raw


def _check_sqlite_path(url: URL) -> None:
    path = url.database
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise DatabaseUrlError(
            f"DATABASE_URL points to a SQLite file in a directory that does not exist: "
            f"{directory}. Create the directory or change DATABASE_URL."
        )


def sqlite_file_missing(url: URL) -> bool:
    """True for a SQLite URL whose file does not exist yet (connecting would create it)."""
    path = url.database
    if url.get_backend_name() != "sqlite" or not path or path == ":memory:":
        return False
    return not path.startswith("file:") and not os.path.exists(path)


def sqlite_busy_timeout_ms(url: URL) -> int:
    """How long a SQLite writer waits for the lock: the URL's `timeout` (seconds), or 15 s."""
    given = url.query.get("timeout")
    if isinstance(given, str):
        try:
            return max(0, round(float(given) * 1000))
        except ValueError:
            pass
    return SQLITE_BUSY_TIMEOUT_MS


def create_engine(raw_url: str, **engine_options: Any) -> AsyncEngine:
    """An async engine for DATABASE_URL, with the SQLite pragmas or PostgreSQL timeouts set."""
    url = parse_database_url(raw_url)
    if url.get_backend_name() == "sqlite":
        engine = create_async_engine(url, **engine_options)
        _configure_sqlite(engine, busy_timeout_ms=sqlite_busy_timeout_ms(url))
        return engine
    search_path = url.query.get("search_path")
    url = url.difference_update_query(["search_path"])
    connect_args: dict[str, Any] = {"timeout": CONNECT_TIMEOUT_SECONDS}
    if isinstance(search_path, str) and search_path:
        connect_args["server_settings"] = {"search_path": search_path}
    return create_async_engine(url, connect_args=connect_args, **engine_options)


def _configure_sqlite(engine: AsyncEngine, *, busy_timeout_ms: int) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver, so `_on_begin` decides how BEGIN is issued.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # The timeout first: switching a new file to WAL waits for a lock like any writer.
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        read_only = connection.get_execution_options().get(_READ_ONLY_OPTION, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _short_reason(exc: BaseException) -> str:
    cause: BaseException = exc
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        cause = exc.orig
    if isinstance(cause, ConnectionRefusedError):
        return "connection refused (is the server running, on that host and port?)"
    if isinstance(cause, socket.gaierror):
        return "unknown host name"
    reason = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
    return reason.removeprefix("(").strip()


def unavailable_error(url: URL, exc: BaseException) -> DatabaseUnavailableError:
    """The error for a database that cannot be reached through DATABASE_URL: one line for the
    operator (naming DATABASE_URL without its password), a fixed sentence for Slack users."""
    if isinstance(exc, TimeoutError):
        reason = f"no answer within {CONNECT_TIMEOUT_SECONDS:g} s"
    else:
        reason = _short_reason(exc)
    if reason == "database is locked":
        return DatabaseUnavailableError(
            f"The SQLite database in DATABASE_URL ({describe_url(url)}) stayed locked by another "
            f"writer for {sqlite_busy_timeout_ms(url) / 1000:g} s; try again.",
            busy=True,
        )
    return DatabaseUnavailableError(
        f"Cannot connect to the database in DATABASE_URL ({describe_url(url)}): {reason}."
    )


@asynccontextmanager
async def connect_errors_explained(url: URL) -> AsyncIterator[None]:
    """Turn a failure to connect into DatabaseUnavailableError (one line, names DATABASE_URL).

    Wrap only the connecting, not the work done on the connection.
    """
    try:
        yield
    except (DBAPIError, OSError, TimeoutError) as exc:
        raise unavailable_error(url, exc) from exc


_WROTE_REQUESTS = "sms_handlers_wrote_requests"
_REQUESTS_TABLE = ChangeRequestRow.__tablename__


class _TrackedSession(Session):
    """A session that notes in its `info` whether it wrote to the change requests table."""


@event.listens_for(_TrackedSession, "do_orm_execute")
def _note_request_statement(state: ORMExecuteState) -> None:
    if state.is_select:
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) == _REQUESTS_TABLE:
        state.session.info[_WROTE_REQUESTS] = True


@event.listens_for(_TrackedSession, "after_flush")
def _note_request_rows(session: Session, _flush: UOWTransaction) -> None:
    if any(
        isinstance(row, ChangeRequestRow)
        for row in (*session.new, *session.dirty, *session.deleted)
    ):
        session.info[_WROTE_REQUESTS] = True


class Database:
    """An engine and its session factory; `transaction()` is the unit of work.

    `requests_version` grows after each of this instance's transactions that wrote a change
    request (committed or not): in-process caches of request state compare it to know that
    their copy may be out of date (bot.services.temporary caches running temporary changes).
    Other instances' writes do not move it.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.url = engine.url
        self.requests_version = 0
        self.sessionmaker = async_sessionmaker(
            engine, expire_on_commit=False, sync_session_class=_TrackedSession
        )
        self._read_sessionmaker = async_sessionmaker(
            engine.execution_options(**{_READ_ONLY_OPTION: True}), expire_on_commit=False
        )

    @classmethod
    def from_url(cls, raw_url: str, **engine_options: Any) -> Database:
        """A Database for DATABASE_URL (checked; no connection is made yet)."""
        return cls(create_engine(raw_url, **engine_options))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(self, *, read_only: bool = False) -> AsyncIterator[AsyncSession]:
        """A session in one transaction: committed when the block ends, rolled back on error."""
        factory = self._read_sessionmaker if read_only else self.sessionmaker
        async with factory() as session, session.begin():
            async with connect_errors_explained(self.url):
                await session.connection()  # connect now: a bad DATABASE_URL fails here, clearly
            yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Repository]:
        """The unit of work: every change made through the repository commits together.

        Losing the database on the way (a dropped connection, a lock held past the busy
        timeout) raises DatabaseUnavailableError, and nothing of the unit is kept.
        """
        info: dict[Any, Any] = {}
        try:
            async with self.session() as session:
                info = session.info
                yield Repository(session)
        except (OperationalError, InterfaceError) as exc:
            raise unavailable_error(self.url, exc) from exc
        finally:
            if info.get(_WROTE_REQUESTS):
                self.requests_version += 1

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[Repository]:
        """A repository for reads only (on SQLite it never waits for a writer)."""
        async with self.session(read_only=True) as session:
            yield Repository(session)

    async def check_connection(self) -> None:
        """Connect once, so a bad DATABASE_URL fails now with a clear message."""
        async with connect_errors_explained(self.url), self.engine.connect() as connection:
            await asyncio.wait_for(connection.execute(text("SELECT 1")), CONNECT_TIMEOUT_SECONDS)

    async def dispose(self) -> None:
        await self.engine.dispose()
