"""How Encore talks to Redis: the client, the one error meaning "Redis is down", and the breaker.

Redis is optional. With no ``REDIS_URL`` (the embedded default: sandbox, laptop) :func:`redis_from_url`
returns ``None`` and the wiring uses the in-process implementations. With a URL, every client has
short socket timeouts and *no* retries: the front must answer Discord within three seconds, so a
slow Redis is treated as a down Redis and the caller falls back instead of waiting.

The Redis adapters (:mod:`encore.ratelimit`, :mod:`encore.replay`, :mod:`encore.player_snapshot`,
:mod:`encore.recent_searches`) turn every client-side failure into :class:`RedisUnavailableError` with
:func:`translate_redis_errors`, so callers handle one error without importing ``redis``.
:class:`CircuitBreaker` routes calls to an in-process fallback while Redis is down and probes Redis
again after a cool-down, so an outage costs one failed call per cool-down, not one per interaction.

``redis`` itself is imported only when a client is built: the package costs ~200 ms to import,
which a Lambda cold start without Redis should not pay.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Final, Generic, TypeVar, cast

from encore.errors import EncoreError

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT_S",
    "DEFAULT_SOCKET_TIMEOUT_S",
    "CircuitBreaker",
    "LazyRedis",
    "RedisUnavailableError",
    "RedisWithFallback",
    "lazy_redis_from_url",
    "redis_from_url",
    "translate_redis_errors",
]

log = logging.getLogger(__name__)

#: Short enough that a dead Redis still leaves most of the 3-second interaction deadline.
DEFAULT_SOCKET_TIMEOUT_S: Final = 0.25
DEFAULT_CONNECT_TIMEOUT_S: Final = 0.25

T = TypeVar("T")


class RedisUnavailableError(EncoreError):
    """Redis did not serve a command: unreachable, timed out, or refused it (e.g. read-only replica).

    ``action`` names what Encore was doing (``"rate limit"``, ``"snapshot load"``...).
    """

    def __init__(self, action: str, detail: str) -> None:
        super().__init__(f"Redis unavailable during {action}: {detail}")
        self.action = action
        self.detail = detail


def redis_from_url(
    url: str | None,
    *,
    socket_timeout: float = DEFAULT_SOCKET_TIMEOUT_S,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT_S,
) -> Redis | None:
    """A ``redis.asyncio.Redis`` for ``url`` (``redis://``, ``rediss://``, ``unix://``), or ``None``.

    ``None`` (or an empty string) means "no Redis": use the in-process implementations. The client
    connects lazily on its first command, never retries, and gives up on a connect or a reply after
    the given seconds. The caller owns it and closes it with ``await client.aclose()``.
    """
    if url is None or not url.strip():
        return None
    from redis.asyncio import Redis
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    return Redis.from_url(
        url.strip(),
        socket_timeout=socket_timeout,
        socket_connect_timeout=connect_timeout,
        retry=Retry(NoBackoff(), 0),
    )


class LazyRedis:
    """Stands in for a ``redis.asyncio.Redis`` and builds it (importing redis-py) on first use.

    The front's Lambda cold start should not pay ~200 ms for redis-py before it knows a command
    needs Redis (a PING never does). Attribute access is forwarded to the real client.
    """

    def __init__(self, url: str, **options: float) -> None:
        self._url = url
        self._options = options
        self._client: Redis | None = None

    @property
    def client(self) -> Redis:
        if self._client is None:
            self._client = redis_from_url(self._url, **self._options)
            assert self._client is not None
        return self._client

    def __getattr__(self, name: str) -> object:
        return getattr(self.client, name)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()


def lazy_redis_from_url(url: str | None, **options: float) -> Redis | None:
    """Like :func:`redis_from_url`, but redis-py is imported only when a command is first sent."""
    if url is None or not url.strip():
        return None
    return cast("Redis", LazyRedis(url.strip(), **options))


@contextmanager
def translate_redis_errors(action: str) -> Iterator[None]:
    """Re-raise any Redis client failure inside the block as :class:`RedisUnavailableError`."""
    from redis.exceptions import RedisError

    try:
        yield
    except (RedisError, OSError) as exc:  # OSError covers socket errors and TimeoutError
        raise RedisUnavailableError(action, str(exc) or type(exc).__name__) from exc


class CircuitBreaker:
    """Calls a primary (Redis) and falls back to an in-process answer while it is down.

    Closed: every call tries the primary. A :class:`RedisUnavailableError`, or no answer within
    ``timeout_s``, opens the breaker: that call and every call for the next ``cooldown_s`` (on
    ``clock``) get the fallback's answer without touching Redis. After the cool-down, one call
    probes the primary (the others keep using the fallback for another cool-down); its success
    closes the breaker. Each failure is reported to ``on_fallback`` (by default a warning in the
    log); an error raised by ``on_fallback`` itself is logged and swallowed. Other exceptions from
    the primary (bugs) propagate.
    """

    def __init__(
        self,
        *,
        on_fallback: Callable[[Exception], None] | None = None,
        cooldown_s: float = 5.0,
        timeout_s: float | None = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._on_fallback = on_fallback
        self._cooldown_s = cooldown_s
        self._timeout_s = timeout_s
        self._clock = clock
        self._open_until: float | None = None

    @property
    def is_open(self) -> bool:
        """True while calls skip the primary."""
        return self._open_until is not None and self._clock() < self._open_until

    async def call(self, primary: Callable[[], Awaitable[T]], fallback: Callable[[], Awaitable[T]]) -> T:
        """The primary's answer, or the fallback's when the primary is down or cooling down."""
        if self._open_until is not None:
            now = self._clock()
            if now < self._open_until:
                return await fallback()
            self._open_until = now + self._cooldown_s  # this call probes; the others wait for it
        try:
            async with asyncio.timeout(self._timeout_s):
                result = await primary()
        except (RedisUnavailableError, TimeoutError) as exc:
            self._open_until = self._clock() + self._cooldown_s
            self._report(exc)
            return await fallback()
        self._open_until = None
        return result

    def _report(self, exc: Exception) -> None:
        if self._on_fallback is None:
            log.warning("Redis unavailable, using the in-process fallback for %ss: %s", self._cooldown_s, exc)
            return
        try:
            self._on_fallback(exc)
        except Exception:
            log.exception("on_fallback raised; ignored so the interaction is still answered")


P = TypeVar("P")


class RedisWithFallback(Generic[P]):
    """A Redis-backed ``primary`` and an in-process ``fallback`` of the same interface, behind one
    :class:`CircuitBreaker` (``on_fallback``, ``cooldown_s``, ``timeout_s`` and ``clock`` are its)."""

    def __init__(
        self,
        primary: P,
        fallback: P,
        *,
        on_fallback: Callable[[Exception], None] | None = None,
        cooldown_s: float = 5.0,
        timeout_s: float | None = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._primary = primary
        self._fallback = fallback
        self._breaker = CircuitBreaker(
            on_fallback=on_fallback, cooldown_s=cooldown_s, timeout_s=timeout_s, clock=clock
        )

    @property
    def using_fallback(self) -> bool:
        """True while Redis is considered down (calls go to the fallback)."""
        return self._breaker.is_open
