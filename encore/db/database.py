"""The database connection: an async engine, a session factory and an optional read replica.

Works on ``postgresql+asyncpg://`` (production) and ``sqlite+aiosqlite://`` (the embedded default).
On SQLite every connection turns foreign keys on and uses WAL, and a busy writer is waited for
(SQLite serialises writers; ``BEGIN IMMEDIATE`` takes the write lock at the start of a change).
``schema`` (PostgreSQL) puts every table in that schema through the connection's search path, which
is how tests isolate themselves.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from encore.errors import EncoreError

__all__ = ["Database", "DatabaseUnavailableError"]

SQLITE_BUSY_TIMEOUT_MS = 30_000


class DatabaseUnavailableError(EncoreError):
    """The database at ``DATABASE_URL`` could not be reached or opened (the message hides the password)."""

    def __init__(self, url: str, cause: BaseException) -> None:
        shown = make_url(url).render_as_string(hide_password=True)  # an engine's URL: it parses
        reason = cause.orig if isinstance(cause, DBAPIError) and cause.orig is not None else cause
        why = f"{type(reason).__name__}: {reason}"
        super().__init__(f"DATABASE_URL: cannot use the database at {shown}: {why}")


def _is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _check_sqlite_directory(url: str) -> None:
    """SQLite creates the file but not its directory: say so at once (a failed aiosqlite connect
    leaves its worker thread posting to a loop that may be gone by then)."""
    path = make_url(url).database
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    directory = Path(path).resolve().parent
    if not directory.is_dir():
        raise DatabaseUnavailableError(url, FileNotFoundError(f"directory {directory} does not exist"))


def _engine(url: str, pool_size: int, max_overflow: int, schema: str | None, echo: bool) -> AsyncEngine:
    if _is_sqlite(url):
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
            # pysqlite's own transaction handling is turned off so BEGIN IMMEDIATE below is ours.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            cursor.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    connect_args: dict[str, Any] = {}
    if schema is not None:
        connect_args["server_settings"] = {"search_path": schema}
    return create_async_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=True,
        connect_args=connect_args,
    )


class Database:
    """Engines and sessions. ``read_url`` (a replica) serves :meth:`read_session`; else the primary."""

    def __init__(
        self,
        url: str,
        *,
        read_url: str | None = None,
        pool_size: int = 10,
        max_overflow: int = 10,
        schema: str | None = None,
        echo: bool = False,
    ) -> None:
        for each in (url, read_url):
            if each is not None and _is_sqlite(each):
                _check_sqlite_directory(each)
        self.url = url
        self.schema = schema
        self.engine = _engine(url, pool_size, max_overflow, schema, echo)
        self.read_engine = (
            _engine(read_url, pool_size, max_overflow, schema, echo) if read_url else self.engine
        )
        self.pool_size = pool_size
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = async_sessionmaker(self.read_engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session in one transaction: committed when the block ends, rolled back on an error."""
        async with self._sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def read_session(self) -> AsyncIterator[AsyncSession]:
        """A session for read-only queries, on the replica when there is one."""
        async with self._read_sessions() as session:
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()
