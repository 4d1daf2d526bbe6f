"""Chaos: two `encore fleet` processes share the shard groups through Redis leases; one is SIGKILLed.

The deployed shape on one machine: `encore serve` and two `encore fleet` tasks with
ENCORE_SHARD_GROUPS=auto, two shard groups (one SQS FIFO queue each, on moto_server), the real Redis,
and the Discord and Lavalink simulators. The first task plays in both groups' guilds; the second
task to start gets its fair share (one group) handed over gracefully and restores that guild's
player where it was, with its queue; when the second is SIGKILLed, the first takes the group back
within the lease TTL, restores the player at the last saved position with its queue, and answers
every pending interaction; SIGTERM then drains it (players saved, leases released).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer
from redis.asyncio import Redis

from audio_fleet.leases import LeaseStore
from encore.player_snapshot import PlayerSnapshot
from encore.routing import ShardLayout
from encore.simulators.discord import DiscordSimulator
from encore.simulators.lavalink import LavalinkSimulator
from tests.ports import free_port
from tests.redis_support import LOCAL_REDIS

LEASE_TTL_S = 3.0
LAYOUT = ShardLayout(shard_count=2, shards_per_group=1)


@pytest.fixture
def moto_endpoint() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
async def simulators() -> AsyncIterator[tuple[DiscordSimulator, LavalinkSimulator]]:
    async with (
        DiscordSimulator() as discord_sim,
        LavalinkSimulator(player_update_interval=0.5) as lavalink_sim,
    ):
        yield discord_sim, lavalink_sim


class Processes:
    """The processes a test started; whatever is still running at the end is stopped."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env = env
        self.cwd = cwd
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        process = subprocess.Popen([sys.executable, "-m", "encore_cli", *args], env=self.env, cwd=self.cwd)
        self.started.append(process)
        return process

    async def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.terminate()
        # Off the event loop: the simulators live on it and must answer the processes' goodbyes.
        await asyncio.gather(*(asyncio.to_thread(p.wait, 60) for p in self.started))


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float, what: str) -> None:
    """Poll the async ``check`` until it returns True."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


async def holders(leases: LeaseStore) -> list[int | None]:
    """The pid of the fleet task holding each shard group (task ids are host:pid:random)."""
    pids: list[int | None] = []
    for group in range(LAYOUT.group_count):
        holder = await leases.holder(group)
        pids.append(int(holder.split(":")[1]) if holder else None)
    return pids


def guild_id_on_shard(shard: int) -> int:
    """A fresh snowflake whose guild lands on ``shard`` ((id >> 22) % shard_count)."""
    timestamp = (secrets.randbelow(2**30) + 2**32) * LAYOUT.shard_count + shard
    return timestamp << 22 | secrets.randbelow(2**22)


async def test_a_killed_fleet_task_s_group_is_taken_over_and_restored(
    moto_endpoint: str,
    simulators: tuple[DiscordSimulator, LavalinkSimulator],
    redis: Redis,
    prefix: str,
    tmp_path: Path,
) -> None:
    discord_sim, lavalink_sim = simulators
    guilds, texts, users = [], [], []
    for shard in range(LAYOUT.shard_count):
        guild = discord_sim.add_guild(name=f"Shard {shard}", guild_id=guild_id_on_shard(shard))
        voice = discord_sim.add_voice_channel(guild.id, name="Stage")
        texts.append(discord_sim.add_text_channel(guild.id))
        user = discord_sim.add_member(guild.id, username=f"listener{shard}")
        await discord_sim.set_voice_state(guild.id, user.id, voice)
        guilds.append(guild.id)
        users.append(user.id)

    sqs = boto3.client(
        "sqs",
        endpoint_url=moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    urls = [
        sqs.create_queue(QueueName=f"encore-commands-g{g}.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
        for g in range(LAYOUT.group_count)
    ]
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "ENCORE_", "AWS_", "REDIS_"))}
    env.update(
        DISCORD_APPLICATION_ID=str(discord_sim.application_id),
        DISCORD_PUBLIC_KEY=discord_sim.public_key_hex,
        DISCORD_BOT_TOKEN=discord_sim.bot_token,
        DISCORD_API_BASE=discord_sim.api_base,
        DISCORD_GATEWAY_URL=discord_sim.gateway_url,
        LAVALINK_NODES=f"main|{lavalink_sim.uri}|{lavalink_sim.password}",
        SHARD_COUNT=str(LAYOUT.shard_count),
        SHARDS_PER_GROUP=str(LAYOUT.shards_per_group),
        ENCORE_QUEUE="sqs",
        ENCORE_SQS_QUEUE_URLS=",".join(urls),
        ENCORE_QUEUE_WAIT_SECONDS="1",
        ENCORE_QUEUE_VISIBILITY_SECONDS="4",  # a command the killed task held comes back soon
        ENCORE_SHARD_GROUPS="auto",
        ENCORE_LEASE_TTL_SECONDS=str(LEASE_TTL_S),
        ENCORE_LEASE_PREFIX=prefix + "fleet:",
        ENCORE_SNAPSHOT_INTERVAL_SECONDS="0.5",
        ENCORE_IDENTIFY_WINDOW_SECONDS="0.2",
        ENCORE_HEALTH_PORT="0",
        ENCORE_LOG_LEVEL="INFO",
        REDIS_URL=LOCAL_REDIS,
        AWS_ENDPOINT_URL=moto_endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_REGION="us-east-1",
    )
    leases = LeaseStore(redis, prefix + "fleet:")
    processes = Processes(env, tmp_path)
    try:
        front = processes.start("serve", "--port", str(port))
        first = processes.start("fleet")
        await _wait_healthy(f"http://127.0.0.1:{port}/health", front)
        discord_sim.interactions_url = f"http://127.0.0.1:{port}/interactions"
        await eventually(lambda: _all_held_by(leases, first.pid), 60, "the first task to take every group")

        async def command(g: int, name: str, options: list[dict[str, object]]) -> str:
            exchange = await discord_sim.send_slash_command(guilds[g], texts[g], users[g], name, options)
            assert exchange.body == {"type": 5}
            return exchange.token

        async def reply(token: str, timeout: float = 30) -> str:
            message = await discord_sim.wait_for_original_edit(token, timeout=timeout)
            return str(message["content"])

        def query(text: str) -> list[dict[str, object]]:
            return [{"name": "query", "type": 3, "value": text}]

        # Alone, the first task plays in both guilds (one per shard group).
        victim_group, survivor_group = 1, 0  # a task lets go of its highest groups first
        victim_guild = guilds[victim_group]
        assert (await reply(await command(victim_group, "play", query("never gonna give")))).startswith(
            "Now playing"
        )
        assert "(position 1 in the queue)" in await reply(
            await command(victim_group, "play", query("take on me"))
        )
        assert (await reply(await command(survivor_group, "play", query("bohemian")))).startswith(
            "Now playing"
        )

        async def saved_position() -> int:
            raw = await redis.get(f"encore:player:{victim_guild}")
            return PlayerSnapshot.from_json(raw).position_ms if raw else 0

        await eventually(lambda: _at_least(saved_position, 2_000), 30, "a saved position past 2 s")

        # A second task joins: the first hands group 1 over (saved, left voice), and the second
        # restores its player at the position saved at the handoff, with its queue.
        second = processes.start("fleet")
        await eventually(lambda: _split(leases, first.pid, second.pid), 60, "the groups to be shared")
        assert (await holders(leases))[victim_group] == second.pid
        handed_over = await lavalink_sim.wait_for_track(victim_guild, "Never Gonna Give You Up", timeout=15)
        assert handed_over.connected
        resumed_at = handed_over.position  # (a live figure: read it once)
        assert resumed_at >= 2_000
        answer = await reply(await command(victim_group, "play", query("africa toto")))
        assert "(position 2 in the queue)" in answer, answer

        await eventually(lambda: _at_least(saved_position, resumed_at + 1_000), 30, "a new save")
        in_flight = await command(victim_group, "loop", [{"name": "mode", "type": 3, "value": "queue"}])
        second.send_signal(signal.SIGKILL)
        await asyncio.to_thread(second.wait, 10)
        saved = await _snapshot(redis, victim_guild)
        pending = await command(victim_group, "play", query("one more time"))

        # The survivor takes the group once the lease expires, and every interaction is answered.
        await eventually(
            lambda: _all_held_by(leases, first.pid), LEASE_TTL_S * 3, "the survivor to take the group"
        )
        assert (await reply(in_flight)).startswith("Looping")
        # The queue was restored: the new song comes after "Take On Me" and "Africa", not first.
        assert "One More Time" in (answer := await reply(pending))
        assert "(position 3 in the queue)" in answer, answer

        # The player resumed the same song from the saved position, not from the start.
        restored = await lavalink_sim.wait_for_track(victim_guild, "Never Gonna Give You Up", timeout=10)
        assert restored.connected
        assert restored.position >= saved.position_ms >= 2_000
        assert saved.current is not None
        assert restored.position < saved.current.length_ms
        # The other guild never stopped.
        assert lavalink_sim.player(guilds[survivor_group]) is not None

        # SIGTERM drains the survivor: it exits cleanly, every player saved, every lease released.
        await processes.stop_all()
        assert first.returncode == 0
        assert await holders(leases) == [None] * LAYOUT.group_count
        for guild_id in guilds:
            drained = await _snapshot(redis, guild_id)
            assert drained.current is not None
            assert drained.voice_channel_id is not None  # still in voice: the next owner rejoins
    finally:
        await processes.stop_all()
        await redis.delete(*(f"encore:player:{g}" for g in guilds))


async def _all_held_by(leases: LeaseStore, pid: int) -> bool:
    return await holders(leases) == [pid] * LAYOUT.group_count


async def _split(leases: LeaseStore, first: int, second: int) -> bool:
    return sorted(p or 0 for p in await holders(leases)) == sorted([first, second])


async def _at_least(read: Callable[[], Awaitable[int]], value: int) -> bool:
    return await read() >= value


async def _snapshot(redis: Redis, guild_id: int) -> PlayerSnapshot:
    raw: bytes | str | None = await redis.get(f"encore:player:{guild_id}")
    assert raw is not None, f"guild {guild_id} has no player snapshot"
    return PlayerSnapshot.from_json(raw)


async def _wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(600):
            assert process.poll() is None, "encore serve exited"
            try:
                await client.get(url, timeout=0.5)
                return
            except httpx.TransportError:
                await asyncio.sleep(0.1)
    raise AssertionError("encore serve never came up")
