"""Gateway chaos, the whole way through the real discord.py and wavelink: the shard's websocket
drops, discord.py RESUMEs (the simulator replays what it missed) and the music never notices; when
the session is too old to resume, discord.py IDENTIFYs again, Discord has dropped the bot's voice
connection meanwhile, and the fleet rejoins the channel and hands Lavalink the new voice state."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from encore.simulators.discord import DiscordSimulator
from encore.simulators.discord.sessions import GatewayFrame
from encore.simulators.lavalink import SimPlayer
from encore_cli.sandbox import Sandbox
from tests.audio_fleet.chaos.conftest import eventually

RICK = "/play query:never gonna give you up"
RESUME, INVALID_SESSION, IDENTIFY, VOICE_STATE_UPDATE = 6, 9, 2, 4


@pytest.fixture
async def box() -> AsyncIterator[Sandbox]:
    async with Sandbox() as sandbox:
        yield sandbox


@pytest.fixture
async def forgetful_box() -> AsyncIterator[Sandbox]:
    """A Discord whose sessions cannot be resumed once their connection is gone (too old)."""
    sandbox = Sandbox()
    sandbox.discord = DiscordSimulator(resume_window=0.0)
    async with sandbox:
        yield sandbox


async def say(box: Sandbox, line: str) -> str:
    outcome = await box.run_command(line)
    assert outcome.final is not None, f"{line} got no final reply"
    return outcome.final


async def playing(box: Sandbox) -> SimPlayer:
    assert (await say(box, RICK)).startswith("Now playing")
    player = await box.lavalink.wait_for_track(box.guild_id, "Never Gonna")
    await eventually(lambda: player.connected and player.position >= 300)
    return player


async def still_advancing(player: SimPlayer, by_ms: int = 300) -> None:
    start = player.position
    await eventually(lambda: player.connected and player.position >= start + by_ms)


def frames(box: Sandbox, direction: str, op: int) -> list[GatewayFrame]:
    return [f for f in box.discord.gateway_log if f.direction == direction and f.op == op]


def dispatched(box: Sandbox, event: str) -> list[GatewayFrame]:
    return [f for f in box.discord.gateway_log if f.direction == "out" and f.t == event]


@pytest.mark.parametrize("how", ["close 4000", "tcp drop"])
async def test_a_dropped_shard_resumes_and_the_music_plays_on(box: Sandbox, how: str) -> None:
    player = await playing(box)
    identifies = box.discord.identify_count
    fleet = box.fleet
    assert fleet is not None

    if how == "close 4000":
        assert await box.discord.close_gateway(0, 4000) == 1
    else:
        assert await box.discord.drop_gateway(0) == 1
    # A listener joins while the shard is away: the event waits in the session for the RESUME.
    friend = box.discord.add_member(box.guild_id, username="friend").id
    await box.discord.set_voice_state(box.guild_id, friend, box.voice_channel_id)

    await box.discord.wait_for_gateway_frame(lambda f: f.direction == "out" and f.t == "RESUMED")
    resume = frames(box, "in", RESUME)[-1]
    assert resume.d["session_id"] == frames(box, "out", 0)[0].d["session_id"]  # READY's session
    assert box.discord.identify_count == identifies  # resumed, not a new session
    guild = fleet.client.get_guild(box.guild_id)
    assert guild is not None
    await eventually(lambda: friend in guild.get_channel(box.voice_channel_id).voice_states)  # type: ignore[union-attr]

    # The music never stopped, and the same player is still driven by the fleet.
    assert box.lavalink.player(box.guild_id) is player
    await still_advancing(player)
    assert (await say(box, "/volume level:40")).startswith("Volume")
    assert player.volume == 40


async def test_resume_of_an_expired_session_is_refused_and_the_client_identifies_again(
    forgetful_box: Sandbox,
) -> None:
    box = forgetful_box
    await playing(box)
    identifies = box.discord.identify_count

    await box.discord.drop_gateway(0)

    await box.discord.wait_for_gateway_frame(lambda f: f.direction == "out" and f.op == INVALID_SESSION)
    assert frames(box, "out", INVALID_SESSION)[-1].d is False
    await eventually(lambda: box.discord.identify_count == identifies + 1, timeout=10)
    await box.discord.wait_for_gateway_frame(lambda f: f.direction == "out" and f.t == "READY" and f.s == 1)


@pytest.mark.parametrize("how", ["resume refused", "op 9"])
async def test_after_a_new_session_the_fleet_rejoins_voice_and_lavalink_plays_on(
    forgetful_box: Sandbox, how: str
) -> None:
    """Discord ends the voice connections of a session that is gone: the bot is out of the channel
    in the new session's GUILD_CREATE, and Lavalink's voice socket was closed (4006). The fleet
    joins the channel again and sends the new voice state to Lavalink; the track goes on from
    where it was, with the same queue."""
    box = forgetful_box
    player = await playing(box)
    assert (await say(box, "/play query:daft punk one more time")).startswith("Queued")
    identifies = box.discord.identify_count
    voice_patches = _voice_patches(box)

    if how == "resume refused":
        await box.discord.drop_gateway(0)
    else:
        await box.discord.invalidate_session(0, resumable=False)
    await eventually(lambda: box.discord.voice_state(box.guild_id, box.discord.bot_user_id) is None)
    await box.lavalink.emit_websocket_closed(box.guild_id, 4006, "Session is no longer valid.")
    assert not player.connected
    stalled_at = player.position

    await eventually(lambda: box.discord.identify_count == identifies + 1, timeout=10)
    await box.discord.wait_for_gateway_frame(
        lambda f: (
            f.direction == "in"
            and f.op == VOICE_STATE_UPDATE
            and f.d.get("channel_id") is not None
            and f.session_id is not None
            and f.session_id != frames(box, "out", 0)[0].d["session_id"]
        ),
        timeout=10,
    )
    await eventually(lambda: box.discord.voice_state(box.guild_id, box.discord.bot_user_id) is not None)
    state = box.discord.voice_state(box.guild_id, box.discord.bot_user_id)
    assert state is not None
    assert state["channel_id"] == str(box.voice_channel_id)
    await eventually(lambda: _voice_patches(box) > voice_patches and player.connected, timeout=10)
    assert box.lavalink.player(box.guild_id) is player
    assert player.voice is not None
    assert player.voice["sessionId"] == state["session_id"]
    await still_advancing(player)
    assert player.position >= stalled_at  # carried on, not restarted
    # The queue is intact and the next command works.
    assert "One More Time" in await say(box, "/queue")
    await box.lavalink.finish_track(box.guild_id)
    await box.lavalink.wait_for_track(box.guild_id, "One More Time")


def _voice_patches(box: Sandbox) -> int:
    return sum(
        1
        for r in box.lavalink.requests.matching("PATCH", f"/players/{box.guild_id}")
        if r.json and r.json.get("voice")
    )
