"""The real wavelink 3.5.2 connecting to the simulator: handshake, ready, searching, node REST."""

from __future__ import annotations

import pytest
import wavelink

from encore.simulators.lavalink import LavalinkSimulator
from tests.simulators.conftest import BOT_USER_ID, FastBackoff, Harness, RecordingClient


async def test_wavelink_connects_and_gets_ready(sim: LavalinkSimulator, harness: Harness) -> None:
    node = await harness.connect(sim)

    assert node.status is wavelink.NodeStatus.CONNECTED
    assert node.session_id in sim.sessions
    [handshake] = sim.requests.matching("GET", "/v4/websocket")
    assert handshake.status == 101
    assert handshake.headers["User-Id"] == str(BOT_USER_ID)
    assert handshake.headers["Client-Name"].startswith("Wavelink/")
    assert "Session-Id" not in handshake.headers
    # After ready wavelink enables resuming (60 s) and reads /v4/info.
    [patch] = sim.requests.matching("PATCH", f"/v4/sessions/{node.session_id}")
    assert patch.json == {"resuming": True, "timeout": 60}
    assert patch.status == 200
    session = sim.sessions[node.session_id]
    assert (session.resuming, session.timeout, session.user_id) == (True, 60, str(BOT_USER_ID))
    assert sim.requests.matching("GET", "/v4/info")[0].status == 200


async def test_ready_is_followed_by_stats_without_frame_stats(
    sim: LavalinkSimulator, harness: Harness
) -> None:
    await harness.connect(sim)
    stats = await harness.client.wait_for_event("wavelink_stats_update")
    assert (stats.players, stats.playing) == (0, 0)
    assert stats.frames is None  # Lavalink sends frameStats null while no player sends audio
    assert stats.cpu.cores >= 1


async def test_search_goes_through_loadtracks(sim: LavalinkSimulator, harness: Harness) -> None:
    await harness.connect(sim)

    default = await wavelink.Playable.search("never gonna")  # wavelink's default: ytmsearch
    assert isinstance(default, list)
    assert default[0].title == "Never Gonna Give You Up"
    assert default[0].author == "Rick Astley"
    assert default[0].length == 213_000

    youtube = await wavelink.Playable.search("one more time", source="ytsearch")
    assert isinstance(youtube, list)
    assert [t.title for t in youtube] == ["One More Time"]

    soundcloud = await wavelink.Playable.search("flume", source=wavelink.TrackSource.SoundCloud)
    assert isinstance(soundcloud, list)
    assert [t.source for t in soundcloud] == ["soundcloud"]

    identifiers = [r.query["identifier"] for r in sim.requests.matching("GET", "/v4/loadtracks")]
    assert identifiers == ["ytmsearch:never gonna", "ytsearch:one more time", "scsearch:flume"]


async def test_urls_load_tracks_and_playlists(sim: LavalinkSimulator, harness: Harness) -> None:
    await harness.connect(sim)

    single = await wavelink.Playable.search("https://youtu.be/dQw4w9WgXcQ")
    assert isinstance(single, list)
    assert [t.identifier for t in single] == ["dQw4w9WgXcQ"]

    playlist = await wavelink.Playable.search("https://www.youtube.com/playlist?list=PLencoreTestMix01")
    assert isinstance(playlist, wavelink.Playlist)
    assert playlist.name == "Encore Test Mix"
    assert len(playlist) == 4
    assert playlist.selected == -1


async def test_nothing_found_is_an_empty_list(sim: LavalinkSimulator, harness: Harness) -> None:
    await harness.connect(sim)
    assert await wavelink.Playable.search("zzzz no such song") == []
    assert await wavelink.Playable.search("https://example.com/missing.mp3") == []


async def test_load_overrides_reach_wavelink(sim: LavalinkSimulator, harness: Harness) -> None:
    await harness.connect(sim)
    sim.faults.load_result(
        "blocked",
        {
            "loadType": "error",
            "data": {
                "message": "This video is unavailable",
                "severity": "common",
                "cause": "com.sedmelluq.discord.lavaplayer.tools.FriendlyException",
            },
        },
    )
    sim.faults.load_result("never gonna", {"loadType": "empty", "data": {}})

    with pytest.raises(wavelink.LavalinkLoadException) as raised:
        await wavelink.Playable.search("blocked video")
    assert raised.value.error == "This video is unavailable"
    assert raised.value.severity == "common"
    assert await wavelink.Playable.search("never gonna") == []
    assert await wavelink.Playable.search("one more time")  # other identifiers unaffected


async def test_wrong_password_fails_authorization(
    sim: LavalinkSimulator, harness: Harness, client: RecordingClient
) -> None:
    node = harness.node(sim, password="wrong")
    with pytest.raises(wavelink.AuthorizationFailedException):
        await node._connect(client=client)

    # Through the Pool the exception is only logged and the node is left out.
    other = harness.node(sim, password="wrong", identifier="other")
    assert await wavelink.Pool.connect(nodes=[other], client=client) == {}
    assert [r.status for r in sim.requests.matching("GET", "/v4/websocket")] == [401, 401]
    assert sim.sessions == {}


async def test_a_rejected_handshake_is_retried(
    sim: LavalinkSimulator, harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wavelink.websocket, "Backoff", FastBackoff)
    sim.faults.reject_handshake(count=1, status=503)
    node = harness.node(sim)
    await wavelink.Pool.connect(nodes=[node], client=harness.client)
    await harness.client.wait_for_event("wavelink_node_ready")
    assert [r.status for r in sim.requests.matching("GET", "/v4/websocket")] == [503, 101]


async def test_hang_ready_never_makes_the_node_ready(sim: LavalinkSimulator, harness: Harness) -> None:
    sim.faults.hang_ready = True
    node = harness.node(sim)
    await wavelink.Pool.connect(nodes=[node], client=harness.client)

    with pytest.raises(TimeoutError):
        await harness.client.wait_for_event("wavelink_node_ready", timeout=0.5)
    assert node.status is wavelink.NodeStatus.CONNECTING
    assert sim.requests.matching("GET", "/v4/websocket")[0].status == 101
    assert sim.sessions == {}


async def test_node_info_stats_and_version(sim: LavalinkSimulator, harness: Harness) -> None:
    node = await harness.connect(sim)

    assert await node.fetch_version() == "4.2.1"
    info = await node.fetch_info()
    assert (info.version.major, info.version.minor) == (4, 2)
    assert "youtube" in info.source_managers
    assert info.plugins == []
    stats = await node.fetch_stats()
    assert stats.players == 0
    assert stats.frames is None  # never present on /v4/stats
    assert await node.fetch_players() == []
