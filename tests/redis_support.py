"""Connecting tests to the machine's real Redis (never a mock)."""

from __future__ import annotations

from redis.asyncio import Redis

from encore.redis_client import redis_from_url

LOCAL_REDIS = "redis://127.0.0.1:6379/0"


def connect(url: str = LOCAL_REDIS, *, socket_timeout: float = 2.0, connect_timeout: float = 2.0) -> Redis:
    """A client with generous timeouts: on a loaded CI machine the shared Redis must not look "down".

    (Production clients keep Encore's short timeouts; the outage tests pass short ones explicitly.)
    """
    client = redis_from_url(url, socket_timeout=socket_timeout, connect_timeout=connect_timeout)
    assert client is not None
    return client
