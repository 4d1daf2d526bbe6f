"""Player snapshots in the real Redis and durable rows in the real PostgreSQL."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from redis.asyncio import Redis

from audio_fleet.durable_snapshots import DurableSnapshotStore, needs_row_write
from audio_fleet.fencing import FencedSnapshotStore, LeaseLostError
from audio_fleet.leases import LeaseStore
from encore.db.database import Database
from encore.db.player_states import PlayerStateRepository
from encore.player_snapshot import PlayerSnapshot, RedisSnapshotStore, TrackSnapshot
from encore.redis_client import RedisUnavailableError
from encore.routing import ShardLayout
from tests.billing_support import drop_postgres, postgres_database
from tests.ports import free_port

NOW = datetime(2026, 3, 1, tzinfo=UTC)
SONG = TrackSnapshot("Song", "Artist", "https://example.com/song", 200_000, False, 7)
NEXT = TrackSnapshot("Next", "Artist", "https://example.com/next", 100_000, False, 7)


def snapshot(position_ms: int = 0, queue: tuple[TrackSnapshot, ...] = (NEXT,)) -> PlayerSnapshot:
    at = NOW + timedelta(milliseconds=position_ms)
    return PlayerSnapshot(4242 << 22, 9, SONG, position_ms, at, False, 80, "off", queue, at)


@pytest.fixture
async def rows() -> AsyncIterator[PlayerStateRepository]:
    database, schema = await postgres_database(pool_size=2, max_overflow=0)
    try:
        yield PlayerStateRepository(database, lambda: NOW)
    finally:
        await drop_postgres(database, schema)


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_a_player_survives_its_redis_copy_in_the_database(
    redis: Redis, prefix: str, rows: PlayerStateRepository
) -> None:
    fast = RedisSnapshotStore(redis, prefix=prefix)
    store = DurableSnapshotStore(fast, rows)
    saved = snapshot(position_ms=30_000)
    await store.save(saved)
    await redis.delete(f"{prefix}{saved.guild_id}")  # expired, or Redis lost it
    assert await store.load(saved.guild_id) == saved


async def test_position_only_saves_reach_the_database_at_most_every_interval(
    redis: Redis, prefix: str, rows: PlayerStateRepository
) -> None:
    ticks = Ticks()
    store = DurableSnapshotStore(
        RedisSnapshotStore(redis, prefix=prefix), rows, position_interval_s=60, monotonic=ticks
    )
    await store.save(snapshot(position_ms=0))
    ticks.now = 10
    await store.save(snapshot(position_ms=10_000))  # only the position moved: Redis only
    row = await rows.load(snapshot().guild_id)
    assert row is not None
    assert row["position_ms"] == 0
    ticks.now = 20
    await store.save(snapshot(position_ms=20_000, queue=()))  # the queue changed: written at once
    row = await rows.load(snapshot().guild_id)
    assert row is not None
    assert (row["position_ms"], row["queue"]) == (20_000, [])
    ticks.now = 85
    await store.save(snapshot(position_ms=85_000, queue=()))  # a minute later: the position too
    row = await rows.load(snapshot().guild_id)
    assert row is not None
    assert row["position_ms"] == 85_000


async def test_a_stale_lease_holder_writes_neither_copy(
    redis: Redis, prefix: str, rows: PlayerStateRepository
) -> None:
    reader = RedisSnapshotStore(redis, prefix=prefix)
    fenced = FencedSnapshotStore(
        LeaseStore(redis, prefix), reader, ShardLayout(), lambda group: None, prefix=prefix
    )
    store = DurableSnapshotStore(fenced, rows)
    with pytest.raises(LeaseLostError):
        await store.save(snapshot())
    assert await rows.load(snapshot().guild_id) is None


async def test_leaving_forgets_both_copies(redis: Redis, prefix: str, rows: PlayerStateRepository) -> None:
    store = DurableSnapshotStore(RedisSnapshotStore(redis, prefix=prefix), rows)
    await store.save(snapshot())
    await store.delete(snapshot().guild_id)
    assert await store.load(snapshot().guild_id) is None


@given(position=st.integers(0, 10**7), elapsed=st.floats(0, 10_000), interval=st.floats(1, 600))
def test_only_a_moved_position_waits_for_the_interval(position: int, elapsed: float, interval: float) -> None:
    last = snapshot()
    moved = dataclasses.replace(last, position_ms=position, updated_at=NOW + timedelta(seconds=1))
    assert needs_row_write(last, 0.0, moved, elapsed, interval) is (elapsed >= interval)
    louder = dataclasses.replace(moved, volume=100)
    assert needs_row_write(last, 0.0, louder, elapsed, interval)
    assert needs_row_write(None, 0.0, moved, elapsed, interval)


@pytest.fixture
async def dead_rows() -> AsyncIterator[PlayerStateRepository]:
    """Rows in a PostgreSQL nothing listens for: every read and write fails to connect."""
    database = Database(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/test", pool_size=1)
    try:
        yield PlayerStateRepository(database, lambda: NOW)
    finally:
        await database.dispose()


async def test_with_redis_down_the_player_is_read_from_the_database(
    redis: Redis, prefix: str, dead_redis: Redis, rows: PlayerStateRepository
) -> None:
    saved = snapshot(position_ms=12_000)
    await DurableSnapshotStore(RedisSnapshotStore(redis, prefix=prefix), rows).save(saved)
    during_outage = DurableSnapshotStore(RedisSnapshotStore(dead_redis, prefix=prefix), rows)
    assert await during_outage.load(saved.guild_id) == saved


async def test_with_redis_down_a_save_still_reaches_the_database_and_reports_the_outage(
    dead_redis: Redis, prefix: str, rows: PlayerStateRepository
) -> None:
    store = DurableSnapshotStore(RedisSnapshotStore(dead_redis, prefix=prefix), rows)
    saved = snapshot(position_ms=5_000)
    with pytest.raises(RedisUnavailableError):
        await store.save(saved)
    assert await store.load(saved.guild_id) == saved


async def test_a_database_outage_never_stops_redis_saves_and_loads(
    redis: Redis, prefix: str, dead_rows: PlayerStateRepository
) -> None:
    store = DurableSnapshotStore(RedisSnapshotStore(redis, prefix=prefix), dead_rows)
    saved = snapshot(position_ms=1_000)
    await store.save(saved)
    assert await store.load(saved.guild_id) == saved
    await store.delete(saved.guild_id)
    assert await store.load(saved.guild_id) is None  # Redis forgot it; the dead database reads nothing


class Failover:
    """The rows of whichever database is the primary now (a database failover)."""

    def __init__(self, primary: PlayerStateRepository) -> None:
        self.primary = primary

    async def save(self, guild_id: int, snapshot: dict[str, Any]) -> None:
        await self.primary.save(guild_id, snapshot)

    async def load(self, guild_id: int) -> dict[str, Any] | None:
        return await self.primary.load(guild_id)

    async def delete(self, guild_id: int) -> bool:
        return await self.primary.delete(guild_id)


async def test_a_row_the_database_could_not_take_is_written_on_the_next_save(
    redis: Redis, prefix: str, rows: PlayerStateRepository, dead_rows: PlayerStateRepository
) -> None:
    ticks = Ticks()
    failover = Failover(dead_rows)
    store = DurableSnapshotStore(
        RedisSnapshotStore(redis, prefix=prefix), failover, position_interval_s=60, monotonic=ticks
    )
    await store.save(snapshot(position_ms=0))
    failover.primary = rows  # the database is back a second later
    ticks.now = 1
    # Only the position moved, but the failed write was not taken for a written row.
    await store.save(snapshot(position_ms=1_000))
    row = await rows.load(snapshot().guild_id)
    assert row is not None
    assert row["position_ms"] == 1_000


async def test_an_unreadable_database_row_is_no_player(
    redis: Redis, prefix: str, rows: PlayerStateRepository
) -> None:
    guild_id = snapshot().guild_id
    await rows.save(guild_id, {"guild_id": guild_id, "queue": "not a list"})
    store = DurableSnapshotStore(RedisSnapshotStore(redis, prefix=prefix), rows)
    assert await store.load(guild_id) is None
