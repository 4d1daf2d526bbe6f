"""The player snapshot: what a guild's player is doing, written by the fleet, read by the front.

The audio fleet saves a :class:`PlayerSnapshot` whenever a guild's player changes (track start,
pause, seek, queue edit...). The front answers ``/queue`` and ``/nowplaying`` from it with one read,
without a round trip to the fleet: :meth:`PlayerSnapshot.estimated_position_ms` moves the position
on from when it was taken, and :func:`queue_page` cuts the queue into pages.

On the wire (Redis) a snapshot is versioned JSON, ``{"v": 1, ...}``, with snowflakes as strings as
Discord sends them. Readers ignore fields they do not know (adding a field is not a new version);
an incompatible change gets a new ``v``, and :meth:`PlayerSnapshot.from_json` refuses a version it
does not know, or a malformed snapshot, with :class:`SnapshotError` (``version`` says which) rather
than guess: a front older than the fleet answers "try again" instead of a wrong queue.

:class:`RedisSnapshotStore` keeps one key per guild, read with one ``GET`` and written with ``SET``
and a 24-hour expiry refreshed by every save, so a guild whose fleet task died without cleaning up
is forgotten within a day. :class:`MemorySnapshotStore` is the embedded default.

::

    EncoreError
    └── SnapshotError                  a stored snapshot this version cannot read
    RedisUnavailableError              (encore.redis_client) the store did not answer
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, Final, Literal, Protocol

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, PlainSerializer, ValidationError

from encore.errors import EncoreError
from encore.redis_client import translate_redis_errors

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = [
    "SNAPSHOT_TTL_S",
    "SNAPSHOT_VERSION",
    "LoopMode",
    "MemorySnapshotStore",
    "PlayerSnapshot",
    "QueuePage",
    "RedisSnapshotStore",
    "SnapshotError",
    "SnapshotStore",
    "TrackSnapshot",
    "queue_page",
]

SNAPSHOT_VERSION: Final = 1
#: A snapshot not saved again within this long expires (its fleet task is gone).
SNAPSHOT_TTL_S: Final = 24 * 3600

LoopMode = Literal["off", "track", "queue"]


class SnapshotError(EncoreError):
    """A stored snapshot is malformed or of a version this code does not know.

    ``version`` is the snapshot's ``v`` when it had a readable one (e.g. 2 from a newer fleet).
    """

    def __init__(self, problem: str, version: int | None = None) -> None:
        super().__init__(problem)
        self.version = version


@dataclass(frozen=True, slots=True)
class TrackSnapshot:
    """One track as the listener sees it. ``uri`` and ``requester_id`` may be unknown (None)."""

    title: str
    author: str
    uri: str | None
    length_ms: int
    is_stream: bool
    requester_id: int | None


def _require_aware(name: str, value: datetime) -> None:
    if value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (UTC), not {value!r}")


@dataclass(frozen=True, slots=True)
class PlayerSnapshot:
    """A guild's player at ``updated_at``; the position was ``position_ms`` at ``position_at``.

    Datetimes must be timezone-aware (ValueError otherwise); they come back from JSON in UTC.
    """

    guild_id: int
    voice_channel_id: int | None
    current: TrackSnapshot | None
    position_ms: int
    position_at: datetime
    paused: bool
    volume: int
    loop_mode: LoopMode
    queue: tuple[TrackSnapshot, ...]
    updated_at: datetime

    def __post_init__(self) -> None:
        _require_aware("position_at", self.position_at)
        _require_aware("updated_at", self.updated_at)

    def estimated_position_ms(self, now: datetime) -> int:
        """Where playback is at ``now``: moved on since ``position_at`` unless paused.

        Never before ``position_ms`` (a clock behind the fleet's does not rewind) and never past the
        end of the track (streams have no end). 0 when nothing is playing.
        """
        if self.current is None:
            return 0
        position = self.position_ms
        if not self.paused:
            elapsed_ms = math.floor((now - self.position_at).total_seconds() * 1000)
            position += max(0, elapsed_ms)
        if not self.current.is_stream:
            position = min(position, self.current.length_ms)
        return max(0, position)

    def to_json(self) -> str:
        """The versioned wire form (``{"v": 1, ...}``)."""
        return _SnapshotWire.from_snapshot(self).model_dump_json()

    @classmethod
    def from_json(cls, raw: str | bytes) -> PlayerSnapshot:
        """Parse :meth:`to_json`'s output; SnapshotError for another version or malformed data."""
        try:
            data = json.loads(raw)
        except ValueError:  # JSONDecodeError, UnicodeDecodeError
            raise SnapshotError("not a player snapshot: not JSON") from None
        version = data.get("v") if isinstance(data, dict) else None
        if not isinstance(version, int) or isinstance(version, bool):
            raise SnapshotError("not a player snapshot: no version")
        if version != SNAPSHOT_VERSION:
            raise SnapshotError(
                f"player snapshot version {version} is not supported (this code reads v{SNAPSHOT_VERSION})",
                version=version,
            )
        try:
            wire = _SnapshotWire.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ())) or "snapshot"
            raise SnapshotError(
                f"not a v{SNAPSHOT_VERSION} player snapshot: {where}: {first['msg']}", version=version
            ) from None
        return wire.to_snapshot()


# Wire schema (v1). Kept apart from the dataclasses so the domain types carry no JSON concerns.

Snowflake = Annotated[int, Field(gt=0, lt=2**64), PlainSerializer(str, return_type=str)]
_WIRE_CONFIG: Final = ConfigDict(frozen=True, extra="ignore", allow_inf_nan=False)


class _TrackWire(BaseModel):
    model_config = _WIRE_CONFIG

    title: str
    author: str
    uri: str | None
    length_ms: int = Field(ge=0)
    is_stream: bool
    requester_id: Snowflake | None

    @classmethod
    def from_track(cls, track: TrackSnapshot) -> _TrackWire:
        return cls(
            title=track.title,
            author=track.author,
            uri=track.uri,
            length_ms=track.length_ms,
            is_stream=track.is_stream,
            requester_id=track.requester_id,
        )

    def to_track(self) -> TrackSnapshot:
        return TrackSnapshot(
            self.title, self.author, self.uri, self.length_ms, self.is_stream, self.requester_id
        )


class _SnapshotWire(BaseModel):
    model_config = _WIRE_CONFIG

    v: Literal[1] = SNAPSHOT_VERSION
    guild_id: Snowflake
    voice_channel_id: Snowflake | None
    current: _TrackWire | None
    position_ms: int = Field(ge=0)
    position_at: AwareDatetime
    paused: bool
    volume: int = Field(ge=0, le=1000)
    loop_mode: LoopMode
    queue: tuple[_TrackWire, ...]
    updated_at: AwareDatetime

    @classmethod
    def from_snapshot(cls, snapshot: PlayerSnapshot) -> _SnapshotWire:
        fields: dict[str, Any] = {
            "guild_id": snapshot.guild_id,
            "voice_channel_id": snapshot.voice_channel_id,
            "current": None if snapshot.current is None else _TrackWire.from_track(snapshot.current),
            "position_ms": snapshot.position_ms,
            "position_at": snapshot.position_at,
            "paused": snapshot.paused,
            "volume": snapshot.volume,
            "loop_mode": snapshot.loop_mode,
            "queue": tuple(_TrackWire.from_track(t) for t in snapshot.queue),
            "updated_at": snapshot.updated_at,
        }
        return cls.model_validate(fields)  # a ValueError here is a bug in the writer

    def to_snapshot(self) -> PlayerSnapshot:
        return PlayerSnapshot(
            guild_id=self.guild_id,
            voice_channel_id=self.voice_channel_id,
            current=None if self.current is None else self.current.to_track(),
            position_ms=self.position_ms,
            position_at=self.position_at.astimezone(UTC),
            paused=self.paused,
            volume=self.volume,
            loop_mode=self.loop_mode,
            queue=tuple(t.to_track() for t in self.queue),
            updated_at=self.updated_at.astimezone(UTC),
        )


@dataclass(frozen=True, slots=True)
class QueuePage:
    """One page of the queue: ``items`` are ``(position, track)`` with positions counted from 1.

    ``total`` and ``total_length_ms`` describe the whole queue (streams count as 0 ms).
    """

    items: tuple[tuple[int, TrackSnapshot], ...]
    page: int
    pages: int
    total: int
    total_length_ms: int


def queue_page(snapshot: PlayerSnapshot, page: int, per_page: int = 10) -> QueuePage:
    """Page ``page`` (from 1) of the snapshot's queue, ``per_page`` tracks per page.

    A page past the end shows the last page, and a page below 1 the first: ``/queue page:9`` on a
    two-page queue answers page 2 (the returned ``page`` says which was shown). An empty queue is
    one empty page. ``per_page`` must be at least 1 (ValueError).
    """
    if per_page < 1:
        raise ValueError(f"per_page must be at least 1, not {per_page}")
    total = len(snapshot.queue)
    pages = max(1, -(-total // per_page))
    shown = min(max(page, 1), pages)
    start = (shown - 1) * per_page
    items = tuple(
        (start + offset + 1, track) for offset, track in enumerate(snapshot.queue[start : start + per_page])
    )
    total_length_ms = sum(t.length_ms for t in snapshot.queue if not t.is_stream)
    return QueuePage(items, shown, pages, total, total_length_ms)


class SnapshotStore(Protocol):
    """Where player snapshots live, one per guild."""

    async def load(self, guild_id: int) -> PlayerSnapshot | None:
        """The guild's latest snapshot, or None when it has no player."""
        ...

    async def save(self, snapshot: PlayerSnapshot) -> None:
        """Replace the guild's snapshot."""
        ...

    async def delete(self, guild_id: int) -> None:
        """Forget the guild's snapshot (the player left); no error when there is none."""
        ...


class RedisSnapshotStore:
    """Snapshots as JSON strings under ``prefix + guild_id``, each expiring ``ttl_s`` after its save.

    Redis failures raise :class:`~encore.redis_client.RedisUnavailableError`; an unreadable
    snapshot raises :class:`SnapshotError`.
    """

    def __init__(self, redis: Redis, prefix: str = "encore:player:", ttl_s: int = SNAPSHOT_TTL_S) -> None:
        self._redis = redis
        self._prefix = prefix
        self._ttl_s = ttl_s

    async def load(self, guild_id: int) -> PlayerSnapshot | None:
        with translate_redis_errors("snapshot load"):
            raw: bytes | str | None = await self._redis.get(f"{self._prefix}{guild_id}")
        return None if raw is None else PlayerSnapshot.from_json(raw)

    async def save(self, snapshot: PlayerSnapshot) -> None:
        with translate_redis_errors("snapshot save"):
            await self._redis.set(f"{self._prefix}{snapshot.guild_id}", snapshot.to_json(), ex=self._ttl_s)

    async def delete(self, guild_id: int) -> None:
        with translate_redis_errors("snapshot delete"):
            await self._redis.delete(f"{self._prefix}{guild_id}")


class MemorySnapshotStore:
    """Snapshots in this process (the embedded default); they last as long as the process."""

    def __init__(self) -> None:
        self._snapshots: dict[int, PlayerSnapshot] = {}

    async def load(self, guild_id: int) -> PlayerSnapshot | None:
        return self._snapshots.get(guild_id)

    async def save(self, snapshot: PlayerSnapshot) -> None:
        self._snapshots[snapshot.guild_id] = snapshot

    async def delete(self, guild_id: int) -> None:
        self._snapshots.pop(guild_id, None)
