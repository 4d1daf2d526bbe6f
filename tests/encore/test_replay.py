"""An interaction delivered twice is processed once: across containers, and through a Redis outage.

The Redis tests use the real Redis at 127.0.0.1:6379 under a key prefix of their own; "Redis is
down" is a client pointed at a closed loopback port, or a guard that a test switches off.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from redis.asyncio import Redis

from encore.redis_client import RedisUnavailableError
from encore.replay import (
    REPLAY_WINDOW_S,
    FallbackReplayGuard,
    LocalReplayGuard,
    RedisReplayGuard,
    ReplayGuard,
)
from tests.redis_support import connect

REDIS_URL = "redis://127.0.0.1:6379/0"
INTERACTION = 1180000000000000001


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class SwitchableGuard:
    """A real guard that a test can take down: while down it fails as Redis would."""

    def __init__(self, inner: ReplayGuard) -> None:
        self.inner = inner
        self.down = False
        self.calls = 0

    async def first_time(self, interaction_id: int) -> bool:
        self.calls += 1
        if self.down:
            raise RedisUnavailableError("replay check", "Connection refused")
        return await self.inner.first_time(interaction_id)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=["redis", "local"])
def guard(request: pytest.FixtureRequest, redis: Redis, prefix: str) -> ReplayGuard:
    """Each implementation, for the behaviour they share."""
    if request.param == "redis":
        return RedisReplayGuard(redis, prefix=prefix)
    return LocalReplayGuard()


# --- what every guard does ----------------------------------------------------------------------


async def test_a_second_delivery_is_not_processed_again(guard: ReplayGuard) -> None:
    assert await guard.first_time(INTERACTION)
    assert not await guard.first_time(INTERACTION)
    assert not await guard.first_time(INTERACTION)


async def test_other_interactions_are_not_held_back(guard: ReplayGuard) -> None:
    assert await guard.first_time(INTERACTION)
    assert await guard.first_time(INTERACTION + 1)


# --- shared through Redis -----------------------------------------------------------------------


async def test_two_containers_racing_on_one_interaction_process_it_once(redis: Redis, prefix: str) -> None:
    other_container = connect(REDIS_URL)
    try:
        guards = [RedisReplayGuard(redis, prefix=prefix), RedisReplayGuard(other_container, prefix=prefix)]
        ids = range(INTERACTION, INTERACTION + 20)
        answers = await asyncio.gather(*(g.first_time(i) for i in ids for g in guards))
        assert sum(answers) == len(ids)  # exactly one True per interaction
        assert not await guards[1].first_time(INTERACTION)
    finally:
        await other_container.aclose()


async def test_redis_forgets_an_interaction_once_its_token_has_expired(redis: Redis, prefix: str) -> None:
    await RedisReplayGuard(redis, prefix=prefix).first_time(INTERACTION)
    ttl = await redis.ttl(f"{prefix}{INTERACTION}")
    assert 0 < ttl <= REPLAY_WINDOW_S == 15 * 60  # no key lives forever


# --- in process ---------------------------------------------------------------------------------


async def test_the_local_guard_forgets_after_the_window(clock: FakeClock) -> None:
    guard = LocalReplayGuard(clock=clock)
    assert await guard.first_time(INTERACTION)
    clock.now += REPLAY_WINDOW_S - 1
    assert not await guard.first_time(INTERACTION)
    clock.now += 1
    assert await guard.first_time(INTERACTION + 1)  # and expired ids are dropped along the way
    assert len(guard) == 1
    assert await guard.first_time(INTERACTION)


async def test_the_local_guard_stays_bounded(clock: FakeClock) -> None:
    guard = LocalReplayGuard(max_ids=3, clock=clock)
    for offset in range(10):
        assert await guard.first_time(INTERACTION + offset)
    assert len(guard) == 3
    assert not await guard.first_time(INTERACTION + 9)  # the newest are kept


def test_a_guard_that_remembers_nothing_is_refused() -> None:
    with pytest.raises(ValueError, match="max_ids"):
        LocalReplayGuard(max_ids=0)


# --- Redis outages ------------------------------------------------------------------------------


async def test_redis_down_the_local_guard_answers_without_failing(
    dead_redis: Redis, clock: FakeClock
) -> None:
    failures: list[Exception] = []
    guard = FallbackReplayGuard(
        RedisReplayGuard(dead_redis), LocalReplayGuard(clock=clock), on_fallback=failures.append, clock=clock
    )
    assert await guard.first_time(INTERACTION)
    assert not await guard.first_time(INTERACTION)
    assert guard.using_fallback
    assert len(failures) == 1  # once per cool-down, not once per interaction
    assert isinstance(failures[0], RedisUnavailableError)


def fallback_over(
    primary: SwitchableGuard, clock: FakeClock, failures: list[Exception]
) -> Callable[[], FallbackReplayGuard]:
    return lambda: FallbackReplayGuard(
        primary, LocalReplayGuard(clock=clock), on_fallback=failures.append, cooldown_s=5, clock=clock
    )


async def test_a_duplicate_is_caught_across_the_start_and_end_of_an_outage(
    redis: Redis, prefix: str, clock: FakeClock
) -> None:
    redis_guard = SwitchableGuard(RedisReplayGuard(redis, prefix=prefix))
    failures: list[Exception] = []
    guard = fallback_over(redis_guard, clock, failures)()

    assert await guard.first_time(INTERACTION)  # Redis up
    redis_guard.down = True
    assert not await guard.first_time(INTERACTION)  # seen before the outage: still a duplicate
    assert await guard.first_time(INTERACTION + 1)  # new during the outage
    redis_guard.down = False
    clock.now += 5
    assert not await guard.first_time(INTERACTION + 1)  # Redis is back and had not seen it
    assert not guard.using_fallback
    assert not await RedisReplayGuard(redis, prefix=prefix).first_time(INTERACTION + 1)  # now it has
    assert len(failures) == 1


async def test_while_redis_is_down_it_is_asked_once_per_cool_down(clock: FakeClock) -> None:
    redis_guard = SwitchableGuard(LocalReplayGuard(clock=clock))
    redis_guard.down = True
    failures: list[Exception] = []
    guard = fallback_over(redis_guard, clock, failures)()
    for offset in range(10):
        await guard.first_time(INTERACTION + offset)
    assert redis_guard.calls == 1
    clock.now += 5
    redis_guard.down = False
    for offset in range(10, 20):
        await guard.first_time(INTERACTION + offset)
    assert redis_guard.calls == 11  # the probe succeeded: every call goes to Redis again
    assert len(failures) == 1
