"""The deployed shape on one machine: `encore serve` and `encore fleet` as separate processes,
sharing an SQS FIFO queue on moto_server, against the Discord and Lavalink simulators."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer

from encore.simulators.discord import DiscordSimulator
from encore.simulators.lavalink import LavalinkSimulator
from tests.ports import free_port


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
    async with DiscordSimulator() as discord_sim, LavalinkSimulator() as lavalink_sim:
        yield discord_sim, lavalink_sim


async def wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(900):  # generous: a loaded CI machine imports slowly
            assert process.poll() is None, "encore serve exited"
            try:
                await client.get(url, timeout=0.5)
                return
            except httpx.TransportError:
                await asyncio.sleep(0.1)
    raise AssertionError("encore serve never came up")


async def test_serve_and_fleet_processes_share_the_queue(
    moto_endpoint: str,
    simulators: tuple[DiscordSimulator, LavalinkSimulator],
    tmp_path: Path,
) -> None:
    discord_sim, lavalink_sim = simulators
    guild = discord_sim.add_guild(name="Deployed")
    voice = discord_sim.add_voice_channel(guild.id, name="Stage")
    text = discord_sim.add_text_channel(guild.id)
    user = discord_sim.add_member(guild.id, username="listener")
    await discord_sim.set_voice_state(guild.id, user.id, voice)

    sqs = boto3.client(
        "sqs",
        endpoint_url=moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    queue_url = sqs.create_queue(QueueName="encore-commands-g0.fifo", Attributes={"FifoQueue": "true"})[
        "QueueUrl"
    ]

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "ENCORE_", "AWS_"))}
    env.update(
        DISCORD_APPLICATION_ID=str(discord_sim.application_id),
        DISCORD_PUBLIC_KEY=discord_sim.public_key_hex,
        DISCORD_BOT_TOKEN=discord_sim.bot_token,
        DISCORD_API_BASE=discord_sim.api_base,
        DISCORD_GATEWAY_URL=discord_sim.gateway_url,
        LAVALINK_NODES=f"main|{lavalink_sim.uri}|{lavalink_sim.password}",
        ENCORE_QUEUE="sqs",
        ENCORE_SQS_QUEUE_URLS=queue_url,
        ENCORE_QUEUE_WAIT_SECONDS="2",  # short long-polls: the fleet's shutdown waits for one
        ENCORE_HEALTH_PORT=str(health_port := free_port()),  # the fleet's /health and /ready
        AWS_ENDPOINT_URL=moto_endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_REGION="us-east-1",
    )
    encore = [sys.executable, "-m", "encore_cli"]
    front = subprocess.Popen([*encore, "serve", "--port", str(port)], env=env, cwd=tmp_path)
    fleet = subprocess.Popen([*encore, "fleet", "--group", "0"], env=env, cwd=tmp_path)
    try:
        await wait_healthy(f"http://127.0.0.1:{port}/health", front)
        discord_sim.interactions_url = f"http://127.0.0.1:{port}/interactions"
        exchange = await discord_sim.send_slash_command(
            guild.id, text, user.id, "play", [{"name": "query", "type": 3, "value": "never gonna"}]
        )
        assert exchange.body == {"type": 5}
        message = await discord_sim.wait_for_original_edit(exchange.token, timeout=30)
        assert message["content"].startswith("Now playing **Never Gonna Give You Up**")
        player = await lavalink_sim.wait_for_track(guild.id, "Never Gonna Give You Up", timeout=5)
        assert player.connected
        # The fleet's health endpoints, as ECS would call them.
        async with httpx.AsyncClient() as client:
            alive = await client.get(f"http://127.0.0.1:{health_port}/health", timeout=5)
            ready = await client.get(f"http://127.0.0.1:{health_port}/ready", timeout=5)
        assert alive.status_code == 200
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"] == {"gateway": True, "lavalink": True, "consumer": True}
    finally:
        for process in (front, fleet):
            process.terminate()
        # Wait off the event loop: the simulators live on it and must answer the fleet's goodbyes.
        codes = [await asyncio.to_thread(process.wait, 90) for process in (front, fleet)]
    # Both stop cleanly on SIGTERM, as ECS stops a task (uvicorn re-raises the signal once it
    # has shut down gracefully, so the front's code is -SIGTERM).
    assert codes[0] in (0, -signal.SIGTERM)
    assert codes[1] == 0
    # The fleet drained on SIGTERM: it saved the player and kept it on Lavalink (its session is
    # resumable) instead of destroying it, so the music plays on until the next owner takes over.
    kept = lavalink_sim.player(guild.id)
    assert kept is not None
    assert kept.track is not None
    assert kept.track["info"]["title"] == "Never Gonna Give You Up"
