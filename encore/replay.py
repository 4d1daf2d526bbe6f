"""Processing each Discord interaction once, even when it reaches the front twice.

Discord may deliver an interaction again (a retry after a slow answer), and a Lambda may be invoked
twice for one request. :meth:`ReplayGuard.first_time` answers True exactly once per interaction id
within the guard's window (15 minutes: the lifetime of the interaction token, after which Discord
accepts no answer anyway), so the second delivery is acknowledged without queueing the command
again.

* :class:`RedisReplayGuard` marks an id with one ``SET NX PX`` shared by every container.
* :class:`LocalReplayGuard` remembers ids in this process (bounded, expiring): the embedded default
  and the fallback.
* :class:`FallbackReplayGuard` uses Redis and the local guard while Redis is down, and never raises on
  an outage. It also remembers locally every id it saw, so a duplicate reaching the same process is
  caught even across the start or end of an outage. During an outage duplicates that reach another
  container pass (the SQS FIFO queue still drops a repeated interaction id within five minutes).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Final, Protocol

from encore.redis_client import RedisWithFallback, translate_redis_errors

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = [
    "REPLAY_WINDOW_S",
    "FallbackReplayGuard",
    "LocalReplayGuard",
    "RedisReplayGuard",
    "ReplayGuard",
]

#: How long an interaction id is remembered: Discord's interaction token lifetime.
REPLAY_WINDOW_S: Final = 15 * 60


class ReplayGuard(Protocol):
    """Remembers interaction ids for a while."""

    async def first_time(self, interaction_id: int) -> bool:
        """True the first time ``interaction_id`` is seen within the window, False afterwards."""
        ...


class RedisReplayGuard:
    """Interaction ids seen by any container, as Redis keys that expire after the window.

    Redis failures raise :class:`~encore.redis_client.RedisUnavailableError`; wrap it in
    :class:`FallbackReplayGuard`.
    """

    def __init__(self, redis: Redis, prefix: str = "encore:seen:", window_s: int = REPLAY_WINDOW_S) -> None:
        self._redis = redis
        self._prefix = prefix
        self._window_s = window_s

    async def first_time(self, interaction_id: int) -> bool:
        with translate_redis_errors("replay check"):
            key = f"{self._prefix}{interaction_id}"
            created = await self._redis.set(key, b"1", nx=True, ex=self._window_s)
        return bool(created)


class LocalReplayGuard:
    """Interaction ids seen by this process within the window (on ``clock``, seconds).

    At most ``max_ids`` are kept; beyond that the oldest are forgotten early.
    """

    def __init__(
        self,
        *,
        window_s: float = REPLAY_WINDOW_S,
        max_ids: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_ids < 1:
            raise ValueError("max_ids must be at least 1")
        self._window_s = window_s
        self._max_ids = max_ids
        self._clock = clock
        # Oldest first: every id gets the same window, so this is also expiry order.
        self._expires: OrderedDict[int, float] = OrderedDict()

    def __len__(self) -> int:
        """How many ids are remembered right now."""
        return len(self._expires)

    async def first_time(self, interaction_id: int) -> bool:
        now = self._clock()
        while self._expires and next(iter(self._expires.values())) <= now:
            self._expires.popitem(last=False)
        if interaction_id in self._expires:
            return False
        self._expires[interaction_id] = now + self._window_s
        while len(self._expires) > self._max_ids:
            self._expires.popitem(last=False)
        return True


class FallbackReplayGuard(RedisWithFallback[ReplayGuard]):
    """``primary`` (Redis) while it answers, ``fallback`` (in-process) while it does not.

    An id is a first time only if neither guard has seen it: every id also goes into ``fallback``,
    so one process never processes an id twice, outage or not. Never raises on a Redis outage;
    ``on_fallback``, ``cooldown_s``, ``timeout_s`` and ``clock`` work as in
    :class:`~encore.redis_client.CircuitBreaker`.
    """

    async def first_time(self, interaction_id: int) -> bool:
        first_here = await self._fallback.first_time(interaction_id)

        async def local_answer() -> bool:
            return first_here

        first_anywhere = await self._breaker.call(
            lambda: self._primary.first_time(interaction_id), local_answer
        )
        return first_here and first_anywhere
