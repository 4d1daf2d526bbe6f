"""Playback arithmetic under a fake clock: positions, pauses, filters, ends and update cadence."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from encore.simulators.lavalink import Catalogue, LavalinkSimulator, SimPlayer
from tests.simulators.conftest import GUILD_ID, VOICE, FakeClock

CATALOGUE = Catalogue.default()


class Node:
    """A fake-clock simulator with one raw websocket session."""

    def __init__(self, sim: LavalinkSimulator, clock: FakeClock, http: aiohttp.ClientSession):
        self.sim = sim
        self.clock = clock
        self.http = http
        self.session_id = ""

    async def patch(self, body: dict[str, Any]) -> dict[str, Any]:
        async with self.http.patch(
            f"{self.sim.uri}/v4/sessions/{self.session_id}/players/{GUILD_ID}",
            json=body,
            headers={"Authorization": self.sim.password},
        ) as response:
            assert response.status == 200, await response.text()
            answer: dict[str, Any] = await response.json()
            return answer

    async def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)
        await self.sim.tick()

    @property
    def player(self) -> SimPlayer:
        player = self.sim.player(GUILD_ID)
        assert player is not None
        return player

    def sent(self, op: str, kind: str | None = None) -> list[dict[str, Any]]:
        return [
            m.payload
            for m in self.sim.sent
            if m.payload["op"] == op and (kind is None or m.payload.get("type") == kind)
        ]


@pytest.fixture
async def node(http: aiohttp.ClientSession) -> AsyncIterator[Node]:
    clock = FakeClock()
    # tick_interval is long so only the test's explicit ticks move things
    async with LavalinkSimulator(
        clock=clock, playback_speed=2.0, player_update_interval=5.0, tick_interval=3600.0
    ) as sim:
        fake = Node(sim, clock, http)
        socket = await http.ws_connect(
            f"{sim.uri}/v4/websocket", headers={"Authorization": sim.password, "User-Id": "1"}
        )
        fake.session_id = (await socket.receive_json())["sessionId"]
        yield fake
        await socket.close()


async def test_position_follows_clock_speed_pause_and_timescale(node: Node) -> None:
    rick = CATALOGUE.find("never gonna give")
    await node.patch({"voice": VOICE, "track": {"encoded": rick.encoded}})
    await node.advance(10)
    assert node.player.position == 20_000  # 10 s at 2x

    await node.patch({"paused": True})
    await node.advance(10)
    assert node.player.position == 20_000

    await node.patch({"paused": False, "filters": {"timescale": {"speed": 1.5}}})
    await node.advance(10)
    assert node.player.position == 50_000  # 10 s at 2x * 1.5

    updates = len(node.sent("playerUpdate"))
    answer = await node.patch({"position": 200_000})
    assert answer["state"]["position"] == 200_000
    assert node.sent("playerUpdate")[updates:][0]["state"]["position"] == 200_000  # sent at once
    assert answer["track"]["info"]["position"] == 200_000
    await node.advance(10)  # past the end (213 s)
    assert node.player.track is None
    [end] = node.sent("event", "TrackEndEvent")
    assert end["reason"] == "finished"
    assert end["track"]["info"]["title"] == "Never Gonna Give You Up"


async def test_player_updates_come_every_interval_while_a_track_plays(node: Node) -> None:
    await node.patch({"voice": VOICE})
    await node.advance(20)
    assert node.sent("playerUpdate") == []  # no track, no updates

    await node.patch({"track": {"encoded": CATALOGUE.find("africa").encoded}})
    await node.advance(0)
    assert len(node.sent("playerUpdate")) == 1  # one right away
    await node.advance(4.9)
    assert len(node.sent("playerUpdate")) == 1
    await node.advance(0.2)
    updates = node.sent("playerUpdate")
    assert len(updates) == 2
    assert updates[-1]["guildId"] == str(GUILD_ID)
    assert updates[-1]["state"]["position"] == 10_200
    assert updates[-1]["state"]["connected"] is True


async def test_a_stream_never_finishes(node: Node) -> None:
    stream = CATALOGUE.find("lofi")
    await node.patch({"voice": VOICE, "track": {"encoded": stream.encoded}})
    await node.advance(86_400)
    assert node.player.track is not None
    assert node.player.position == 172_800_000
    assert node.sent("event", "TrackEndEvent") == []


async def test_start_position_and_start_paused(node: Node) -> None:
    await node.patch(
        {
            "voice": VOICE,
            "track": {"encoded": CATALOGUE.find("africa").encoded},
            "position": 30_000,
            "paused": True,
        }
    )
    await node.advance(10)
    assert node.player.paused
    assert node.player.position == 30_000
    [start] = node.sent("event", "TrackStartEvent")
    assert start["track"]["info"]["position"] == 30_000


async def test_a_new_track_unpauses_unless_told_otherwise(node: Node) -> None:
    await node.patch({"voice": VOICE, "track": {"encoded": CATALOGUE.find("africa").encoded}})
    await node.patch({"paused": True})
    await node.patch({"track": {"encoded": CATALOGUE.find("take on me").encoded}})
    assert not node.player.paused  # Lavalink resets pause when it starts a track
