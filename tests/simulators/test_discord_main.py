"""``python -m encore.simulators.discord`` runs as its own process and stops on SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import sys

import aiohttp


async def test_the_simulator_runs_as_a_process_until_sigterm() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "encore.simulators.discord",
        "--port",
        "0",
        "--interactions-url",
        "http://127.0.0.1:9/interactions",
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        printed: dict[str, str] = {}
        async with asyncio.timeout(60):  # process start-up: generous for a loaded CI machine
            while "user_id" not in printed:
                key, _, value = (await process.stdout.readline()).decode().strip().partition("=")
                printed[key] = value
        assert printed["api_base"].endswith("/api/v10")
        assert printed["gateway_url"].endswith("/gateway")
        assert len(bytes.fromhex(printed["public_key"])) == 32

        headers = {"Authorization": f"Bot {printed['bot_token']}"}
        async with aiohttp.ClientSession() as http:
            async with http.get(printed["api_base"] + "/oauth2/applications/@me", headers=headers) as r:
                app = await r.json()
            async with http.get(printed["control_url"] + "/world") as r:
                world = await r.json()
        assert app["id"] == printed["application_id"]
        assert app["verify_key"] == printed["public_key"]
        assert app["interactions_endpoint_url"] == "http://127.0.0.1:9/interactions"
        assert [g["id"] for g in world] == [printed["guild_id"]]

        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 30) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
