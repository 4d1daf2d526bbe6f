"""What a guild searched for lately: the source of ``/play`` autocomplete suggestions.

The front records each ``/play`` query of a guild; autocomplete (which Discord does not let us
defer) answers from here in one round trip. :class:`RedisRecentSearches` keeps the latest
:data:`KEEP` distinct queries per guild in a sorted set (score = when), expiring a week after the
last search; :class:`MemoryRecentSearches` is the in-process stand-in. :func:`best_matches` is the
pure ranking both use. Through :class:`~encore.redis_client.CircuitBreaker`, an outage degrades to
the local copy, never to an error.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Final, Protocol

from encore.redis_client import CircuitBreaker, translate_redis_errors

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = [
    "KEEP",
    "MAX_CHOICES",
    "FallbackRecentSearches",
    "MemoryRecentSearches",
    "RecentSearches",
    "RedisRecentSearches",
    "best_matches",
]

#: Distinct queries remembered per guild.
KEEP: Final = 100
#: Discord shows at most 25 autocomplete choices.
MAX_CHOICES: Final = 25
_TTL_S: Final = 7 * 24 * 3600
#: Discord limits a choice's name and value to 100 characters.
_MAX_TEXT: Final = 100


class RecentSearches(Protocol):
    async def remember(self, guild_id: int, query: str) -> None: ...

    async def suggest(self, guild_id: int, typed: str, limit: int = MAX_CHOICES) -> list[str]: ...


def best_matches(history: Iterable[str], typed: str, limit: int = MAX_CHOICES) -> list[str]:
    """Newest-first ``history`` filtered by what was typed: prefix matches first, then substrings."""
    needle = typed.strip().casefold()
    prefix: list[str] = []
    inside: list[str] = []
    for query in history:
        folded = query.casefold()
        if folded.startswith(needle):
            prefix.append(query)
        elif needle in folded:
            inside.append(query)
    return (prefix + inside)[:limit]


def _clean(query: str) -> str | None:
    text = " ".join(query.split())[:_MAX_TEXT]
    return text or None


class MemoryRecentSearches:
    def __init__(self, max_guilds: int = 10_000) -> None:
        self._by_guild: OrderedDict[int, OrderedDict[str, None]] = OrderedDict()
        self._max_guilds = max_guilds

    async def remember(self, guild_id: int, query: str) -> None:
        text = _clean(query)
        if text is None:
            return
        history = self._by_guild.setdefault(guild_id, OrderedDict())
        self._by_guild.move_to_end(guild_id)
        history.pop(text, None)
        history[text] = None
        while len(history) > KEEP:
            history.popitem(last=False)
        while len(self._by_guild) > self._max_guilds:
            self._by_guild.popitem(last=False)

    async def suggest(self, guild_id: int, typed: str, limit: int = MAX_CHOICES) -> list[str]:
        history = self._by_guild.get(guild_id)
        return best_matches(reversed(history), typed, limit) if history else []


class RedisRecentSearches:
    def __init__(
        self, redis: Redis, prefix: str = "encore:searches:", clock: Callable[[], float] = time.time
    ) -> None:
        self._redis = redis
        self._prefix = prefix
        self._clock = clock

    def _key(self, guild_id: int) -> str:
        return f"{self._prefix}{guild_id}"

    async def remember(self, guild_id: int, query: str) -> None:
        text = _clean(query)
        if text is None:
            return
        key = self._key(guild_id)
        with translate_redis_errors("recent searches"):
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.zadd(key, {text: self._clock()})
                pipe.zremrangebyrank(key, 0, -(KEEP + 1))
                pipe.expire(key, _TTL_S)
                await pipe.execute()

    async def suggest(self, guild_id: int, typed: str, limit: int = MAX_CHOICES) -> list[str]:
        with translate_redis_errors("autocomplete"):
            raw = await self._redis.zrevrange(self._key(guild_id), 0, KEEP - 1)
        history = (r.decode() if isinstance(r, bytes) else str(r) for r in raw)
        return best_matches(history, typed, limit)


class FallbackRecentSearches:
    """Redis while it answers; the in-process copy (which also records everything) while not."""

    def __init__(
        self,
        primary: RecentSearches,
        fallback: MemoryRecentSearches | None = None,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self._primary = primary
        self._fallback = fallback or MemoryRecentSearches()
        self._breaker = breaker or CircuitBreaker()

    async def remember(self, guild_id: int, query: str) -> None:
        await self._fallback.remember(guild_id, query)
        await self._breaker.call(lambda: self._primary.remember(guild_id, query), lambda: _nothing())

    async def suggest(self, guild_id: int, typed: str, limit: int = MAX_CHOICES) -> list[str]:
        return await self._breaker.call(
            lambda: self._primary.suggest(guild_id, typed, limit),
            lambda: self._fallback.suggest(guild_id, typed, limit),
        )


async def _nothing() -> None:
    return None
