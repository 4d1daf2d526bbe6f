"""The node-level faults the fleet's failover is tested with: a crash, a hung (silent) node, stats
on demand, and a failing source answering with Lavalink's exception shape."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
import wavelink

from encore.simulators.lavalink import LavalinkSimulator
from tests.simulators.conftest import GUILD_ID, Harness, play


async def load(http: aiohttp.ClientSession, sim: LavalinkSimulator, identifier: str) -> dict[str, Any]:
    async with http.get(
        f"{sim.uri}/v4/loadtracks", params={"identifier": identifier}, headers={"Authorization": sim.password}
    ) as response:
        assert response.status == 200
        body: dict[str, Any] = await response.json()
        return body


async def test_a_failing_source_answers_with_lavalinks_exception(
    sim: LavalinkSimulator, http: aiohttp.ClientSession
) -> None:
    sim.faults.fail_source("youtube", "Sign in to confirm you're not a bot", count=2)

    search = await load(http, sim, "ytsearch:never gonna")
    assert search["loadType"] == "error"
    assert search["data"]["message"] == "Sign in to confirm you're not a bot"
    assert search["data"]["severity"] == "common"
    assert search["data"]["cause"].endswith("FriendlyException: Sign in to confirm you're not a bot")
    url = await load(http, sim, "https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    assert url["loadType"] == "error"
    # Other sources are untouched, and the fault ran out after two loads.
    assert (await load(http, sim, "scsearch:midnight city"))["loadType"] == "search"
    assert (await load(http, sim, "ytsearch:never gonna"))["loadType"] == "search"


def test_severities_are_lavalinks(sim: LavalinkSimulator) -> None:
    with pytest.raises(ValueError, match="severity"):
        sim.faults.fail_source("youtube", "x", severity="fatal")


async def test_wavelink_raises_the_load_exception(sim: LavalinkSimulator, harness: Harness) -> None:
    await harness.connect(sim)
    sim.faults.fail_source(
        "soundcloud", "Read timed out", severity="fault", cause="java.net.SocketTimeoutException"
    )
    with pytest.raises(wavelink.LavalinkLoadException) as raised:
        await wavelink.Pool.fetch_tracks("scsearch:midnight city")
    assert (raised.value.error, raised.value.severity) == ("Read timed out", "fault")
    assert raised.value.cause == "java.net.SocketTimeoutException"


async def test_stats_on_demand_carry_frame_stats_while_playing(
    sim: LavalinkSimulator, harness: Harness
) -> None:
    node = await harness.connect(sim)
    await play(node, "africa")
    sim.faults.frames_deficit = 120
    mark = len(harness.client.events)

    await sim.push_stats()

    stats = await harness.client.wait_for_event("wavelink_stats_update", after=mark)
    assert stats.frames is not None
    assert (stats.frames.sent, stats.frames.deficit, stats.frames.nulled) == (2880, 120, 0)
    assert stats.playing == 1


async def test_a_silent_node_sends_nothing_and_queues_nothing(
    sim: LavalinkSimulator, harness: Harness
) -> None:
    node = await harness.connect(sim)
    await play(node, "africa")
    sent = len(sim.sent)
    sim.faults.silent = True

    await sim.push_stats()
    await sim.emit_track_stuck(GUILD_ID)

    assert len(sim.sent) == sent
    assert node.status is wavelink.NodeStatus.CONNECTED  # the socket itself stays open
    player = sim.player(GUILD_ID)
    assert player is not None
    assert player.track is not None  # and the node keeps playing


async def test_a_crash_drops_everything_until_the_node_starts_again(
    sim: LavalinkSimulator, harness: Harness, http: aiohttp.ClientSession
) -> None:
    node = await harness.connect(sim)
    await play(node, "africa")
    old_session = node.session_id
    mark = len(harness.client.events)

    await sim.crash()

    await harness.client.wait_for_event("wavelink_node_disconnected", after=mark)
    assert sim.sessions == {}
    assert sim.player(GUILD_ID) is None
    with pytest.raises(aiohttp.ClientConnectionError):
        async with http.get(f"{sim.uri}/version", headers={"Authorization": sim.password}):
            pass

    await sim.start()

    ready = await harness.client.wait_for_event("wavelink_node_ready", after=mark)
    assert not ready.resumed
    assert ready.session_id != old_session
