"""Billing test support: a migrated Database on PostgreSQL and on SQLite, and a settable clock.

``database`` (parametrized ``postgres`` / ``sqlite``) gives a freshly migrated database: on
PostgreSQL a schema of its own (other helpers' tests share the server), dropped afterwards; on
SQLite a file in the test's tmp dir. ``pg_database`` is the PostgreSQL one only. The clock is not a
mock: it is the clock the service is built with, and tests move it.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError

from encore.billing.service import BillingService
from encore.billing.views import Actor
from encore.db.database import Database
from encore.db.migrate import upgrade

POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
START = datetime(2026, 3, 1, tzinfo=UTC)
ADMIN = Actor(id="user:42", kind="user", source="api", ip="203.0.113.7")


@dataclass
class SettableClock:
    now: datetime = START
    _history: list[datetime] = field(default_factory=list)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


async def _admin(sql: str) -> None:
    admin = Database(POSTGRES_URL, pool_size=1, max_overflow=0)
    try:
        async with admin.engine.begin() as connection:
            await connection.execute(text(sql))
    finally:
        await admin.dispose()


async def postgres_database(pool_size: int = 10, max_overflow: int = 5) -> tuple[Database, str]:
    """A new schema, migrated; the caller drops it with :func:`drop_postgres`."""
    schema = f"billing_{uuid.uuid4().hex[:16]}"
    try:
        await _admin(f'CREATE SCHEMA "{schema}"')
    except (OSError, OperationalError, DBAPIError) as exc:
        pytest.fail(f"these tests need PostgreSQL at {POSTGRES_URL}: {exc}")
    database = Database(POSTGRES_URL, schema=schema, pool_size=pool_size, max_overflow=max_overflow)
    try:
        await upgrade(database)
    except BaseException:
        await drop_postgres(database, schema)
        raise
    return database, schema


async def drop_postgres(database: Database, schema: str) -> None:
    await database.dispose()
    await _admin(f'DROP SCHEMA "{schema}" CASCADE')


async def sqlite_database(directory: Path) -> Database:
    database = Database(f"sqlite+aiosqlite:///{directory / 'encore.db'}")
    try:
        await upgrade(database)
    except BaseException:
        await database.dispose()
        raise
    return database


@pytest.fixture(params=["postgres", "sqlite"])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    if request.param == "postgres":
        db, schema = await postgres_database()
        yield db
        await drop_postgres(db, schema)
    else:
        db = await sqlite_database(tmp_path)
        yield db
        await db.dispose()


@pytest.fixture
async def pg_database() -> AsyncIterator[Database]:
    db, schema = await postgres_database(pool_size=20, max_overflow=0)
    yield db
    await drop_postgres(db, schema)


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock()


@pytest.fixture
def billing(database: Database, clock: SettableClock) -> BillingService:
    return BillingService(database, clock, cache_ttl_s=0)
