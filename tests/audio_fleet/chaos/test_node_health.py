"""Which node a new player goes to, and the watchdog for a node that stops talking."""

from __future__ import annotations

import aiohttp
import wavelink

from audio_fleet.nodes import NodeLoad, node_load
from encore.metrics import RecordingSink
from tests.audio_fleet.chaos.conftest import TwoNodeSandbox, eventually

RICK = "/play query:never gonna give you up"


def stats_op(playing: int, system_load: float, deficit: int, nulled: int) -> wavelink.StatsEventPayload:
    """A Lavalink v4 ``stats`` op, as the node sends it."""
    mib = 1024 * 1024
    return wavelink.StatsEventPayload(
        {
            "op": "stats",
            "players": playing + 1,
            "playingPlayers": playing,
            "uptime": 123_456,
            "memory": {
                "free": 100 * mib,
                "used": 200 * mib,
                "allocated": 300 * mib,
                "reservable": 4096 * mib,
            },
            "cpu": {"cores": 4, "systemLoad": system_load, "lavalinkLoad": 0.1},
            "frameStats": {"sent": 3000 - deficit - nulled, "nulled": nulled, "deficit": deficit},
        }
    )


async def test_the_penalty_reads_the_nodes_stats() -> None:
    async with aiohttp.ClientSession() as session:
        node = wavelink.Node(uri="http://127.0.0.1:2333", password="x", session=session)
        assert node_load(node, stats_op(12, 0.25, 40, 7)) == NodeLoad(12, 0.25, 40, 7)
        assert node_load(node, None) == NodeLoad(0)


async def test_a_new_player_goes_to_the_least_loaded_node_not_the_emptiest() -> None:
    box = TwoNodeSandbox(RecordingSink())
    async with box:
        busy, calm = box.lavalink, box.second
        busy.faults.system_load = 0.9  # no players, but its host is saturated
        await busy.push_stats()
        await calm.push_stats()
        assert box.fleet is not None
        supervisor = box.fleet.node_supervisor
        assert supervisor is not None
        await eventually(
            lambda: (supervisor.nodes[busy.name].last_stats or stats_op(0, 0, 0, 0)).cpu.system_load == 0.9
        )

        outcome = await box.run_command(RICK)

        assert (outcome.final or "").startswith("Now playing")
        await calm.wait_for_track(box.guild_id, "Never Gonna")
        assert busy.player(box.guild_id) is None
        # Loads went to the chosen node too.
        assert calm.requests.matching("GET", "/v4/loadtracks")
        assert not busy.requests.matching("GET", "/v4/loadtracks")
        reported = [value for name, value, dims in box.metrics.values if dims == {"Node": busy.name}]
        assert reported  # NodeUp, and NodePlayers/NodeFrameDeficit from its stats


async def test_a_node_that_goes_silent_is_given_up_and_its_players_move() -> None:
    box = TwoNodeSandbox(RecordingSink(), stats_interval=0.5, encore_node_silence_seconds=1.5)
    async with box:
        await box.run_command(RICK)
        found = box.node_playing()
        assert found is not None
        hung, _player = found
        survivor = box.second if hung is box.lavalink else box.lavalink

        hung.faults.silent = True  # the socket stays open; nothing comes out of it

        await survivor.wait_for_track(box.guild_id, "Never Gonna", timeout=10)
        await eventually(lambda: box.metrics.total("NodeFailovers", Node=hung.name) == 1)
        assert any(name == "NodeUp" and value == 0 and dims == {"Node": hung.name}
                   for name, value, dims in box.metrics.values)  # fmt: skip

        hung.faults.silent = False  # it recovers: the watchdog's retry gets a ready
        assert box.fleet is not None
        supervisor = box.fleet.node_supervisor
        assert supervisor is not None
        await eventually(lambda: supervisor.ready(supervisor.nodes[hung.name]), timeout=10)


async def test_with_every_node_down_play_says_so_and_music_resumes_when_one_returns() -> None:
    box = TwoNodeSandbox(RecordingSink())
    async with box:
        for sim in box.sims:
            await sim.crash()
        assert box.fleet is not None
        supervisor = box.fleet.node_supervisor
        assert supervisor is not None
        await eventually(lambda: supervisor.best() is None)

        outcome = await box.run_command(RICK)

        assert outcome.final == "The music service is unavailable right now. Please try again in a minute."
        for sim in box.sims:
            await sim.start()
        await box.both_nodes_ready(timeout=40)  # wavelink's reconnect backoff
        assert ((await box.run_command(RICK)).final or "").startswith("Now playing")


async def test_a_node_that_stays_down_is_reported_down_every_period_with_the_players_held() -> None:
    box = TwoNodeSandbox(RecordingSink())
    async with box:
        await box.run_command(RICK)
        found = box.node_playing()
        assert found is not None
        playing, _player = found
        other = box.second if playing is box.lavalink else box.lavalink
        assert box.fleet is not None
        supervisor = box.fleet.node_supervisor
        assert supervisor is not None
        await other.crash()
        await eventually(lambda: not supervisor.ready(supervisor.nodes[other.name]), timeout=10)

        box.metrics.values.clear()
        supervisor.report()  # what the watchdog emits each report interval, change or not
        supervisor.report()

        down = [v for n, v, d in box.metrics.values if n == "NodeUp" and d == {"Node": other.name}]
        up = [v for n, v, d in box.metrics.values if n == "NodeUp" and d == {"Node": playing.name}]
        assert down == [0, 0]
        assert up == [1, 1]
        assert [v for n, v, _d in box.metrics.values if n == "ActivePlayers"] == [1, 1]
