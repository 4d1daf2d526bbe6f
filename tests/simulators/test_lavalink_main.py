"""``python -m encore.simulators.lavalink`` serves a node until SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import sys

import aiohttp


async def test_the_simulator_runs_as_its_own_process() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "encore.simulators.lavalink",
        "--port",
        "0",
        "--password",
        "s3cret",
        "--log-level",
        "WARNING",
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), 60.0)
        uri = line.decode().strip().removeprefix("listening on ")
        assert uri.startswith("http://127.0.0.1:")
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{uri}/version", headers={"Authorization": "s3cret"}) as answer:
                assert (answer.status, await answer.text()) == (200, "4.2.1")
            async with http.get(f"{uri}/v4/info", headers={"Authorization": "wrong"}) as answer:
                assert answer.status == 401
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 10.0) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
