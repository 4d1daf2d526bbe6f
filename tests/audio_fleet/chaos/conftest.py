"""The whole system with two Lavalink nodes: the real front, discord.py and wavelink against the
Discord simulator and two Lavalink simulators, for node chaos (crash, close frame, wiped restart)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from pydantic import SecretStr

from encore.metrics import RecordingSink
from encore.settings import LavalinkNode, Settings
from encore.simulators.lavalink import LavalinkSimulator, SimPlayer
from encore_cli.sandbox import Sandbox


class TwoNodeSandbox(Sandbox):
    """The sandbox with a second Lavalink node: ``lavalink`` is ``node-a``, ``second`` is ``node-b``."""

    def __init__(
        self, metrics: RecordingSink, stats_interval: float = 60.0, **settings_overrides: Any
    ) -> None:
        super().__init__(fleet_options={"metrics": metrics}, settings_overrides=settings_overrides)
        self.metrics = metrics
        self.lavalink.name = "node-a"
        self.lavalink.stats_interval = stats_interval
        self.second = LavalinkSimulator(
            player_update_interval=0.5, stats_interval=stats_interval, name="node-b"
        )

    def settings(self) -> Settings:
        nodes = [
            LavalinkNode(name=sim.name, uri=sim.uri, password=SecretStr(sim.password))
            for sim in (self.lavalink, self.second)
        ]
        return super().settings().model_copy(update={"lavalink_nodes": nodes})

    async def start(self) -> None:
        await self.second.start()
        await super().start()
        await self.both_nodes_ready()

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            await self.second.close()

    @property
    def sims(self) -> tuple[LavalinkSimulator, LavalinkSimulator]:
        return self.lavalink, self.second

    async def both_nodes_ready(self, timeout: float = 5.0) -> None:
        assert self.fleet is not None
        assert self.fleet.node_supervisor is not None
        supervisor = self.fleet.node_supervisor
        await eventually(lambda: all(supervisor.ready(n) for n in supervisor.nodes.values()), timeout)

    def node_playing(self) -> tuple[LavalinkSimulator, SimPlayer] | None:
        """The simulator (and its player) where the guild's track is playing, if any."""
        for sim in self.sims:
            player = sim.player(self.guild_id)
            if player is not None and player.track is not None and player.connected:
                return sim, player
        return None


async def eventually(check: Callable[[], bool], timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.02)


@pytest.fixture
async def two_nodes() -> AsyncIterator[TwoNodeSandbox]:
    box = TwoNodeSandbox(RecordingSink())
    async with box:
        yield box
