"""Delivery records, on real Redis and in-process: a command is claimed once, a crashed runner's
claim is taken over, an answered command is recognised, and a Redis outage loses nothing here."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from encore.deliveries import (
    DELIVERY_RECORD_TTL_S,
    DeliveryRecords,
    DeliveryState,
    FallbackRecordStore,
    LocalRecordStore,
    RecordStore,
    RedisRecordStore,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["redis", "local"])
async def store(request: pytest.FixtureRequest, redis: Redis) -> AsyncIterator[RecordStore]:
    if request.param == "redis":
        yield RedisRecordStore(redis)
    else:
        yield LocalRecordStore()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def records(store: RecordStore, prefix: str, clock: Clock) -> DeliveryRecords:
    return DeliveryRecords(store, prefix=prefix, stale_after_s=30, clock=clock)


async def test_first_delivery_owns_the_command_and_the_next_sees_it_running(records: DeliveryRecords) -> None:
    first = await records.claim(1, "task-a")
    second = await records.claim(1, "task-b")
    assert first.state is DeliveryState.NEW
    assert not first.took_over
    assert second.state is DeliveryState.RUNNING


async def test_executed_command_hands_out_its_reply_then_done(records: DeliveryRecords) -> None:
    await records.claim(1, "task-a")
    await records.executed(1, "Now playing **x**", "ok")
    again = await records.claim(1, "task-b")
    assert again.state is DeliveryState.EXECUTED
    assert again.reply == "Now playing **x**"
    assert again.outcome == "ok"
    await records.done(1)
    assert (await records.claim(1, "task-c")).state is DeliveryState.DONE


async def test_a_runner_that_stopped_beating_is_taken_over(records: DeliveryRecords, clock: Clock) -> None:
    dead = await records.claim(1, "task-a")
    clock.now += 31
    taken = await records.claim(1, "task-b")
    assert taken.state is DeliveryState.NEW
    assert taken.took_over
    # The old runner learns it lost the command when it next beats.
    assert await records.beat(1, dead, "task-a") is None


async def test_a_beating_runner_keeps_its_claim(records: DeliveryRecords, clock: Clock) -> None:
    claim = await records.claim(1, "task-a")
    for _ in range(3):
        clock.now += 20
        beaten = await records.beat(1, claim, "task-a")
        assert beaten is not None
        claim = beaten
        assert (await records.claim(1, "task-b")).state is DeliveryState.RUNNING


async def test_released_claim_is_free_for_the_next_delivery(records: DeliveryRecords) -> None:
    claim = await records.claim(1, "task-a")
    await records.release(1, claim)
    assert (await records.claim(1, "task-b")).state is DeliveryState.NEW


async def test_records_outlive_the_interaction_token(redis: Redis, prefix: str) -> None:
    records = DeliveryRecords(RedisRecordStore(redis), prefix=prefix)
    await records.claim(7, "task-a")
    ttl = await redis.ttl(f"{prefix}7")
    assert 15 * 60 < ttl <= DELIVERY_RECORD_TTL_S
    await records.done(7)
    assert await redis.ttl(f"{prefix}7") > 15 * 60


async def test_records_are_shared_between_tasks(redis: Redis, prefix: str) -> None:
    task_a = DeliveryRecords(RedisRecordStore(redis), prefix=prefix)
    task_b = DeliveryRecords(RedisRecordStore(redis), prefix=prefix)
    await task_a.claim(3, "task-a")
    await task_a.executed(3, "done")
    await task_a.done(3)
    assert (await task_b.claim(3, "task-b")).state is DeliveryState.DONE


async def test_local_records_expire(clock: Clock) -> None:
    store = LocalRecordStore(clock=clock)
    records = DeliveryRecords(store, ttl_s=60)
    await records.claim(1, "task-a")
    await records.done(1)
    clock.now += 61
    assert (await records.claim(1, "task-b")).state is DeliveryState.NEW


async def test_redis_outage_falls_back_to_this_process(dead_redis: Redis, prefix: str) -> None:
    store = FallbackRecordStore(
        RedisRecordStore(dead_redis), LocalRecordStore(), on_fallback=lambda exc: None
    )
    records = DeliveryRecords(store, prefix=prefix)
    claim = await records.claim(1, "task-a")
    assert claim.state is DeliveryState.NEW
    assert (await records.claim(1, "task-b")).state is DeliveryState.RUNNING
    assert await records.beat(1, claim, "task-a") is not None
    await records.executed(1, "reply")
    await records.done(1)
    assert (await records.claim(1, "task-c")).state is DeliveryState.DONE
