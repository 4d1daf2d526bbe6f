"""The front keeps answering when Redis stops: limits and replays go local, reads go to the fleet."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from encore.envelope import CommandEnvelope
from encore.queue.memory import InMemoryQueue
from encore.settings import load_settings
from interactions.bootstrap import build_core
from interactions.core import InteractionsCore
from tests.ports import free_port
from tests.signing import DiscordSigner, encode, play_interaction

GUILD = 1_100_000_000_000_000_000


class Counting:
    def __init__(self) -> None:
        self.rejects: list[str] = []

    def interaction(self, interaction_id: int) -> None:
        return None

    def answered(self, command: str | None, latency_ms: float) -> None:
        return None

    def rejected(self, reason: str) -> None:
        self.rejects.append(reason)

    def queue_failed(self) -> None:
        return None


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """A Redis of our own, so the test can stop it (the machine's shared one stays up)."""
    executable = shutil.which("redis-server")
    if executable is None:
        pytest.fail("redis-server is needed on PATH for the outage tests")
    port = free_port()
    process = subprocess.Popen(
        [
            executable,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        yield port, process
    finally:
        process.kill()
        process.wait(timeout=10)


async def wait_until_listening(port: int) -> None:
    for _ in range(600):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.05)
            continue
        writer.close()
        await writer.wait_closed()
        return
    pytest.fail("our redis-server never listened")


async def ask(core: InteractionsCore, signer: DiscordSigner, payload: dict[str, object]) -> dict[str, object]:
    body = encode(payload)
    headers = signer.headers(body)
    result = await core.handle(body, headers["X-Signature-Ed25519"], headers["X-Signature-Timestamp"])
    assert result.status == 200
    return result.body


async def test_stopping_redis_never_fails_an_answer(
    redis_server: tuple[int, subprocess.Popen[bytes]], signer: DiscordSigner
) -> None:
    port, process = redis_server
    await wait_until_listening(port)
    settings = load_settings(
        discord_public_key=signer.public_key_hex, redis_url=f"redis://127.0.0.1:{port}/0"
    )
    queue = InMemoryQueue(settings.shard_layout)
    telemetry = Counting()
    core = build_core(settings, queue, telemetry)
    ids = iter(range(1_180_000_000_000_000_001, 1_180_000_000_000_100_000))

    def play(query: str) -> dict[str, object]:
        return play_interaction(query, interaction_id=next(ids), guild_id=GUILD)

    assert await ask(core, signer, play("warm up")) == {"type": 5}
    assert "redis_fallback" not in telemetry.rejects  # our Redis answered while it ran

    process.kill()
    process.wait(timeout=10)

    assert await ask(core, signer, play("never gonna give you up")) == {"type": 5}
    nowplaying = play("x")
    nowplaying["data"] = {"id": "1", "name": "nowplaying", "type": 1, "options": []}
    assert await ask(core, signer, nowplaying) == {"type": 5}  # the fleet answers it instead
    autocomplete = play("x")
    autocomplete["type"] = 4
    autocomplete["data"]["options"] = [{"name": "query", "type": 3, "value": "never", "focused": True}]  # type: ignore[index]
    suggestions = await ask(core, signer, autocomplete)
    assert suggestions == {
        "type": 8,
        "data": {"choices": [{"name": "never gonna give you up", "value": "never gonna give you up"}]},
    }

    commands = []
    while queue.depth(0):
        (message,) = await queue.source(0).receive(1, 0)
        commands.append(CommandEnvelope.from_json(message.body).command)
        await queue.source(0).ack(message)
    assert commands == ["play", "play", "nowplaying"]
    assert "redis_fallback" in telemetry.rejects  # counted for the operators
