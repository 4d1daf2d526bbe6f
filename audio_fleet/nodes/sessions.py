"""Lavalink session ids that outlive the fleet process, so a short restart keeps music playing.

wavelink 3.5.2 already does the in-process half: after ``ready`` it asks Lavalink to keep the
session (``PATCH /v4/sessions/{id} {resuming: true, timeout}``) and reconnects with ``Session-Id``
after a dropped connection. A new process, though, starts without a session id, so Lavalink
destroys the old session's players when its timeout runs out. :class:`RedisNodeSessions` keeps
each node's session id in Redis (per shard group in pinned mode); the next process connects with it
and Lavalink answers ``resumed: true`` with the players still playing. A Redis outage only costs
the resume (the snapshot restore still brings the queues back).
"""

from __future__ import annotations

import logging
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

__all__ = ["NodeSessions", "RedisNodeSessions"]

log = logging.getLogger(__name__)


class NodeSessions(Protocol):
    async def load(self) -> dict[str, str]:
        """Node name → the session id to resume."""
        ...

    async def save(self, node: str, session_id: str) -> None: ...


class RedisNodeSessions:
    """Session ids in one Redis hash, expiring a while after the last save."""

    def __init__(self, redis: Redis, key: str, *, ttl_s: int) -> None:
        self._redis = redis
        self._key = key
        self._ttl_s = ttl_s

    async def load(self) -> dict[str, str]:
        try:
            raw = await self._redis.hgetall(self._key)
        except (RedisError, OSError) as exc:
            log.warning("Lavalink sessions to resume could not be read: %s", exc)
            return {}
        return {_text(name): _text(value) for name, value in raw.items()}

    async def save(self, node: str, session_id: str) -> None:
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.hset(self._key, node, session_id)
                pipe.expire(self._key, self._ttl_s)
                await pipe.execute()
        except (RedisError, OSError) as exc:
            log.warning("Lavalink session of %s could not be saved: %s", node, exc)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
