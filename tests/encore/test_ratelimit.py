"""Rate limits: a user over the limit is told when to retry, and a Redis outage never fails a command.

The Redis tests run against the real Redis at 127.0.0.1:6379, each under its own key prefix. "Redis
is down" is a client pointed at a closed loopback port, a socket that never answers, or a
``redis-server`` this test starts and kills. Time is a fake clock wherever Encore reads the clock
itself; Redis reads its own, so those tests compare counts, never durations.
"""

from __future__ import annotations

import asyncio
import math
import socket
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from redis.asyncio import Redis
from redis.exceptions import RedisError

from encore.ratelimit import (
    Decision,
    FallbackRateLimiter,
    LocalTokenBucket,
    RateLimit,
    RateLimiter,
    RedisTokenBucket,
    bucket_after,
)
from encore.redis_client import (
    DEFAULT_CONNECT_TIMEOUT_S,
    DEFAULT_SOCKET_TIMEOUT_S,
    RedisUnavailableError,
    redis_from_url,
)
from tests.ports import free_port
from tests.redis_support import connect

REDIS_URL = "redis://127.0.0.1:6379/0"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class CountingLimiter:
    """Passes hits on to a real limiter and counts them (to see when Redis is asked at all)."""

    def __init__(self, inner: RateLimiter) -> None:
        self.inner = inner
        self.calls = 0

    async def hit(self, key: str, limit: RateLimit, cost: int = 1) -> Decision:
        self.calls += 1
        return await self.inner.hit(key, limit, cost)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never answers: a hung Redis."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        port: int = sock.getsockname()[1]
        yield port


class RedisServer:
    """A throwaway ``redis-server`` (no persistence) that a test can stop and start again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            stdout=asyncio.subprocess.DEVNULL,
        )
        probe = connect(f"redis://127.0.0.1:{self.port}/0")
        try:
            for _ in range(500):  # until it accepts commands (at most a few seconds)
                try:
                    await probe.ping()
                    return
                except (RedisError, OSError):
                    await asyncio.sleep(0.01)
            raise AssertionError("redis-server did not start")
        finally:
            await probe.aclose()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
        self.process = None


@pytest.fixture
async def redis_server() -> AsyncIterator[RedisServer]:
    server = RedisServer()
    await server.start()
    yield server
    await server.stop()


# --- the algorithm ------------------------------------------------------------------------------

limits = st.builds(
    RateLimit,
    capacity=st.integers(1, 1000),
    refill_per_second=st.floats(0.001, 1000, allow_nan=False, allow_infinity=False),
)


@st.composite
def bucket_states(draw: st.DrawFn) -> tuple[float, int, int, RateLimit, int]:
    limit = draw(limits)
    tokens = draw(st.floats(0, limit.capacity, allow_nan=False))
    last_ms = draw(st.integers(0, 10**13))
    now_ms = last_ms + draw(st.integers(-(10**6), 10**9))  # the clock may even go backwards
    cost = draw(st.integers(1, limit.capacity))
    return tokens, last_ms, now_ms, limit, cost


@given(bucket_states())
def test_a_bucket_never_goes_negative_nor_above_capacity(
    state: tuple[float, int, int, RateLimit, int],
) -> None:
    tokens, last_ms, now_ms, limit, cost = state
    allowed, after, retry_after_s = bucket_after(tokens, last_ms, now_ms, limit, cost)
    assert 0 <= after <= limit.capacity
    assert (retry_after_s == 0) == allowed
    assert retry_after_s >= 0


@given(bucket_states())
def test_a_denied_user_who_waits_retry_after_is_then_allowed(
    state: tuple[float, int, int, RateLimit, int],
) -> None:
    tokens, last_ms, now_ms, limit, cost = state
    allowed, after, retry_after_s = bucket_after(tokens, last_ms, now_ms, limit, cost)
    if allowed:
        return
    retry_ms = round(retry_after_s * 1000)
    assert retry_ms >= 1
    assert bucket_after(after, now_ms, now_ms + retry_ms, limit, cost)[0]
    # ...and retry_after is not pessimistic by more than its millisecond rounding.
    if retry_ms > 1:
        assert not bucket_after(after, now_ms, now_ms + retry_ms - 2, limit, cost)[0]


@given(
    limit=limits,
    steps=st.lists(st.tuples(st.integers(0, 5_000), st.integers(1, 5)), min_size=1, max_size=60),
)
async def test_nobody_gets_more_than_the_capacity_plus_the_refill(
    limit: RateLimit, steps: list[tuple[int, int]]
) -> None:
    clock = FakeClock()
    bucket = LocalTokenBucket(clock=clock)
    granted = 0
    for wait_ms, cost in steps:
        clock.now += wait_ms / 1000
        cost = min(cost, limit.capacity)
        if (await bucket.hit("user:1", limit, cost)).allowed:
            granted += cost
    elapsed_s = sum(wait for wait, _ in steps) / 1000
    assert granted <= limit.capacity + limit.refill_per_second * elapsed_s + 1e-6


# --- in process ---------------------------------------------------------------------------------


async def test_a_user_over_the_limit_is_told_when_to_retry(clock: FakeClock) -> None:
    bucket = LocalTokenBucket(clock=clock)
    five_per_ten_seconds = RateLimit(capacity=5, refill_per_second=0.5)
    assert [(await bucket.hit("user:1", five_per_ten_seconds)).allowed for _ in range(6)] == [True] * 5 + [
        False
    ]
    assert await bucket.hit("user:1", five_per_ten_seconds) == Decision(False, 2.0)
    clock.now += 1.5
    assert await bucket.hit("user:1", five_per_ten_seconds) == Decision(False, 0.5)
    clock.now += 0.5
    assert await bucket.hit("user:1", five_per_ten_seconds) == Decision(True, 0.0)


async def test_a_tier_limit_per_minute_allows_a_burst_then_a_steady_pace(clock: FakeClock) -> None:
    bucket = LocalTokenBucket(clock=clock)
    twenty_a_minute = RateLimit.per(20, 60)
    assert sum([(await bucket.hit("user:1", twenty_a_minute)).allowed for _ in range(25)]) == 20
    clock.now += 3  # one more every three seconds
    assert [(await bucket.hit("user:1", twenty_a_minute)).allowed for _ in range(2)] == [True, False]


async def test_one_users_spam_does_not_limit_another_user_or_guild(clock: FakeClock) -> None:
    bucket = LocalTokenBucket(clock=clock)
    limit = RateLimit(capacity=2, refill_per_second=0.1)
    for _ in range(5):
        await bucket.hit("user:1", limit)
    assert (await bucket.hit("user:2", limit)).allowed
    assert (await bucket.hit("guild:1", limit)).allowed


async def test_an_expensive_command_costs_more_tokens(clock: FakeClock) -> None:
    bucket = LocalTokenBucket(clock=clock)
    limit = RateLimit(capacity=5, refill_per_second=1)
    assert (await bucket.hit("user:1", limit, cost=4)).allowed
    assert await bucket.hit("user:1", limit, cost=4) == Decision(False, 3.0)
    assert (await bucket.hit("user:1", limit, cost=1)).allowed  # a cheap one still fits


async def test_memory_stays_bounded_by_forgetting_the_least_recently_used(clock: FakeClock) -> None:
    bucket = LocalTokenBucket(clock=clock, max_keys=2)
    limit = RateLimit(capacity=1, refill_per_second=0.001)
    await bucket.hit("user:a", limit)
    await bucket.hit("user:b", limit)
    await bucket.hit("user:a", limit)  # a is now the most recently used
    await bucket.hit("user:c", limit)  # b goes
    assert len(bucket) == 2
    assert not (await bucket.hit("user:a", limit)).allowed  # still remembered: still empty
    assert (await bucket.hit("user:b", limit)).allowed  # forgotten: starts full again


@pytest.mark.parametrize(
    "make",
    [
        lambda: RateLimit(capacity=0, refill_per_second=1),  # nobody could ever pass
        lambda: RateLimit(capacity=1, refill_per_second=0),  # would never refill
        lambda: RateLimit(capacity=1, refill_per_second=math.inf),  # not a rate
        lambda: bucket_after(1, 0, 0, RateLimit(2, 1), cost=0),  # a free hit is not a hit
        lambda: bucket_after(1, 0, 0, RateLimit(2, 1), cost=3),  # could never be allowed
        lambda: LocalTokenBucket(max_keys=0),
    ],
)
def test_impossible_limits_are_refused(make: object) -> None:
    with pytest.raises(ValueError, match="must be"):
        make()  # type: ignore[operator]


# --- through Redis ------------------------------------------------------------------------------


async def test_concurrent_hits_through_redis_never_grant_more_than_capacity(
    redis: Redis, prefix: str
) -> None:
    bucket = RedisTokenBucket(redis, prefix=prefix)
    limit = RateLimit(capacity=10, refill_per_second=0.001)  # no refill to speak of during the test
    decisions = await asyncio.gather(*(bucket.hit("user:1", limit) for _ in range(50)))
    assert sum(d.allowed for d in decisions) == 10
    assert all(d.retry_after_s > 0 for d in decisions if not d.allowed)


async def test_containers_share_one_limit_through_redis(redis: Redis, prefix: str) -> None:
    # Two Lambda containers: two clients, two limiters, one bucket per user.
    other_container = connect(REDIS_URL)
    try:
        first, second = (
            RedisTokenBucket(redis, prefix=prefix),
            RedisTokenBucket(other_container, prefix=prefix),
        )
        limit = RateLimit(capacity=4, refill_per_second=0.001)
        assert [(await first.hit("user:1", limit)).allowed for _ in range(2)] == [True, True]
        assert [(await second.hit("user:1", limit)).allowed for _ in range(3)] == [True, True, False]
        assert not (await first.hit("user:1", limit)).allowed
    finally:
        await other_container.aclose()


async def test_a_redis_bucket_refills_with_time(redis: Redis, prefix: str) -> None:
    bucket = RedisTokenBucket(redis, prefix=prefix)
    limit = RateLimit(capacity=2, refill_per_second=100)  # a token every 10 ms
    while (decision := await bucket.hit("user:1", limit)).allowed:
        pass
    assert 0 < decision.retry_after_s <= 0.01
    # Doing what the user is told: wait retry_after (plus a little for the clocks), then retry.
    await asyncio.sleep(decision.retry_after_s + 0.01)
    assert (await bucket.hit("user:1", limit)).allowed


async def test_redis_keys_expire_soon_after_the_bucket_would_be_full(redis: Redis, prefix: str) -> None:
    bucket = RedisTokenBucket(redis, prefix=prefix)
    limit = RateLimit(capacity=10, refill_per_second=1)  # empty to full: 10 s
    for _ in range(10):
        await bucket.hit("user:1", limit)
    ttl_ms = await redis.pttl(prefix + "user:1")
    assert 9_000 < ttl_ms <= 11_000  # refill time plus a second's margin: no key lives forever
    await bucket.hit("guild:1", limit)
    assert 0 < await redis.pttl(prefix + "guild:1") <= 2_000


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(state=bucket_states())
async def test_the_lua_script_computes_what_bucket_after_computes(
    redis: Redis, prefix: str, state: tuple[float, int, int, RateLimit, int]
) -> None:
    # A bucket last hit "in the future" gets no refill, whatever Redis' clock says: both sides then
    # start from the same tokens and must agree exactly. (The fixtures are shared by the examples;
    # each example uses its own key.)
    tokens, _, _, limit, cost = state
    future_ms = 2**50
    key = uuid.uuid4().hex
    await redis.hset(prefix + key, mapping={"t": repr(tokens), "ms": future_ms})
    decision = await RedisTokenBucket(redis, prefix=prefix).hit(key, limit, cost)
    allowed, _, retry_after_s = bucket_after(tokens, future_ms, future_ms - 1, limit, cost)
    assert decision == Decision(allowed, retry_after_s)


# --- Redis outages ------------------------------------------------------------------------------


async def test_redis_down_falls_back_to_local_buckets_without_failing(
    dead_redis: Redis, clock: FakeClock
) -> None:
    failures: list[Exception] = []
    limiter = FallbackRateLimiter(
        RedisTokenBucket(dead_redis), LocalTokenBucket(clock=clock), on_fallback=failures.append, clock=clock
    )
    limit = RateLimit(capacity=2, refill_per_second=0.1)
    decisions = [await limiter.hit("user:1", limit) for _ in range(3)]
    assert decisions == [Decision(True, 0.0), Decision(True, 0.0), Decision(False, 10.0)]  # still limited
    assert len(failures) == 1
    assert isinstance(failures[0], RedisUnavailableError)
    assert limiter.using_fallback


async def test_while_redis_is_down_it_is_retried_once_per_cool_down(
    dead_redis: Redis, clock: FakeClock
) -> None:
    primary = CountingLimiter(RedisTokenBucket(dead_redis))
    failures: list[Exception] = []
    limiter = FallbackRateLimiter(
        primary, LocalTokenBucket(clock=clock), on_fallback=failures.append, cooldown_s=5, clock=clock
    )
    limit = RateLimit(capacity=100, refill_per_second=1)
    for _ in range(20):
        await limiter.hit("user:1", limit)
        clock.now += 0.1  # 2 s of traffic
    assert (primary.calls, len(failures)) == (1, 1)
    clock.now += 3.5  # the cool-down is over: the next call tries Redis again
    for _ in range(20):
        await limiter.hit("user:1", limit)
    assert (primary.calls, len(failures)) == (2, 2)


async def test_a_hung_redis_is_a_down_redis(silent_server: int, clock: FakeClock) -> None:
    hung = connect(f"redis://127.0.0.1:{silent_server}/0", socket_timeout=0.05, connect_timeout=0.05)
    failures: list[Exception] = []
    try:
        limiter = FallbackRateLimiter(
            RedisTokenBucket(hung), LocalTokenBucket(clock=clock), on_fallback=failures.append, clock=clock
        )
        assert (await limiter.hit("user:1", RateLimit(1, 1))).allowed
    finally:
        await hung.aclose()
    assert len(failures) == 1


async def test_redis_killed_and_restarted_the_limiter_goes_back_to_it(
    redis_server: RedisServer, clock: FakeClock
) -> None:
    client = connect(f"redis://127.0.0.1:{redis_server.port}/0")
    failures: list[Exception] = []
    limiter = FallbackRateLimiter(
        RedisTokenBucket(client, prefix="rl:"),
        LocalTokenBucket(clock=clock),
        on_fallback=failures.append,
        cooldown_s=5,
        clock=clock,
    )
    limit = RateLimit(capacity=3, refill_per_second=0.001)
    try:
        assert (await limiter.hit("user:1", limit)).allowed  # served by Redis
        assert await client.exists("rl:user:1")
        await redis_server.stop()
        assert (await limiter.hit("user:1", limit)).allowed  # served locally: no exception
        assert len(failures) == 1
        await redis_server.start()  # same port, empty (no persistence)
        assert (await limiter.hit("user:2", limit)).allowed  # still cooling down: local
        assert not await client.exists("rl:user:2")
        clock.now += 5
        assert (await limiter.hit("user:2", limit)).allowed  # Redis again
        assert await client.exists("rl:user:2")
        assert not limiter.using_fallback
        assert len(failures) == 1
    finally:
        await client.aclose()


async def test_a_broken_on_fallback_hook_does_not_fail_the_interaction(dead_redis: Redis) -> None:
    def broken_metrics(exc: Exception) -> None:
        raise RuntimeError("metrics backend down too")

    limiter = FallbackRateLimiter(
        RedisTokenBucket(dead_redis), LocalTokenBucket(), on_fallback=broken_metrics
    )
    assert (await limiter.hit("user:1", RateLimit(1, 1))).allowed


async def test_a_bug_is_not_mistaken_for_an_outage() -> None:
    class Broken:
        async def hit(self, key: str, limit: RateLimit, cost: int = 1) -> Decision:
            raise TypeError("bug")

    def not_an_outage(exc: Exception) -> None:
        pytest.fail(f"reported as an outage: {exc!r}")

    limiter = FallbackRateLimiter(Broken(), LocalTokenBucket(), on_fallback=not_an_outage)
    with pytest.raises(TypeError, match="bug"):
        await limiter.hit("user:1", RateLimit(1, 1))


# --- the client ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [None, "", "  "])
def test_no_redis_url_means_the_embedded_in_process_default(url: str | None) -> None:
    assert redis_from_url(url) is None


async def test_the_client_gives_up_fast_and_never_retries() -> None:
    client = redis_from_url(REDIS_URL)  # what production builds, not the tests' patient client
    assert client is not None
    try:
        options = client.connection_pool.connection_kwargs
        assert options["socket_timeout"] == DEFAULT_SOCKET_TIMEOUT_S
        assert options["socket_connect_timeout"] == DEFAULT_CONNECT_TIMEOUT_S
        assert options["retry"].get_retries() == 0
    finally:
        await client.aclose()
