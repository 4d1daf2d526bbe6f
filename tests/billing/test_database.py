"""The Database: read-only queries go to the replica when there is one; SQLite gets its pragmas."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import StatementError

from encore.db.database import Database, DatabaseUnavailableError
from encore.db.migrate import upgrade
from encore.db.player_states import PlayerStateRepository
from tests.billing_support import SettableClock


async def test_reads_go_to_the_replica(tmp_path: Path) -> None:
    primary_url = f"sqlite+aiosqlite:///{tmp_path / 'primary.db'}"
    replica_url = f"sqlite+aiosqlite:///{tmp_path / 'replica.db'}"
    replica = Database(replica_url)
    await upgrade(replica)
    await replica.dispose()
    database = Database(primary_url, read_url=replica_url)
    try:
        await upgrade(database)
        states = PlayerStateRepository(database, SettableClock())
        await states.save(1, {"v": 1})
        assert await states.load(1) is None  # the (never replicated) replica answers reads
        async with database.transaction() as session:
            assert (await session.execute(text("SELECT count(*) FROM player_states"))).scalar_one() == 1
    finally:
        await database.dispose()


async def test_sqlite_has_foreign_keys_and_wal(tmp_path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    try:
        async with database.transaction() as session:
            assert (await session.execute(text("PRAGMA foreign_keys"))).scalar_one() == 1
        async with database.read_session() as session:
            assert (await session.execute(text("PRAGMA journal_mode"))).scalar_one() == "wal"
    finally:
        await database.dispose()


async def test_naive_datetimes_are_refused(tmp_path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    try:
        await upgrade(database)
        states = PlayerStateRepository(database, lambda: datetime(2026, 1, 1))
        with pytest.raises(StatementError, match="timezone-aware"):
            await states.save(1, {})
    finally:
        await database.dispose()


def test_an_sqlite_file_in_a_missing_directory_is_named_at_once(tmp_path: Path) -> None:
    missing = tmp_path / "not-created"
    with pytest.raises(DatabaseUnavailableError, match=f"directory {missing} does not exist"):
        Database(
            f"sqlite+aiosqlite:///{tmp_path / 'ok.db'}", read_url=f"sqlite+aiosqlite:///{missing / 'r.db'}"
        )
    assert list(tmp_path.iterdir()) == []


async def test_an_in_memory_sqlite_database_needs_no_directory() -> None:
    database = Database("sqlite+aiosqlite://")
    try:
        async with database.transaction() as session:
            assert (await session.execute(text("SELECT 1"))).scalar_one() == 1
    finally:
        await database.dispose()
