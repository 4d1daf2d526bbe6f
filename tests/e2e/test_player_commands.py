"""The player commands, the whole way: typed in the sandbox, through the front and the in-process
queue to the fleet, which drives the Lavalink simulator and edits the reply."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import cast

import pytest
import wavelink

from encore.custom_ids import NowPlayingAction, NowPlayingButton, encode
from encore.simulators.lavalink.session import SimPlayer
from encore_cli.sandbox import Sandbox

RICK = "/play query:never gonna give you up"
DAFT = "/play query:daft punk one more time"
QUEEN = "/play query:bohemian rhapsody"


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    box = Sandbox()
    async with box:
        yield box


async def say(sandbox: Sandbox, line: str) -> str:
    outcome = await sandbox.run_command(line)
    assert outcome.final is not None, f"{line} got no final reply"
    return outcome.final


async def play(sandbox: Sandbox, *lines: str) -> None:
    for line in lines:
        reply = await say(sandbox, line)
        assert reply.startswith(("Now playing", "Queued")), reply


def sim_player(sandbox: Sandbox) -> SimPlayer:
    player = sandbox.lavalink.player(sandbox.guild_id)
    assert player is not None
    return player


def playing_title(sandbox: Sandbox) -> str:
    track = sim_player(sandbox).track
    assert track is not None
    return str(track["info"]["title"])


async def press(sandbox: Sandbox, action: str) -> str:
    """Click a now-playing button; return the text the fleet edited the message to."""
    button = NowPlayingButton(sandbox.guild_id, NowPlayingAction(action))
    exchange = await sandbox.discord.send_component(
        sandbox.guild_id, sandbox.text_channel_id, sandbox.user_id, encode(button)
    )
    assert (exchange.body or {}).get("type") == 6, exchange.body
    message = await sandbox.discord.wait_for_original_edit(exchange.token)
    return str(message.get("content", ""))


async def eventually(check: Callable[[], bool], timeout: float = 3.0) -> None:
    """Wait for ``check()`` to hold (events from Lavalink arrive after the reply)."""
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.02)


async def test_commands_without_a_player_say_nothing_is_playing(sandbox: Sandbox) -> None:
    for line in ("/pause", "/skip", "/volume level:50", "/clear", "/leave"):
        assert await say(sandbox, line) == "Nothing is playing — use /play first."


async def test_listener_outside_the_bots_channel_is_refused(sandbox: Sandbox) -> None:
    await play(sandbox, RICK)
    await sandbox.set_listening(False)
    reply = await say(sandbox, "/pause")
    assert reply.startswith("Join me in <#")
    assert not sim_player(sandbox).paused


async def test_skip_plays_the_next_song(sandbox: Sandbox) -> None:
    await play(sandbox, RICK, DAFT)
    reply = await say(sandbox, "/skip")
    assert reply.startswith("Skipped **Never Gonna Give You Up**")
    assert "Now playing **One More Time** by Daft Punk" in reply
    assert playing_title(sandbox) == "One More Time"
    queue = await say(sandbox, "/queue")  # the front answers from the snapshot the skip saved
    assert queue.startswith("Now playing **One More Time** by Daft Punk")
    assert queue.endswith("The queue is empty.")


async def test_skip_to_a_position_and_out_of_range(sandbox: Sandbox) -> None:
    await play(sandbox, RICK, DAFT, QUEEN)
    assert await say(sandbox, "/skip to:5") == "There's no song at position 5: the queue has 2 songs."
    reply = await say(sandbox, "/skip to:2")
    assert "Now playing **Bohemian Rhapsody** by Queen" in reply
    assert playing_title(sandbox) == "Bohemian Rhapsody"


async def test_skip_the_last_song_stops(sandbox: Sandbox) -> None:
    await play(sandbox, RICK)
    reply = await say(sandbox, "/skip")
    assert reply == "Skipped **Never Gonna Give You Up** by Rick Astley (`3:33`). The queue is empty now."
    await eventually(lambda: sim_player(sandbox).track is None)


async def test_previous_replays_the_last_song(sandbox: Sandbox) -> None:
    await play(sandbox, RICK, DAFT)
    await say(sandbox, "/skip")
    reply = await say(sandbox, "/previous")
    assert reply.startswith("Playing the previous song again: **Never Gonna Give You Up**")
    assert playing_title(sandbox) == "Never Gonna Give You Up"
    assert "One More Time" in sandbox.player_state()  # back in the queue, up next
    assert await say(sandbox, "/previous") == "There's no previous song to go back to."


async def test_pause_and_resume(sandbox: Sandbox) -> None:
    await play(sandbox, RICK)
    assert (await say(sandbox, "/pause")).startswith("Paused **Never Gonna Give You Up**")
    assert sim_player(sandbox).paused
    assert await say(sandbox, "/pause") == "The music is already paused. Use `/resume` to continue."
    assert (await say(sandbox, "/resume")).startswith("Resumed **Never Gonna Give You Up**")
    assert not sim_player(sandbox).paused
    assert await say(sandbox, "/resume") == "The music isn't paused."


async def test_volume_is_capped_by_the_guilds_tier(sandbox: Sandbox) -> None:
    await play(sandbox, RICK)
    refused = await say(sandbox, "/volume level:150")
    assert refused.startswith("This server's plan allows a volume up to 100%.")
    assert "/premium upgrade" in refused
    assert sim_player(sandbox).volume == 100
    assert await say(sandbox, "/volume level:80") == "Volume set to 80%."
    assert sim_player(sandbox).volume == 80


async def test_seek_and_replay(sandbox: Sandbox) -> None:
    await play(sandbox, RICK)
    assert await say(sandbox, "/seek position:1:00") == (
        "Jumped to `1:00` in **Never Gonna Give You Up** by Rick Astley (`3:33`)"
    )
    assert sim_player(sandbox).position >= 60_000
    assert (await say(sandbox, "/replay")).startswith("Playing **Never Gonna Give You Up**")
    assert sim_player(sandbox).position < 60_000


async def test_seek_in_a_stream_is_refused(sandbox: Sandbox) -> None:
    await play(sandbox, "/play query:lofi hip hop radio")
    assert await say(sandbox, "/seek position:1:00") == "You can't seek in a live stream."


def fleet_player(sandbox: Sandbox) -> wavelink.Player:
    assert sandbox.fleet is not None
    guild = sandbox.fleet.client.get_guild(sandbox.guild_id)
    assert guild is not None
    player = cast(wavelink.Player | None, guild.voice_client)
    assert player is not None
    return player


async def test_loop_modes(sandbox: Sandbox) -> None:
    await play(sandbox, RICK)
    assert await say(sandbox, "/loop mode:track") == "Looping the current song."
    assert fleet_player(sandbox).queue.mode is wavelink.QueueMode.loop
    assert await say(sandbox, "/loop mode:queue") == "Looping the whole queue."
    assert fleet_player(sandbox).queue.mode is wavelink.QueueMode.loop_all
    assert await say(sandbox, "/loop mode:off") == "Looping is off."
    assert fleet_player(sandbox).queue.mode is wavelink.QueueMode.normal


async def test_remove_move_shuffle_and_clear(sandbox: Sandbox) -> None:
    await play(sandbox, RICK, DAFT, QUEEN, "/play query:take on me")
    assert await say(sandbox, "/remove position position:1") == (
        "Removed **One More Time** by Daft Punk (`5:20`) from the queue."
    )
    assert await say(sandbox, "/remove position position:9") == (
        "There's no song at position 9: the queue has 2 songs."
    )
    assert await say(sandbox, "/move from:2 to:1") == "Moved **Take On Me** by a-ha (`3:45`) to position 1."
    queue = await say(sandbox, "/queue")
    assert queue.index("Take On Me") < queue.index("Bohemian Rhapsody")
    assert await say(sandbox, "/shuffle") == "Shuffled 2 songs."
    assert await say(sandbox, "/remove range from:1 to:2") == (
        "Removed 2 songs (positions 1 to 2) from the queue."
    )
    assert await say(sandbox, "/clear") == "The queue is empty."
    await play(sandbox, DAFT)
    assert await say(sandbox, "/clear") == "Cleared 1 song from the queue."
    assert playing_title(sandbox) == "Never Gonna Give You Up"  # the current song keeps playing


async def test_stop_clears_and_stays_connected(sandbox: Sandbox) -> None:
    await play(sandbox, RICK, DAFT)
    assert await say(sandbox, "/stop") == "Stopped the music and cleared the queue."
    await eventually(lambda: sim_player(sandbox).track is None)
    assert sim_player(sandbox).connected
    assert await say(sandbox, "/queue") == "Nothing is playing right now.\nThe queue is empty."
    assert (await say(sandbox, "/pause")) == "Nothing is playing — use /play first."
    await play(sandbox, QUEEN)  # still in the channel: plays at once
    assert playing_title(sandbox) == "Bohemian Rhapsody"


async def test_leave_disconnects_and_forgets_the_player(sandbox: Sandbox) -> None:
    await play(sandbox, RICK, DAFT)
    assert (await say(sandbox, "/leave")).startswith("Left <#")
    await eventually(lambda: sandbox.lavalink.player(sandbox.guild_id) is None)
    assert await say(sandbox, "/nowplaying") == "Nothing is playing right now."
    assert await say(sandbox, "/pause") == "Nothing is playing — use /play first."


async def test_now_playing_buttons_use_the_same_actions(sandbox: Sandbox) -> None:
    await play(sandbox, RICK, DAFT)
    # The front queues a button press as command "np" with the button's action.
    assert (await press(sandbox, "pause")).startswith("Paused **Never Gonna Give You Up**")
    assert sim_player(sandbox).paused
    assert (await press(sandbox, "resume")).startswith("Resumed")
    assert await press(sandbox, "loop") == "Looping the current song."
    assert await press(sandbox, "loop") == "Looping the whole queue."
    assert await press(sandbox, "loop") == "Looping is off."
    assert (
        await press(sandbox, "shuffle") == "There's nothing to shuffle: the queue has fewer than two songs."
    )
    assert "Now playing **One More Time**" in await press(sandbox, "skip")
    assert playing_title(sandbox) == "One More Time"
    assert (await press(sandbox, "previous")).startswith("Playing the previous song again")
    assert await press(sandbox, "stop") == "Stopped the music and cleared the queue."
    await eventually(lambda: sim_player(sandbox).track is None)


async def test_skip_and_pause_through_sqs(stack: Sandbox) -> None:
    """The same handlers behind the production queue (SQS FIFO on moto)."""
    await play(stack, RICK, DAFT)
    assert "Now playing **One More Time**" in await say(stack, "/skip")
    assert playing_title(stack) == "One More Time"
    assert (await say(stack, "/pause")).startswith("Paused **One More Time**")
    assert sim_player(stack).paused
