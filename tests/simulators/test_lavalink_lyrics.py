"""The simulated node's LavaLyrics plugin answers as the plugin does (200 / 204 / 404)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from encore.simulators.lavalink import Catalogue, LavalinkSimulator
from encore.simulators.lavalink.lyrics import LyricsPlugin
from tests.simulators.conftest import GUILD_ID, VOICE
from tests.simulators.test_lavalink_rest import Rest

CATALOGUE = Catalogue.default()
RICK = CATALOGUE.find("never gonna give")
AHA = CATALOGUE.find("take on me")


@pytest.fixture
async def lyrics_sim() -> AsyncIterator[LavalinkSimulator]:
    sim = LavalinkSimulator()
    sim.lyrics = LyricsPlugin.default()
    async with sim:
        yield sim


@pytest.fixture
async def rest(lyrics_sim: LavalinkSimulator, http: aiohttp.ClientSession) -> AsyncIterator[Rest]:
    client = Rest(lyrics_sim, http)
    await client.open()
    yield client
    if client.socket is not None:
        await client.socket.close()


async def play(rest: Rest, encoded: str) -> None:
    status, _ = await rest.call(
        "PATCH", rest.player_path(), json={"voice": VOICE, "track": {"encoded": encoded}}
    )
    assert status == 200


async def test_the_plugin_is_listed_in_info(rest: Rest, sim: LavalinkSimulator) -> None:
    status, info = await rest.call("GET", "/v4/info")
    assert status == 200
    assert info["plugins"] == [{"name": "lavalyrics-plugin", "version": "1.1.0"}]
    assert sim.info()["plugins"] == []  # a node without it lists nothing


async def test_lyrics_of_the_current_track(rest: Rest) -> None:
    path = rest.player_path("/track/lyrics?skipTrackSource=false")
    status, body = await rest.call("GET", path)
    assert (status, body["message"]) == (404, "Player not found")
    await play(rest, RICK.encoded)
    status, lyrics = await rest.call("GET", path)
    assert status == 200
    assert set(lyrics) == {"sourceName", "provider", "text", "lines", "plugin"}
    first: dict[str, Any] = lyrics["lines"][0]
    assert set(first) == {"timestamp", "duration", "line", "plugin"}
    await play(rest, AHA.encoded)
    assert await rest.call("GET", path) == (204, None)  # no lyrics for that one
    status, body = await rest.call("GET", f"/v4/sessions/nope/players/{GUILD_ID}/track/lyrics")
    assert (status, body["message"]) == (404, "Session not found")


async def test_lyrics_of_an_encoded_track(rest: Rest) -> None:
    status, lyrics = await rest.call("GET", f"/v4/lyrics?track={RICK.encoded}&skipTrackSource=true")
    assert status == 200
    assert lyrics["lines"]
    assert await rest.call("GET", f"/v4/lyrics?track={AHA.encoded}") == (204, None)
    status, _ = await rest.call("GET", "/v4/lyrics")
    assert status == 400
    status, _ = await rest.call("GET", "/v4/lyrics", password="nope")
    assert status == 401
