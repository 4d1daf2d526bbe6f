"""Shard-group leases on the real Redis: taking, keeping, losing, and fencing a stale holder."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from redis.asyncio import Redis

from audio_fleet.fencing import FencedSnapshotStore, FencedSource, LeaseLostError
from audio_fleet.leases import Lease, LeaseStore
from encore.errors import QueueError, QueueUnavailableError
from encore.player_snapshot import PlayerSnapshot, RedisSnapshotStore, TrackSnapshot
from encore.queue.memory import InMemoryQueue
from encore.routing import ShardLayout


def make_snapshot(guild_id: int, position_ms: int) -> PlayerSnapshot:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    track = TrackSnapshot("Song", "Artist", "https://example.com/song", 200_000, False, None)
    return PlayerSnapshot(guild_id, 7, track, position_ms, now, False, 100, "off", (), now)


@pytest.fixture
def store(redis: Redis, prefix: str) -> LeaseStore:
    return LeaseStore(redis, prefix)


async def test_a_group_has_one_holder_at_a_time(store: LeaseStore) -> None:
    first = await store.acquire(0, "task-a", 5_000)
    assert first is not None
    assert await store.acquire(0, "task-b", 5_000) is None
    assert await store.holder(0) == "task-a"
    # Other groups are independent.
    assert await store.acquire(1, "task-b", 5_000) is not None


async def test_fencing_tokens_only_grow(store: LeaseStore) -> None:
    tokens = []
    for owner in ("a", "b", "a", "c"):
        lease = await store.acquire(3, owner, 5_000)
        assert lease is not None
        tokens.append(lease.token)
        assert await store.release(lease)
    assert tokens == sorted(tokens)
    assert len(set(tokens)) == len(tokens)


async def test_a_lease_not_renewed_expires_and_another_task_takes_it(store: LeaseStore) -> None:
    old = await store.acquire(0, "task-a", 200)
    assert old is not None
    await asyncio.sleep(0.4)
    new = await store.acquire(0, "task-b", 5_000)
    assert new is not None
    assert new.token > old.token
    # The old holder learns it lost the group: it can neither renew nor release it.
    assert not await store.renew(old, 5_000)
    assert not await store.release(old)
    assert await store.holder(0) == "task-b"


async def test_renewal_keeps_the_group(store: LeaseStore) -> None:
    lease = await store.acquire(0, "task-a", 300)
    assert lease is not None
    for _ in range(4):
        await asyncio.sleep(0.15)
        assert await store.renew(lease, 300)
    assert await store.acquire(0, "task-b", 300) is None


async def test_the_same_owner_with_an_old_token_is_fenced_out(store: LeaseStore) -> None:
    """A task that lost its lease while paused and took the group again must not act on the old one."""
    stale = await store.acquire(0, "task-a", 100)
    assert stale is not None
    await asyncio.sleep(0.25)
    current = await store.acquire(0, "task-a", 5_000)
    assert current is not None
    assert not await store.holds(stale)
    assert await store.holds(current)
    assert not await store.renew(stale, 5_000)


async def test_fenced_snapshot_writes_reject_a_stale_holder(redis: Redis, prefix: str) -> None:
    leases = LeaseStore(redis, prefix)
    layout = ShardLayout(shard_count=1)
    reader = RedisSnapshotStore(redis, prefix=prefix + "player:")
    held: dict[int, Lease] = {}
    fenced = FencedSnapshotStore(leases, reader, layout, held.get, prefix=prefix + "player:")
    snapshot = make_snapshot(guild_id=42 << 22, position_ms=61_000)

    with pytest.raises(LeaseLostError):
        await fenced.save(snapshot)  # no lease at all

    stale = await leases.acquire(0, "paused-task", 100)
    assert stale is not None
    held[0] = stale
    await fenced.save(snapshot)
    assert await reader.load(snapshot.guild_id) == snapshot

    await asyncio.sleep(0.25)
    new_owner = await leases.acquire(0, "new-task", 5_000)
    assert new_owner is not None
    newer = make_snapshot(guild_id=42 << 22, position_ms=1_000)
    with pytest.raises(LeaseLostError):
        await fenced.save(newer)  # the paused task wakes up and tries to write: refused
    with pytest.raises(LeaseLostError):
        await fenced.delete(snapshot.guild_id)
    assert await reader.load(snapshot.guild_id) == snapshot


async def test_live_tasks_count_fresh_heartbeats_only(store: LeaseStore) -> None:
    assert await store.heartbeat("a", 5_000) == 1
    assert await store.heartbeat("b", 200) == 2
    await asyncio.sleep(0.35)
    assert await store.live_tasks() == 1
    await store.leave("a")
    assert await store.live_tasks() == 0


async def test_owner_ids_cannot_forge_a_lease_value(store: LeaseStore) -> None:
    with pytest.raises(ValueError, match="must not contain"):
        await store.acquire(0, "a|99", 1_000)


async def test_a_fenced_source_stops_at_the_fence_and_backs_off_when_redis_is_down(
    redis: Redis, prefix: str, dead_redis: Redis
) -> None:
    queue = InMemoryQueue(ShardLayout())
    leases = LeaseStore(redis, prefix)
    lease = await leases.acquire(0, "task-a", 5_000)
    assert lease is not None
    fenced = FencedSource(queue.source(0), leases, lease)
    assert await fenced.receive(10, 0) == []
    await leases.release(lease)
    with pytest.raises(QueueError, match="lease lost"):
        await fenced.receive(10, 0)
    # Redis down: the lease is unknown, which the consumer treats as a queue outage (it backs off).
    blind = FencedSource(queue.source(0), LeaseStore(dead_redis, prefix), lease)
    with pytest.raises(QueueUnavailableError):
        await blind.receive(10, 0)
