"""/play autocomplete's memory: a guild's recent queries, on real Redis, surviving its outage."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from encore.recent_searches import (
    KEEP,
    FallbackRecentSearches,
    MemoryRecentSearches,
    RedisRecentSearches,
    best_matches,
)
from encore.redis_client import CircuitBreaker, redis_from_url
from tests.redis_support import connect

GUILD = 1100000000000000000


@pytest.fixture
async def redis_searches() -> AsyncIterator[RedisRecentSearches]:
    client = connect()
    prefix = f"test:{uuid.uuid4().hex}:"
    clock = iter(range(1_000_000, 2_000_000))
    try:
        yield RedisRecentSearches(client, prefix=prefix, clock=lambda: float(next(clock)))
    finally:
        keys = [k async for k in client.scan_iter(f"{prefix}*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


def test_prefix_matches_come_before_substring_matches() -> None:
    history = ["the never ending story", "never gonna give you up", "nevermind", "one more time"]
    assert best_matches(history, "NEVER") == [
        "never gonna give you up",
        "nevermind",
        "the never ending story",
    ]
    assert best_matches(history, "") == history  # nothing typed yet: the newest first


@given(st.lists(st.text(max_size=20), max_size=60), st.text(max_size=5))
def test_suggestions_are_bounded_and_match(history: list[str], typed: str) -> None:
    found = best_matches(history, typed)
    assert len(found) <= 25
    assert all(typed.strip().casefold() in q.casefold() for q in found)


async def test_redis_keeps_the_newest_distinct_queries(redis_searches: RedisRecentSearches) -> None:
    for i in range(KEEP + 5):
        await redis_searches.remember(GUILD, f"song {i}")
    await redis_searches.remember(GUILD, "  song   3 ")  # normalised, and now the newest
    suggestions = await redis_searches.suggest(GUILD, "song", limit=KEEP + 10)
    assert len(suggestions) == KEEP
    assert suggestions[0] == "song 3"
    assert "song 4" not in suggestions  # among the oldest: trimmed away
    assert await redis_searches.suggest(GUILD + 1, "song") == []  # guilds do not share


async def test_memory_stand_in_behaves_the_same() -> None:
    searches = MemoryRecentSearches()
    await searches.remember(GUILD, "daft punk")
    await searches.remember(GUILD, "rick astley")
    await searches.remember(GUILD, "   ")
    assert await searches.suggest(GUILD, "") == ["rick astley", "daft punk"]
    assert await searches.suggest(GUILD, "punk") == ["daft punk"]


async def test_an_outage_falls_back_to_the_local_copy() -> None:
    dead = redis_from_url("redis://127.0.0.1:1/0", socket_timeout=0.1, connect_timeout=0.1)
    assert dead is not None
    failures: list[Exception] = []
    searches = FallbackRecentSearches(
        RedisRecentSearches(dead), breaker=CircuitBreaker(on_fallback=failures.append)
    )
    try:
        await searches.remember(GUILD, "never gonna give you up")
        assert await searches.suggest(GUILD, "never") == ["never gonna give you up"]
    finally:
        await dead.aclose()
    assert failures  # counted, never raised
