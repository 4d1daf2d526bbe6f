"""Lavalink node chaos, the whole way through the real discord.py and wavelink: the music keeps
playing on the other node, at the same place, with its queue and settings."""

from __future__ import annotations

from typing import Any

from encore.simulators.lavalink import LavalinkSimulator
from encore_cli.sandbox import Sandbox
from tests.audio_fleet.chaos.conftest import TwoNodeSandbox, eventually

RICK = "/play query:never gonna give you up"
DAFT = "/play query:daft punk one more time"
#: The issue's tolerance for where the music continues on the new node.
TOLERANCE_MS = 1000


async def say(box: TwoNodeSandbox, line: str) -> str:
    outcome = await box.run_command(line)
    assert outcome.final is not None, f"{line} got no final reply"
    return outcome.final


async def playing_on(box: TwoNodeSandbox, played_ms: int = 1500) -> LavalinkSimulator:
    """Start Rick (plus Daft Punk queued) and let it play ``played_ms``; return its node."""
    assert (await say(box, RICK)).startswith("Now playing")
    assert (await say(box, DAFT)).startswith("Queued")
    found = box.node_playing()
    assert found is not None
    sim, player = found
    await eventually(lambda: player.position >= played_ms)
    return sim


def other(box: TwoNodeSandbox, sim: LavalinkSimulator) -> LavalinkSimulator:
    return box.second if sim is box.lavalink else box.lavalink


def replays(sim: LavalinkSimulator, guild_id: int) -> list[dict[str, Any]]:
    """The track-carrying player PATCHes ``sim`` received for the guild."""
    return [
        r.json
        for r in sim.requests.matching("PATCH", f"/players/{guild_id}")
        if r.json and (r.json.get("track") or {}).get("encoded")
    ]


async def moved_to(box: TwoNodeSandbox, sim: LavalinkSimulator, title: str = "Never Gonna") -> int:
    """Wait for the guild's track to play on ``sim`` (with a voice connection); its start position."""
    player = await sim.wait_for_track(box.guild_id, title, timeout=10)
    await eventually(lambda: player.connected)
    return int(replays(sim, box.guild_id)[-1]["position"])


async def test_node_crash_mid_track_moves_the_player_to_the_other_node_at_its_position(
    two_nodes: TwoNodeSandbox,
) -> None:
    box = two_nodes
    first = await playing_on(box)
    assert "40" in await say(box, "/volume level:40")
    lost_player = first.player(box.guild_id)
    assert lost_player is not None
    position_at_crash = lost_player.position

    await first.crash()

    survivor = other(box, first)
    started_at = await moved_to(box, survivor)
    assert abs(started_at - position_at_crash) <= TOLERANCE_MS
    moved = survivor.player(box.guild_id)
    assert moved is not None
    assert moved.volume == 40
    assert not moved.paused
    # The queue came along: when Rick ends, Daft Punk plays, on the surviving node.
    await survivor.finish_track(box.guild_id)
    await survivor.wait_for_track(box.guild_id, "One More Time")
    await eventually(lambda: box.metrics.total("NodeFailovers", Node=first.name) == 1)
    assert box.metrics.total("NodeUp", Node=first.name) >= 1  # it was up before it crashed


async def test_close_frame_stall_is_caught_and_players_move(two_nodes: TwoNodeSandbox) -> None:
    """A proper close frame kills wavelink 3.5.2's keep-alive without a reconnect; the watchdog
    notices, moves the players and reconnects the node (which resumes its session)."""
    box = two_nodes
    first = await playing_on(box)
    lost_player = first.player(box.guild_id)
    assert lost_player is not None
    position_at_close = lost_player.position

    await first.close_websockets(1000, "Closing")

    survivor = other(box, first)
    started_at = await moved_to(box, survivor)
    assert abs(started_at - position_at_close) <= TOLERANCE_MS
    # The node came back (resumed) and no longer plays the moved player: one node sends audio.
    assert box.fleet is not None
    assert box.fleet.node_supervisor is not None
    supervisor = box.fleet.node_supervisor
    await eventually(lambda: supervisor.ready(supervisor.nodes[first.name]), timeout=10)
    await eventually(lambda: first.player(box.guild_id) is None)
    await survivor.finish_track(box.guild_id)
    await survivor.wait_for_track(box.guild_id, "One More Time")


async def test_graceful_node_shutdown_moves_the_players(two_nodes: TwoNodeSandbox) -> None:
    box = two_nodes
    first = await playing_on(box)
    assert (await say(box, "/pause")).lower().startswith("paused")
    lost_player = first.player(box.guild_id)
    assert lost_player is not None
    position_at_close = lost_player.position

    await first.close()  # Lavalink shutting down: close frames 1001, then nothing listens

    survivor = other(box, first)
    started_at = await moved_to(box, survivor)
    assert abs(started_at - position_at_close) <= TOLERANCE_MS
    moved = survivor.player(box.guild_id)
    assert moved is not None
    assert moved.paused  # still paused where the listener left it
    await first.start()  # so the fixture can close it


async def test_node_restarted_with_sessions_wiped_recovers_its_players(two_nodes: TwoNodeSandbox) -> None:
    box = two_nodes
    first = await playing_on(box)
    await box.second.crash()  # only the restarting node is left
    await eventually(lambda: first.player(box.guild_id) is not None)

    await first.restart(wipe_sessions=True)  # back at once, with no players: resumed false

    started_at = await moved_to(box, first)
    assert started_at > 0  # continued, not restarted from the top
    await box.second.start()


async def test_a_dropped_connection_to_the_only_node_resumes_without_a_replay() -> None:
    """A network blip: wavelink reconnects with its Session-Id, the node kept playing, and the fleet
    puts the player back as it was instead of restarting the song."""
    async with Sandbox() as box:
        assert (await box.run_command(RICK)).final is not None
        sim = box.lavalink
        player = await sim.wait_for_track(box.guild_id, "Never Gonna")
        await eventually(lambda: player.position >= 500)
        plays = len(replays(sim, box.guild_id))
        assert box.fleet is not None
        supervisor = box.fleet.node_supervisor
        assert supervisor is not None

        handshakes = len(sim.requests.matching("GET", "/v4/websocket"))

        await sim.abort_websockets()

        await eventually(lambda: len(sim.requests.matching("GET", "/v4/websocket")) > handshakes)
        node = supervisor.nodes["sandbox"]
        await eventually(lambda: supervisor.orphans == 0 and supervisor.ready(node))
        assert sim.requests.matching("GET", "/v4/websocket")[-1].headers.get("Session-Id")
        assert len(replays(sim, box.guild_id)) == plays  # not replayed
        assert sim.player(box.guild_id) is player  # the same player, still playing
        assert player.track is not None
        # And the fleet still drives it there.
        assert (await say_in(box, "/pause")).lower().startswith("paused")
        assert player.paused


async def say_in(box: Sandbox, line: str) -> str:
    outcome = await box.run_command(line)
    assert outcome.final is not None
    return outcome.final
