"""The lease loop of several fleet tasks sharing the real Redis: fair share, handoff, loss, budget."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from audio_fleet.group_runner import StopReason
from audio_fleet.lease_manager import LeaseManager
from audio_fleet.leases import Lease, LeaseStore
from encore.metrics import RecordingSink


class Groups:
    """A fleet task's runners, as the lease manager sees them: which groups run."""

    def __init__(self, fail_to_start: bool = False) -> None:
        self.running: set[int] = set()
        self.stops: list[tuple[int, StopReason]] = []
        self.fail_to_start = fail_to_start

    async def start_group(self, lease: Lease) -> None:
        if self.fail_to_start:
            raise RuntimeError("gateway never became ready")
        self.running.add(lease.group)

    async def stop_group(self, group: int, reason: StopReason) -> None:
        self.running.discard(group)
        self.stops.append((group, reason))


def task(redis: Redis, prefix: str, name: str, groups: Groups, **options: object) -> LeaseManager:
    return LeaseManager(
        LeaseStore(redis, prefix),
        groups,
        group_count=3,
        task_id=name,
        ttl_s=5.0,
        metrics=options.pop("metrics", RecordingSink()),  # type: ignore[arg-type]
        **options,  # type: ignore[arg-type]
    )


async def settle(*managers: LeaseManager, rounds: int = 3) -> None:
    for _ in range(rounds):
        for manager in managers:
            await manager.tick()
            await asyncio.sleep(0)  # let start/stop tasks run
            await asyncio.sleep(0)


async def test_tasks_share_the_groups_and_hand_them_over_as_tasks_join(redis: Redis, prefix: str) -> None:
    a_groups, b_groups, c_groups = Groups(), Groups(), Groups()
    a = task(redis, prefix, "a", a_groups)
    await settle(a)
    assert a_groups.running == {0, 1, 2}  # alone: every group

    b = task(redis, prefix, "b", b_groups)
    await settle(b, a, b)
    assert a_groups.running == {0, 1}  # ceil(3 / 2) = 2
    assert b_groups.running == {2}
    assert (2, StopReason.RELEASE) in a_groups.stops  # handed over gracefully, not lost

    c = task(redis, prefix, "c", c_groups)
    await settle(c, a, b, c)
    assert [len(g.running) for g in (a_groups, b_groups, c_groups)] == [1, 1, 1]
    assert a_groups.running | b_groups.running | c_groups.running == {0, 1, 2}
    store = LeaseStore(redis, prefix)
    assert {await store.holder(g) for g in range(3)} == {"a", "b", "c"}


async def test_a_lost_lease_stops_its_group_at_once(redis: Redis, prefix: str) -> None:
    groups, sink = Groups(), RecordingSink()
    a = task(redis, prefix, "a", groups, metrics=sink)
    await settle(a, rounds=1)
    assert groups.running == {0, 1, 2}
    # Another task took group 1 while this one was paused (its lease expired meanwhile).
    store = LeaseStore(redis, prefix)
    await redis.delete(store.lease_key(1))
    assert await store.acquire(1, "b", 5_000) is not None

    await a.tick()
    await asyncio.sleep(0)
    assert (1, StopReason.LOST) in groups.stops
    assert groups.running == {0, 2}
    assert a.lease_for(1) is None
    assert sink.total("LeasesLost") == 1
    assert sink.values[-1][:2] == ("ShardGroupsOwned", 2)


async def test_no_group_is_started_while_the_identify_budget_is_low(redis: Redis, prefix: str) -> None:
    asked: list[int] = []

    async def budget_low(group: int) -> bool:
        asked.append(group)
        return False

    groups = Groups()
    a = task(redis, prefix, "a", groups, may_start=budget_low, backoff_base_s=60.0)
    await settle(a)
    assert groups.running == set()
    assert asked == [0]  # asked once, then backing off instead of asking every tick
    assert [await LeaseStore(redis, prefix).holder(g) for g in range(3)] == [None, None, None]


async def test_a_group_that_fails_to_start_is_given_back(redis: Redis, prefix: str) -> None:
    a = task(redis, prefix, "a", Groups(fail_to_start=True), backoff_base_s=60.0)
    await settle(a, rounds=2)
    assert a.leases == {}
    assert [await LeaseStore(redis, prefix).holder(g) for g in range(3)] == [None, None, None]


async def test_shutdown_drains_every_group_and_releases_its_leases(redis: Redis, prefix: str) -> None:
    groups = Groups()
    a = task(redis, prefix, "a", groups)
    await settle(a, rounds=1)
    running = asyncio.create_task(a.run())
    await a.shutdown(deadline_s=5.0)
    await running
    assert sorted(groups.stops) == [(g, StopReason.DRAIN) for g in range(3)]
    store = LeaseStore(redis, prefix)
    assert [await store.holder(g) for g in range(3)] == [None, None, None]
    assert await store.live_tasks() == 0


async def test_a_group_that_dies_by_itself_is_given_up_and_not_retaken_at_once(
    redis: Redis, prefix: str
) -> None:
    groups = Groups()
    a = task(redis, prefix, "a", groups, backoff_base_s=60.0)
    await settle(a, rounds=1)
    a.give_up(1)  # e.g. Discord closed its shard with 4004 (token reset after a crash loop)
    await settle(a, rounds=2)
    assert groups.running == {0, 2}
    assert (1, StopReason.RELEASE) in groups.stops
    assert await LeaseStore(redis, prefix).holder(1) is None  # free for another task


async def test_a_tick_survives_a_redis_outage_and_takes_nothing(dead_redis: Redis, prefix: str) -> None:
    groups, sink = Groups(), RecordingSink()
    blind = task(dead_redis, prefix, "a", groups, metrics=sink)
    await blind.tick()
    assert groups.running == set()
    assert sink.values[-1][:2] == ("ShardGroupsOwned", 0)
