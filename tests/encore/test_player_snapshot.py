"""The player snapshot: what ``/queue`` and ``/nowplaying`` show, read from Redis in one round trip.

Store tests run against both the in-process store and the real Redis at 127.0.0.1:6379 (a key
prefix per test); "Redis is down" is a client pointed at a closed loopback port.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from redis.asyncio import Redis

from encore.player_snapshot import (
    SNAPSHOT_TTL_S,
    MemorySnapshotStore,
    PlayerSnapshot,
    QueuePage,
    RedisSnapshotStore,
    SnapshotError,
    SnapshotStore,
    TrackSnapshot,
    queue_page,
)
from encore.redis_client import RedisUnavailableError
from tests.ports import free_port
from tests.redis_support import connect

REDIS_URL = "redis://127.0.0.1:6379/0"
GUILD = 1100000000000000000
T0 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def track(
    title: str = "Never Gonna Give You Up", length_ms: int = 213_000, *, is_stream: bool = False
) -> TrackSnapshot:
    return TrackSnapshot(
        title=title,
        author="Rick Astley",
        uri="https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        length_ms=length_ms,
        is_stream=is_stream,
        requester_id=1100000000000000200,
    )


def snapshot(**overrides: Any) -> PlayerSnapshot:
    fields: dict[str, Any] = {
        "guild_id": GUILD,
        "voice_channel_id": 1100000000000000100,
        "current": track(),
        "position_ms": 60_000,
        "position_at": T0,
        "paused": False,
        "volume": 100,
        "loop_mode": "off",
        "queue": (),
        "updated_at": T0,
    }
    fields.update(overrides)
    return PlayerSnapshot(**fields)


@pytest.fixture(params=["redis", "memory"])
def store(request: pytest.FixtureRequest, redis: Redis, prefix: str) -> SnapshotStore:
    """Each store, for the behaviour they share."""
    if request.param == "redis":
        return RedisSnapshotStore(redis, prefix=prefix)
    return MemorySnapshotStore()


# --- the wire format ----------------------------------------------------------------------------

snowflakes = st.integers(1, 2**64 - 1)
texts = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)  # no lone surrogates
tracks = st.builds(
    TrackSnapshot,
    title=texts,
    author=texts,
    uri=st.none() | texts,
    length_ms=st.integers(0, 2**63 - 1),  # Lavalink reports a stream's length as Long.MAX_VALUE
    is_stream=st.booleans(),
    requester_id=st.none() | snowflakes,
)
moments = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from(
        [UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-9, minutes=-30))]
    ),
)
snapshots = st.builds(
    PlayerSnapshot,
    guild_id=snowflakes,
    voice_channel_id=st.none() | snowflakes,
    current=st.none() | tracks,
    position_ms=st.integers(0, 2**40),
    position_at=moments,
    paused=st.booleans(),
    volume=st.integers(0, 1000),
    loop_mode=st.sampled_from(["off", "track", "queue"]),
    queue=st.lists(tracks, max_size=12).map(tuple),
    updated_at=moments,
)


@given(snapshots)
def test_a_snapshot_survives_the_trip_through_json(original: PlayerSnapshot) -> None:
    restored = PlayerSnapshot.from_json(original.to_json())
    assert restored == original
    assert restored.position_at.tzinfo is UTC
    assert restored.updated_at.tzinfo is UTC


def test_the_wire_format_is_versioned_with_snowflakes_as_strings() -> None:
    wire = json.loads(snapshot(queue=(track("One More Time"),)).to_json())
    assert wire["v"] == 1
    assert wire["guild_id"] == str(GUILD)  # JavaScript readers would lose precision on numbers
    assert wire["current"]["requester_id"] == "1100000000000000200"
    assert wire["queue"][0]["title"] == "One More Time"


def test_a_snapshot_from_a_newer_fleet_is_refused_with_its_version() -> None:
    wire = json.loads(snapshot().to_json())
    wire["v"] = 2
    with pytest.raises(SnapshotError, match="version 2 is not supported") as caught:
        PlayerSnapshot.from_json(json.dumps(wire))
    assert caught.value.version == 2


def test_a_field_added_within_v1_does_not_break_older_readers() -> None:
    wire = json.loads(snapshot().to_json())
    wire["filters"] = {"nightcore": True}
    assert PlayerSnapshot.from_json(json.dumps(wire)) == snapshot()


@pytest.mark.parametrize(
    "raw",
    [
        "not json",
        "[1, 2]",  # not an object
        '{"guild_id": "1"}',  # no version
        '{"v": true}',  # a boolean is not a version
        json.dumps({**json.loads(snapshot().to_json()), "loop_mode": "shuffle"}),  # unknown mode
        json.dumps({**json.loads(snapshot().to_json()), "position_at": "2026-11-27T12:00:00"}),  # naive
        json.dumps({k: v for k, v in json.loads(snapshot().to_json()).items() if k != "queue"}),
    ],
)
def test_a_malformed_snapshot_is_refused(raw: str) -> None:
    with pytest.raises(SnapshotError, match="not a"):
        PlayerSnapshot.from_json(raw)


def test_a_fleet_bug_is_caught_when_writing_not_when_reading() -> None:
    with pytest.raises(ValueError, match="volume"):
        snapshot(volume=5000).to_json()
    with pytest.raises(ValueError, match="timezone-aware"):
        snapshot(position_at=datetime(2026, 11, 27, 12, 0))  # naive: no timezone


# --- /nowplaying: where the track is now --------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "seconds_later", "expected_ms"),
    [
        ({}, 30, 90_000),  # playing: moves on with the clock
        ({"paused": True}, 30, 60_000),  # paused: stays put
        ({}, 600, 213_000),  # never past the end of the track
        ({"current": track(is_stream=True, length_ms=0)}, 600, 660_000),  # a stream has no end
        ({}, -5, 60_000),  # the reader's clock is behind the fleet's: no rewinding
        ({"current": None, "position_ms": 0}, 30, 0),  # nothing playing
    ],
)
def test_now_playing_estimates_the_position(
    overrides: dict[str, Any], seconds_later: float, expected_ms: int
) -> None:
    now = T0 + timedelta(seconds=seconds_later)
    assert snapshot(**overrides).estimated_position_ms(now) == expected_ms


# --- /queue [page] ------------------------------------------------------------------------------


def titles(page: QueuePage) -> list[tuple[int, str]]:
    return [(position, t.title) for position, t in page.items]


def queued(count: int) -> PlayerSnapshot:
    return snapshot(queue=tuple(track(f"Track {n}", length_ms=1000) for n in range(1, count + 1)))


def test_the_queue_is_shown_ten_at_a_time_numbered_from_one() -> None:
    page = queue_page(queued(25), 3)
    assert titles(page) == [(n, f"Track {n}") for n in range(21, 26)]
    assert (page.page, page.pages, page.total, page.total_length_ms) == (3, 3, 25, 25_000)


@pytest.mark.parametrize(
    ("asked", "shown"),
    [
        (9, 3),  # past the end: the last page
        (0, 1),  # below the first: the first page
        (-4, 1),
    ],
)
def test_a_page_out_of_range_shows_the_nearest_page(asked: int, shown: int) -> None:
    page = queue_page(queued(25), asked)
    assert page.page == shown
    assert page.items == queue_page(queued(25), shown).items


def test_an_empty_queue_is_one_empty_page() -> None:
    assert queue_page(snapshot(), 1) == QueuePage(items=(), page=1, pages=1, total=0, total_length_ms=0)
    assert queue_page(snapshot(), 5).page == 1


def test_streams_do_not_count_towards_the_queue_length() -> None:
    live = track("Lofi radio", length_ms=2**63 - 1, is_stream=True)
    assert queue_page(snapshot(queue=(track(), live)), 1).total_length_ms == 213_000


@given(queue=st.lists(tracks, max_size=40).map(tuple), per_page=st.integers(1, 15))
def test_every_queued_track_is_on_exactly_one_page_in_order(
    queue: tuple[TrackSnapshot, ...], per_page: int
) -> None:
    first = queue_page(snapshot(queue=queue), 1, per_page)
    pages = [queue_page(snapshot(queue=queue), n, per_page) for n in range(1, first.pages + 1)]
    listed = [item for page in pages for item in page.items]
    assert listed == list(enumerate(queue, start=1))
    assert all(0 < len(page.items) <= per_page for page in pages) or queue == ()


def test_a_page_needs_room_for_a_track() -> None:
    with pytest.raises(ValueError, match="per_page"):
        queue_page(snapshot(), 1, per_page=0)


# --- the stores ---------------------------------------------------------------------------------


async def test_a_guild_without_a_player_has_no_snapshot(store: SnapshotStore) -> None:
    assert await store.load(GUILD) is None


async def test_the_front_reads_what_the_fleet_saved_last(store: SnapshotStore) -> None:
    await store.save(snapshot(paused=False))
    await store.save(snapshot(paused=True, queue=(track("One More Time"),)))
    await store.save(snapshot(guild_id=GUILD + 1))
    assert await store.load(GUILD) == snapshot(paused=True, queue=(track("One More Time"),))
    assert await store.load(GUILD + 1) == snapshot(guild_id=GUILD + 1)


async def test_a_player_that_left_has_no_snapshot(store: SnapshotStore) -> None:
    await store.save(snapshot())
    await store.delete(GUILD)
    await store.delete(GUILD)  # twice is fine
    assert await store.load(GUILD) is None


async def test_redis_snapshots_expire_unless_saved_again(redis: Redis, prefix: str) -> None:
    store = RedisSnapshotStore(redis, prefix=prefix)
    await store.save(snapshot())
    key = f"{prefix}{GUILD}"
    assert 0 < await redis.ttl(key) <= SNAPSHOT_TTL_S == 24 * 3600
    await redis.expire(key, 10)  # nearly expired...
    await store.save(snapshot(paused=True))
    assert await redis.ttl(key) > 10  # ...and refreshed by the next save


async def test_a_snapshot_from_a_newer_fleet_is_an_error_not_an_empty_player(
    redis: Redis, prefix: str
) -> None:
    await redis.set(f"{prefix}{GUILD}", json.dumps({"v": 2, "guild_id": str(GUILD)}))
    with pytest.raises(SnapshotError) as caught:
        await RedisSnapshotStore(redis, prefix=prefix).load(GUILD)
    assert caught.value.version == 2


@pytest.mark.parametrize(
    ("operation", "call"),
    [
        ("load", lambda store: store.load(GUILD)),
        ("save", lambda store: store.save(snapshot())),
        ("delete", lambda store: store.delete(GUILD)),
    ],
)
async def test_redis_down_is_one_clear_error(
    operation: str, call: Callable[[SnapshotStore], Awaitable[object]]
) -> None:
    dead = connect(f"redis://127.0.0.1:{free_port()}/0")
    try:
        with pytest.raises(RedisUnavailableError, match=f"snapshot {operation}"):
            await call(RedisSnapshotStore(dead))
    finally:
        await dead.aclose()
