"""Loading tracks through the real wavelink against the Lavalink simulator: retries with backoff for
transient failures, the next source of the fallback order when one fails, clear messages."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
import wavelink

from audio_fleet.track_loader import Loaded, TrackLoader
from encore.metrics import RecordingSink
from encore.simulators.lavalink import LavalinkSimulator
from tests.simulators.conftest import RecordingClient

BOT_CHECK = "Sign in to confirm you're not a bot"


@pytest.fixture
async def sim() -> AsyncIterator[LavalinkSimulator]:
    async with LavalinkSimulator() as simulator:
        yield simulator


@pytest.fixture
async def node(sim: LavalinkSimulator) -> AsyncIterator[wavelink.Node]:
    """A node for REST loads only: loads need no websocket, only the bot's user id."""
    async with aiohttp.ClientSession() as session:
        yield wavelink.Node(
            identifier="loads", uri=sim.uri, password=sim.password, session=session, client=RecordingClient()
        )


class Sleeps:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


def loader(
    node: wavelink.Node, metrics: RecordingSink, sleeps: Sleeps, *, retries: int = 2, backoff_s: float = 0.25
) -> TrackLoader:
    return TrackLoader(
        fallback=("ytsearch", "scsearch"),
        metrics=metrics,
        pick_node=lambda: node,
        sleep=sleeps,
        retries=retries,
        backoff_s=backoff_s,
    )


def titles(found: Loaded | str) -> list[str]:
    assert isinstance(found, Loaded), found
    return [track.title for track in found.tracks]


async def test_a_healthy_source_answers_first(sim: LavalinkSimulator, node: wavelink.Node) -> None:
    metrics, sleeps = RecordingSink(), Sleeps()
    found = await loader(node, metrics, sleeps).load("never gonna give you up", "en-US")
    assert titles(found)[0] == "Never Gonna Give You Up"
    assert isinstance(found, Loaded)
    assert found.notice is None
    assert [r.query["identifier"] for r in sim.requests.matching("GET", "/v4/loadtracks")] == [
        "ytsearch:never gonna give you up"
    ]
    assert metrics.total("TrackLoads", Source="youtube") == 1
    assert metrics.total("TrackLoadFailures") == 0


async def test_a_refusing_source_hands_over_to_the_next_and_the_listener_is_told(
    sim: LavalinkSimulator, node: wavelink.Node
) -> None:
    sim.faults.fail_source("youtube", BOT_CHECK)
    metrics, sleeps = RecordingSink(), Sleeps()
    found = await loader(node, metrics, sleeps).load("midnight city", "en-US")
    assert titles(found) == ["Midnight City (Live Session)"]
    assert isinstance(found, Loaded)
    assert found.notice == "YouTube isn't working right now, so I searched SoundCloud instead."
    assert sleeps.delays == []  # a bot check is not retried
    assert metrics.total("TrackLoadFailures", Source="youtube") == 1
    assert metrics.total("TrackLoads", Source="soundcloud") == 1


async def test_transient_failures_are_retried_with_backoff(
    sim: LavalinkSimulator, node: wavelink.Node
) -> None:
    sim.faults.fail_source("youtube", "Read timed out", severity="fault", count=2)
    metrics, sleeps = RecordingSink(), Sleeps()
    found = await loader(node, metrics, sleeps, retries=2, backoff_s=0.5).load("never gonna", "en-US")
    assert titles(found)[0] == "Never Gonna Give You Up"
    assert isinstance(found, Loaded)
    assert found.notice is None
    assert sleeps.delays == [0.5, 1.0]
    assert metrics.total("TrackLoads", Source="youtube") == 3
    assert metrics.total("TrackLoadFailures", Source="youtube") == 2


async def test_a_source_that_keeps_failing_gives_way_after_its_retries(
    sim: LavalinkSimulator, node: wavelink.Node
) -> None:
    sim.faults.fail_source("youtube", "Read timed out", severity="fault")
    sleeps = Sleeps()
    found = await loader(node, RecordingSink(), sleeps, retries=1).load("midnight city", "en-US")
    assert titles(found) == ["Midnight City (Live Session)"]
    assert len(sleeps.delays) == 1


async def test_a_rest_error_from_the_node_is_transient(sim: LavalinkSimulator, node: wavelink.Node) -> None:
    sim.faults.fail_requests("GET", "/v4/loadtracks", count=1, status=500)
    sleeps = Sleeps()
    found = await loader(node, RecordingSink(), sleeps).load("never gonna", "en-US")
    assert titles(found)[0] == "Never Gonna Give You Up"
    assert len(sleeps.delays) == 1


async def test_when_every_source_fails_the_first_failure_is_explained(
    sim: LavalinkSimulator, node: wavelink.Node
) -> None:
    sim.faults.fail_source("youtube", "Sign in to confirm your age. This video may be inappropriate")
    sim.faults.fail_source("soundcloud", "Track not found", severity="common")
    found = await loader(node, RecordingSink(), Sleeps()).load("never gonna", "es-ES")
    assert found == "Esa canción tiene restricción de edad en YouTube, así que no puedo reproducirla."


async def test_nothing_found_anywhere_is_an_empty_result(sim: LavalinkSimulator, node: wavelink.Node) -> None:
    found = await loader(node, RecordingSink(), Sleeps()).load("zzqx no such song", "en-US")
    assert titles(found) == []
    identifiers = [r.query["identifier"] for r in sim.requests.matching("GET", "/v4/loadtracks")]
    assert identifiers == ["ytsearch:zzqx no such song", "scsearch:zzqx no such song"]


async def test_a_url_is_loaded_as_it_is_without_fallback(sim: LavalinkSimulator, node: wavelink.Node) -> None:
    sim.faults.fail_source("youtube", "Video unavailable")
    url = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    found = await loader(node, RecordingSink(), Sleeps()).load(url, "en-US")
    assert found == "That song is unavailable on YouTube: it was removed, made private or blocked."
    assert [r.query["identifier"] for r in sim.requests.matching("GET", "/v4/loadtracks")] == [url]


async def test_no_ready_node_is_an_error_for_the_caller(node: wavelink.Node) -> None:
    none_ready = TrackLoader(pick_node=lambda: None, sleep=Sleeps())
    with pytest.raises(wavelink.InvalidNodeException):
        await none_ready.load("never gonna", "en-US")


def test_the_fallback_order_needs_a_source() -> None:
    with pytest.raises(ValueError, match="at least one"):
        TrackLoader(fallback=())
