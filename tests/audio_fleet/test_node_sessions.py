"""A fleet process that stops while music plays leaves its Lavalink session resumable; the next
process resumes it (real wavelink, the Lavalink simulator, real Redis)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from pydantic import SecretStr
from redis.asyncio import Redis

from audio_fleet.nodes import FleetNode, NodeSupervisor, RedisNodeSessions, close_nodes, connect_nodes
from encore.settings import LavalinkNode
from encore.simulators.lavalink import LavalinkSimulator
from tests.simulators.conftest import GUILD_ID, RecordingClient, play, reset_pool


@pytest.fixture
async def sim() -> AsyncIterator[LavalinkSimulator]:
    reset_pool()
    async with LavalinkSimulator(player_update_interval=0.1) as simulator:
        yield simulator
    reset_pool()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


class Process:
    """One fleet process's Lavalink side: its client, nodes and supervisor."""

    def __init__(self, sessions: RedisNodeSessions) -> None:
        self.client = RecordingClient()
        self.sessions = sessions
        self.nodes: list[FleetNode] = []
        self.supervisor: NodeSupervisor | None = None

    async def start(self, sim: LavalinkSimulator, http: aiohttp.ClientSession, *, resume: bool) -> bool:
        """Connect (resuming the saved session if ``resume``); whether Lavalink resumed it."""
        config = LavalinkNode(name=sim.name, uri=sim.uri, password=SecretStr(sim.password))
        saved = await self.sessions.load() if resume else None
        self.nodes = await connect_nodes(self.client, [config], http, session_ids=saved)
        self.supervisor = NodeSupervisor(self.nodes, sessions=self.sessions)
        ready = await self.client.wait_for_event("wavelink_node_ready")
        await self.supervisor.node_ready(ready.node, ready.resumed)  # as the fleet's hub forwards it
        return bool(ready.resumed)

    async def stop(self, *, keep_sessions: bool) -> None:
        assert self.supervisor is not None
        await self.supervisor.close()
        await close_nodes(self.nodes, keep_sessions=keep_sessions)


async def test_a_restarted_process_resumes_the_session_and_the_music_never_stopped(
    sim: LavalinkSimulator, http: aiohttp.ClientSession, redis: Redis, prefix: str
) -> None:
    sessions = RedisNodeSessions(redis, prefix + "lavalink-sessions:group:0", ttl_s=120)
    first = Process(sessions)
    assert not await first.start(sim, http, resume=True)  # nothing saved yet: a new session
    session_id = first.nodes[0].session_id
    assert await sessions.load() == {sim.name: session_id}
    await play(first.nodes[0], "africa")
    assert first.supervisor is not None
    assert await first.supervisor.live_players() == {}  # a new session: nothing left by an earlier process

    await first.stop(keep_sessions=True)  # SIGTERM: drop the socket, keep the session

    player = await sim.wait_for_track(GUILD_ID, "africa")
    assert player.connected  # still playing while no fleet is connected
    position = player.position
    second = Process(sessions)
    assert await second.start(sim, http, resume=True)
    assert second.nodes[0].session_id == session_id
    resumed = await sim.wait_for_track(GUILD_ID, "africa")
    assert resumed.position >= position
    # What the restore attaches to instead of replaying (GET /v4/sessions/{id}/players).
    assert second.supervisor is not None
    assert await second.supervisor.live_players() == {GUILD_ID: second.nodes[0]}
    await second.stop(keep_sessions=False)


async def test_without_redis_there_is_nothing_to_resume(
    sim: LavalinkSimulator, http: aiohttp.ClientSession, dead_redis: Redis
) -> None:
    sessions = RedisNodeSessions(dead_redis, "encore:test:lavalink-sessions", ttl_s=120)
    process = Process(sessions)
    assert not await process.start(sim, http, resume=True)  # the outage costs the resume, nothing else
    assert process.supervisor is not None
    assert process.supervisor.ready(process.nodes[0])
    await process.stop(keep_sessions=False)
