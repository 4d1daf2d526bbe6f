"""Discord's identify limits kept fleet-wide in the real Redis."""

from __future__ import annotations

import asyncio
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st
from redis.asyncio import Redis

from audio_fleet.identify_budget import IdentifyBudget, IdentifyGate, IdentifyLimits, backoff_delay
from encore.metrics import RecordingSink


@given(attempt=st.integers(0, 200), base=st.floats(0.1, 60), cap=st.floats(1, 3600))
def test_backoff_doubles_until_the_cap(attempt: int, base: float, cap: float) -> None:
    delay = backoff_delay(attempt, base, cap)
    assert 0 < delay <= cap
    if attempt > 0:
        assert delay >= min(cap, backoff_delay(attempt - 1, base, cap))


def test_backoff_rejects_a_negative_attempt() -> None:
    with pytest.raises(ValueError, match="negative"):
        backoff_delay(-1)


async def test_the_budget_refuses_a_start_that_would_eat_into_the_reserve(redis: Redis, prefix: str) -> None:
    budget = IdentifyBudget(redis, prefix, total=20, reserve=5)
    assert await budget.allows(shards=4)
    assert await budget.record(10) == 10
    assert await budget.allows(shards=5)  # 10 - 5 = 5 left: exactly the reserve
    assert not await budget.allows(shards=6)
    # Discord's own count (GET /gateway/bot) wins when it is lower.
    assert not await budget.allows(shards=1, discord_remaining=3)
    # The window is 24 hours from its first identify.
    assert 86_000 < await redis.ttl(prefix + "identifies") <= 86_400


async def test_a_crash_loop_shares_one_budget_across_restarts(redis: Redis, prefix: str) -> None:
    """Each restart is a new process, but the count lives in Redis: the budget runs out for all."""
    for _ in range(3):
        restarted = IdentifyBudget(redis, prefix, total=10, reserve=2)
        await restarted.record(2)
    assert await IdentifyBudget(redis, prefix, total=10, reserve=2).remaining() == 4
    assert not await IdentifyBudget(redis, prefix, total=10, reserve=2).allows(shards=3)


async def test_one_identify_per_bucket_per_window_across_tasks(redis: Redis, prefix: str) -> None:
    window = 0.3
    # Two tasks' gates (max_concurrency 2): shards 0 and 2 share bucket 0, shard 1 is in bucket 1.
    gates = [IdentifyGate(redis, prefix, max_concurrency=2, window_s=window) for _ in range(2)]
    started = time.monotonic()
    times: dict[int, float] = {}

    async def identify(gate: IdentifyGate, shard: int) -> None:
        await gate.wait_turn(shard, poll_s=0.02)
        times[shard] = time.monotonic() - started

    await asyncio.gather(identify(gates[0], 0), identify(gates[1], 2), identify(gates[1], 1))
    first, second = sorted((times[0], times[2]))
    assert second - first >= window * 0.9  # bucket 0 waited for its window
    assert times[1] < second  # bucket 1 did not wait behind bucket 0


async def test_each_identify_is_counted_and_reported(redis: Redis, prefix: str) -> None:
    sink = RecordingSink()
    limits = IdentifyLimits(
        IdentifyGate(redis, prefix, window_s=0.01), IdentifyBudget(redis, prefix, total=100), sink
    )
    await limits.before_identify(0)
    await asyncio.sleep(0.02)
    await limits.before_identify(0)
    assert sink.total("Identifies") == 2
    assert [v for name, v, _ in sink.values if name == "IdentifyBudgetRemaining"] == [99, 98]
