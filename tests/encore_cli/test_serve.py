"""`encore serve --port N` runs the front as its own process, answering Discord over HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.ports import free_port
from tests.signing import DiscordSigner, encode, play_interaction


@pytest.fixture
def served(signer: DiscordSigner, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "ENCORE_"))}
    env["DISCORD_PUBLIC_KEY"] = signer.public_key_hex
    process = subprocess.Popen(
        [sys.executable, "-m", "encore_cli", "serve", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90  # generous: a loaded CI machine imports slowly
        while True:
            assert process.poll() is None, "encore serve exited"
            try:
                httpx.get(f"{url}/health", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "encore serve never came up"
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_served_front_answers_ping_and_defers_play(served: str, signer: DiscordSigner) -> None:
    ping = encode({"id": "1", "application_id": "2", "type": 1, "token": "t"})
    response = httpx.post(f"{served}/interactions", content=ping, headers=signer.headers(ping))
    assert (response.status_code, response.json()) == (200, {"type": 1})

    play = encode(play_interaction())
    response = httpx.post(f"{served}/interactions", content=play, headers=signer.headers(play))
    assert response.json() == {"type": 5}

    forged = httpx.post(f"{served}/interactions", content=play, headers=DiscordSigner().headers(play))
    assert forged.status_code == 401
