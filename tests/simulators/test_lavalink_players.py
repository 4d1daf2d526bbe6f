"""Players driven through wavelink's own REST calls, and the events wavelink dispatches back.

A full ``wavelink.Player`` needs a Discord voice connection; here the node's ``_update_player`` (the
call every Player method makes) stands in for it. The Discord simulator tests cover the Player.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import wavelink

from encore.simulators.lavalink import LavalinkSimulator
from tests.simulators.conftest import GUILD_ID, VOICE, Harness, patch_player, play


@pytest.fixture
async def fast_sim() -> AsyncIterator[LavalinkSimulator]:
    """Playback 20x real time, a playerUpdate every 50 ms, cleanup after 0.3 s without voice."""
    async with LavalinkSimulator(
        player_update_interval=0.05, playback_speed=20.0, cleanup_threshold=0.3, name="fast"
    ) as simulator:
        yield simulator


async def test_playing_reaches_the_node_and_dispatches_track_start(
    sim: LavalinkSimulator, harness: Harness
) -> None:
    node = await harness.connect(sim)
    [track] = (await wavelink.Playable.search("never gonna give"))[:1]
    await patch_player(node, {"voice": VOICE})
    answer = await patch_player(
        node,
        {"track": {"encoded": track.encoded, "userData": {"requester": 7}}, "volume": 80},
    )

    assert answer["guildId"] == str(GUILD_ID)
    assert answer["track"]["info"]["title"] == "Never Gonna Give You Up"
    assert answer["volume"] == 80
    player = await sim.wait_for_track(GUILD_ID, "never gonna")
    assert player.connected
    assert player.volume == 80
    assert player.voice == VOICE
    assert player.track is not None
    assert player.track["userData"] == {"requester": 7}

    start = await harness.client.wait_for_event("wavelink_track_start")
    assert start.track == track
    assert start.track.extras.requester == 7
    info = await node.fetch_player_info(GUILD_ID)
    assert info is not None
    assert info.track == track
    assert info.voice_state.channel_id == VOICE["channelId"]


async def test_positions_advance_with_playback_speed(fast_sim: LavalinkSimulator, harness: Harness) -> None:
    node = await harness.connect(fast_sim)
    mark = len(harness.client.events)
    await play(node, "bohemian rhapsody")

    first = await harness.client.wait_for_event(
        "wavelink_player_update", lambda u: u.position > 0, after=mark
    )
    await asyncio.sleep(0.3)
    later = harness.client.payloads("wavelink_player_update")[-1]
    assert first.connected
    assert first.ping >= 0
    # 20x real time: track milliseconds per wall-clock millisecond
    ratio = (later.position - first.position) / (later.time - first.time)
    assert 12 < ratio < 28


async def test_pause_freezes_and_seek_moves_the_position(
    fast_sim: LavalinkSimulator, harness: Harness
) -> None:
    node = await harness.connect(fast_sim)
    await play(node, "bohemian rhapsody")
    player = await fast_sim.wait_for_track(GUILD_ID, "bohemian")

    await patch_player(node, {"paused": True})
    frozen = player.position
    await asyncio.sleep(0.1)
    assert player.paused
    assert player.position == frozen

    mark = len(harness.client.events)
    await patch_player(node, {"position": 60_000})
    assert 60_000 <= player.position < 60_100
    update = await harness.client.wait_for_event(
        "wavelink_player_update", lambda u: u.position >= 60_000, after=mark
    )
    assert update.position < 60_100  # still paused

    await patch_player(node, {"paused": False})
    await asyncio.sleep(0.05)
    assert player.position > 60_100


async def test_replacing_and_no_replace(sim: LavalinkSimulator, harness: Harness) -> None:
    node = await harness.connect(sim)
    first = await play(node, "never gonna give")
    [second] = (await wavelink.Playable.search("one more time"))[:1]

    await patch_player(node, {"track": {"encoded": second.encoded}}, replace=False)
    assert (await sim.wait_for_track(GUILD_ID, "never gonna")).track is not None  # kept

    await patch_player(node, {"track": {"encoded": second.encoded}}, replace=True)
    await sim.wait_for_track(GUILD_ID, "one more time")
    end = await harness.client.wait_for_event("wavelink_track_end")
    assert (end.track, end.reason) == (first, "replaced")
    starts = [p.track for p in harness.client.payloads("wavelink_track_start")]
    await harness.client.wait_for_event("wavelink_track_start", lambda p: p.track == second)
    assert starts[0] == first


async def test_stopping_ends_the_track_stopped(sim: LavalinkSimulator, harness: Harness) -> None:
    node = await harness.connect(sim)
    track = await play(node, "take on me")
    await patch_player(node, {"track": {"encoded": None}})

    end = await harness.client.wait_for_event("wavelink_track_end")
    assert (end.track, end.reason) == (track, "stopped")
    player = sim.player(GUILD_ID)
    assert player is not None
    assert player.track is None


async def test_finish_track_ends_it_finished(sim: LavalinkSimulator, harness: Harness) -> None:
    node = await harness.connect(sim)
    track = await play(node, "africa")
    await sim.wait_for_track(GUILD_ID, "africa")

    await sim.finish_track(GUILD_ID)

    end = await harness.client.wait_for_event("wavelink_track_end")
    assert (end.track, end.reason) == (track, "finished")
    with pytest.raises(LookupError):
        await sim.finish_track(GUILD_ID)  # nothing left to finish


async def test_a_track_plays_to_its_end(fast_sim: LavalinkSimulator, harness: Harness) -> None:
    node = await harness.connect(fast_sim)
    track = await play(node, "short jingle")  # 5 s at 20x: 0.25 s

    end = await harness.client.wait_for_event("wavelink_track_end", timeout=2.0)
    assert (end.track, end.reason) == (track, "finished")
    updates = len(harness.client.payloads("wavelink_player_update"))
    await asyncio.sleep(0.15)
    assert len(harness.client.payloads("wavelink_player_update")) == updates  # no track, no updates


async def test_end_time_finishes_the_track_early(fast_sim: LavalinkSimulator, harness: Harness) -> None:
    node = await harness.connect(fast_sim)
    [track] = (await wavelink.Playable.search("bohemian rhapsody"))[:1]
    await patch_player(node, {"voice": VOICE})
    await patch_player(node, {"track": {"encoded": track.encoded}, "position": 10_000, "endTime": 14_000})

    end = await harness.client.wait_for_event("wavelink_track_end", timeout=2.0)
    assert end.reason == "finished"  # Lavalink reports an endTime stop as finished


async def test_without_voice_a_track_stalls_and_is_cleaned_up(
    fast_sim: LavalinkSimulator, harness: Harness
) -> None:
    node = await harness.connect(fast_sim)
    track = await play(node, "bohemian rhapsody", voice=False)

    update = await harness.client.wait_for_event("wavelink_player_update")
    assert (update.connected, update.ping, update.position) == (False, -1, 0)
    end = await harness.client.wait_for_event("wavelink_track_end", timeout=2.0)
    assert (end.track, end.reason) == (track, "cleanup")


async def test_volume_out_of_range_is_refused(sim: LavalinkSimulator, harness: Harness) -> None:
    node = await harness.connect(sim)
    await play(node, "africa")

    with pytest.raises(wavelink.LavalinkException) as raised:
        await patch_player(node, {"volume": 2000})
    assert raised.value.status == 400
    assert raised.value.path == f"/v4/sessions/{node.session_id}/players/{GUILD_ID}"
    player = sim.player(GUILD_ID)
    assert player is not None
    assert player.volume == 100
    assert sim.requests.matching("PATCH", "/players/")[-1].status == 400


async def test_failed_player_patches(sim: LavalinkSimulator, harness: Harness) -> None:
    node = await harness.connect(sim)
    await play(node, "africa")
    sim.faults.fail_player_patch(count=1, status=500)

    with pytest.raises(wavelink.LavalinkException) as raised:
        await patch_player(node, {"paused": True})
    assert raised.value.status == 500
    assert raised.value.error == "Internal Server Error"
    player = sim.player(GUILD_ID)
    assert player is not None
    assert not player.paused  # a failed PATCH changes nothing

    await patch_player(node, {"paused": True})  # only one failure was asked for
    assert player.paused


async def test_an_invalid_encoded_track_is_refused(sim: LavalinkSimulator, harness: Harness) -> None:
    node = await harness.connect(sim)
    with pytest.raises(wavelink.LavalinkException) as raised:
        await patch_player(node, {"track": {"encoded": "QAAAjQIAJVJpY2sgQXN0bGV5"}})
    assert raised.value.status == 400


async def test_destroying_a_player(sim: LavalinkSimulator, harness: Harness) -> None:
    node = await harness.connect(sim)
    track = await play(node, "africa")

    await node._destroy_player(GUILD_ID)

    assert sim.player(GUILD_ID) is None
    end = await harness.client.wait_for_event("wavelink_track_end")
    assert (end.track, end.reason) == (track, "stopped")
    assert await node.fetch_player_info(GUILD_ID) is None  # 404 → None
    assert sim.requests.matching("DELETE", "/players/")[0].status == 204


async def test_emitted_events_reach_wavelink(sim: LavalinkSimulator, harness: Harness) -> None:
    node = await harness.connect(sim)
    track = await play(node, "africa")

    await sim.emit_track_stuck(GUILD_ID, threshold_ms=12_345)
    stuck = await harness.client.wait_for_event("wavelink_track_stuck")
    assert (stuck.track, stuck.threshold) == (track, 12_345)

    await sim.emit_track_exception(GUILD_ID, "Video unavailable", cause="Blocked in your country")
    failure = await harness.client.wait_for_event("wavelink_track_exception")
    assert failure.track == track
    assert failure.exception["message"] == "Video unavailable"
    assert failure.exception["severity"] == "common"
    end = await harness.client.wait_for_event("wavelink_track_end")
    assert end.reason == "loadFailed"

    await sim.emit_websocket_closed(GUILD_ID, code=4006, reason="Session is no longer valid.")
    closed = await harness.client.wait_for_event("wavelink_websocket_closed")
    assert closed.code is wavelink.DiscordVoiceCloseType.SESSION_INVALID
    assert (closed.reason, closed.by_remote) == ("Session is no longer valid.", True)
    player = sim.player(GUILD_ID)
    assert player is not None
    assert not player.connected  # the voice connection is gone

    await sim.emit_event(GUILD_ID, {"type": "SegmentsLoaded", "segments": []})
    extra = await harness.client.wait_for_event("wavelink_extra_event")
    assert extra.data["type"] == "SegmentsLoaded"


async def test_stats_report_players_and_degraded_frames(harness: Harness) -> None:
    async with LavalinkSimulator(stats_interval=0.1, name="stats") as sim:
        node = await harness.connect(sim)
        sim.faults.frames_nulled = 40
        sim.faults.frames_deficit = 300
        await play(node, "africa")

        stats = await harness.client.wait_for_event("wavelink_stats_update", lambda s: s.frames is not None)
        assert (stats.players, stats.playing) == (1, 1)
        assert (stats.frames.sent, stats.frames.nulled, stats.frames.deficit) == (2660, 40, 300)
        await node.close(eject=True)
