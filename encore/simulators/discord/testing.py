"""Helpers for running the real discord.py against a :class:`DiscordSimulator`.

* :func:`discord_py_pointed_at` sets ``discord.http.Route.BASE`` and
  ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`` to the simulator (both are class-level
  globals in discord.py) and restores them afterwards.
* :func:`running_client` starts a client, waits for ``on_ready`` and closes it cleanly.
* :class:`GatewayProbe` is a bare gateway client for protocol-level assertions.

discord.py quirks to remember: ``before_identify_hook`` sleeps 5 s before every IDENTIFY but the
first (override it in tests), and ``guild_ready_timeout`` (default 2 s) delays ``on_ready``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
import discord.gateway
import discord.http
import yarl

if TYPE_CHECKING:
    from .simulator import DiscordSimulator

__all__ = ["GatewayProbe", "discord_py_pointed_at", "running_client"]


@contextlib.contextmanager
def discord_py_pointed_at(sim: DiscordSimulator) -> Iterator[None]:
    """Point discord.py's REST base and default gateway at ``sim`` for the duration."""
    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = sim.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(sim.gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway


@contextlib.asynccontextmanager
async def running_client(
    client: discord.Client, token: str, *, ready_timeout: float = 5.0
) -> AsyncIterator[asyncio.Task[None]]:
    """Run ``client.start(token)`` until the block ends; yield its task once ``on_ready`` fired.

    If the client fails before it is ready, its exception propagates.
    """
    task = asyncio.create_task(client.start(token), name="discord.py client")
    try:
        async with asyncio.timeout(ready_timeout):
            while not client.is_ready():
                if task.done():
                    task.result()  # raises the client's error
                    raise RuntimeError("the client stopped before it was ready")
                await asyncio.sleep(0.01)
        yield task
    finally:
        await client.close()
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await task


class GatewayProbe:
    """A bare gateway client (no discord.py) for protocol-level tests of the simulator."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, hello: dict[str, Any]) -> None:
        self.ws = ws
        self.hello = hello
        self.received: list[dict[str, Any]] = [hello]

    @classmethod
    async def connect(cls, session: aiohttp.ClientSession, url: str) -> GatewayProbe:
        ws = await session.ws_connect(url + "?v=10&encoding=json")
        hello = json.loads((await ws.receive(timeout=5.0)).data)
        return cls(ws, hello)

    async def send(self, op: int, d: Any) -> None:
        await self.ws.send_str(json.dumps({"op": op, "d": d}))

    async def receive(self, timeout: float = 2.0) -> dict[str, Any] | None:
        """The next frame, or None once the server closed the connection."""
        message = await self.ws.receive(timeout=timeout)
        if message.type is not aiohttp.WSMsgType.TEXT:
            return None
        frame: dict[str, Any] = json.loads(message.data)
        self.received.append(frame)
        return frame

    async def identify(self, token: str, intents: int, shard: list[int] | None = None) -> dict[str, Any]:
        """IDENTIFY and return READY's ``d``."""
        d: dict[str, Any] = {
            "token": token,
            "intents": intents,
            "properties": {"os": "linux", "browser": "probe", "device": "probe"},
        }
        if shard is not None:
            d["shard"] = shard
        await self.send(2, d)
        return await self.next_dispatch("READY")

    async def next_dispatch(self, event: str, timeout: float = 2.0) -> dict[str, Any]:
        async with asyncio.timeout(timeout):
            while True:
                frame = await self.receive(timeout)
                if frame is None:
                    raise ConnectionError(f"closed with {self.ws.close_code} waiting for {event}")
                if frame.get("t") == event:
                    d: dict[str, Any] = frame["d"]
                    return d

    async def wait_closed(self, timeout: float = 2.0) -> int | None:
        """Read until the server closes; return its close code."""
        async with asyncio.timeout(timeout):
            while await self.receive(timeout) is not None:
                pass
        return self.ws.close_code

    async def close(self, code: int = 4000) -> None:
        await self.ws.close(code=code)
