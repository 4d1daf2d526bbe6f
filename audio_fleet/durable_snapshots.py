"""Player snapshots in Redis *and* durable rows in the database (``player_states``).

Redis is the fast copy the front reads and the fleet restores from; it expires after a day and does
not survive a Redis failover without persistence. :class:`DurableSnapshotStore` writes each
snapshot to Redis first (through the fenced store, so a stale lease holder writes nothing anywhere)
and then to the database -- at once when the queue, the track, the channel or a setting changed,
and at most every ``position_interval_s`` when only the position moved, so periodic position saves
of thousands of players do not turn into thousands of database writes. Loads come from Redis and
fall back to the database when Redis has nothing (expired, flushed) or is down.

A database failure is logged and never interrupts the music; a Redis failure is raised after the
database write was attempted (the keeper logs it).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Final, Protocol

from encore.player_snapshot import PlayerSnapshot, SnapshotError, SnapshotStore
from encore.redis_client import RedisUnavailableError

__all__ = ["DurableSnapshotStore", "PlayerStates", "needs_row_write"]

log = logging.getLogger(__name__)

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


class PlayerStates(Protocol):
    """The durable rows (:class:`encore.db.player_states.PlayerStateRepository`)."""

    async def save(self, guild_id: int, snapshot: dict[str, Any]) -> None: ...

    async def load(self, guild_id: int) -> dict[str, Any] | None: ...

    async def delete(self, guild_id: int) -> bool: ...


def _shape(snapshot: PlayerSnapshot) -> PlayerSnapshot:
    """The snapshot without what moves by itself (the position and the times)."""
    return dataclasses.replace(snapshot, position_ms=0, position_at=_EPOCH, updated_at=_EPOCH)


def needs_row_write(
    last: PlayerSnapshot | None, last_at: float, snapshot: PlayerSnapshot, now: float, interval_s: float
) -> bool:
    """Whether ``snapshot`` must go to the database now (pure): anything but the position changed
    since the ``last`` row written at ``last_at``, or that row is ``interval_s`` old."""
    if last is None or _shape(last) != _shape(snapshot):
        return True
    return now - last_at >= interval_s


class DurableSnapshotStore:
    def __init__(
        self,
        fast: SnapshotStore,
        rows: PlayerStates,
        *,
        position_interval_s: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fast = fast
        self._rows = rows
        self._interval_s = position_interval_s
        self._now = monotonic
        self._written: dict[int, tuple[PlayerSnapshot, float]] = {}

    async def load(self, guild_id: int) -> PlayerSnapshot | None:
        try:
            snapshot = await self._fast.load(guild_id)
        except RedisUnavailableError:
            log.warning("guild %s: Redis down, reading the player from the database", guild_id)
            snapshot = None
        if snapshot is not None:
            return snapshot
        try:
            row = await self._rows.load(guild_id)
        except Exception:
            log.exception("guild %s: could not read the player row", guild_id)
            return None
        if row is None:
            return None
        try:
            return PlayerSnapshot.from_json(json.dumps(row))
        except SnapshotError:
            log.warning("guild %s: unreadable player row ignored", guild_id, exc_info=True)
            return None

    async def save(self, snapshot: PlayerSnapshot) -> None:
        redis_down: RedisUnavailableError | None = None
        try:
            await self._fast.save(snapshot)  # a LeaseLostError stops here: nothing written anywhere
        except RedisUnavailableError as exc:
            redis_down = exc
        guild_id = snapshot.guild_id
        last, last_at = self._written.get(guild_id, (None, 0.0))
        now = self._now()
        if needs_row_write(last, last_at, snapshot, now, self._interval_s):
            try:
                await self._rows.save(guild_id, json.loads(snapshot.to_json()))
            except Exception:
                log.exception("guild %s: could not write the player row", guild_id)
            else:
                self._written[guild_id] = (snapshot, now)
        if redis_down is not None:
            raise redis_down

    async def delete(self, guild_id: int) -> None:
        await self._fast.delete(guild_id)
        self._written.pop(guild_id, None)
        try:
            await self._rows.delete(guild_id)
        except Exception:
            log.exception("guild %s: could not delete the player row", guild_id)
