"""Fixtures for driving the real wavelink 3.5.2 against the Lavalink simulator.

wavelink keeps its nodes in class-level state (``Pool._Pool__nodes``) and needs a
``discord.Client`` only for ``client.user.id`` (the ``User-Id`` header) and ``client.dispatch``
(its ``on_wavelink_*`` events). :class:`RecordingClient` is such a client that never logs in: it
records every dispatch so tests can wait for ``wavelink_node_ready`` and friends.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any, cast

import aiohttp
import discord
import pytest
import wavelink
from wavelink.backoff import Backoff

from encore.simulators.lavalink import LavalinkSimulator

BOT_USER_ID = 4_242_424_242
GUILD_ID = 111_222_333_444_555_666
VOICE: dict[str, Any] = {
    "token": "voice-token",
    "endpoint": "c-ams05-1234.discord.media:443",
    "sessionId": "voice-session-1",
    "channelId": "777888999000111222",
}


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FastBackoff(Backoff):
    """wavelink's reconnect backoff waits up to 30 s; tests retry every 50 ms instead."""

    def calculate(self) -> float:
        return 0.05


async def patch_player(
    node: wavelink.Node, body: dict[str, Any], *, guild_id: int = GUILD_ID, replace: bool = True
) -> dict[str, Any]:
    """PATCH the player through wavelink's own REST call (what ``wavelink.Player`` does)."""
    answer: dict[str, Any] = await node._update_player(  # type: ignore[assignment]
        guild_id, data=cast("Any", body), replace=replace
    )
    return answer


async def play(
    node: wavelink.Node, query: str, *, guild_id: int = GUILD_ID, voice: bool = True
) -> wavelink.Playable:
    """Search ``query``, hand the player a voice state (unless ``voice=False``) and play the hit."""
    found = await wavelink.Playable.search(query)
    assert isinstance(found, list)
    assert found, f"nothing found for {query!r}"
    if voice:
        await patch_player(node, {"voice": VOICE}, guild_id=guild_id)
    await patch_player(
        node,
        {"track": {"encoded": found[0].encoded}, "position": 0, "paused": False},
        guild_id=guild_id,
    )
    return found[0]


class RecordingClient(discord.Client):
    """A discord.Client that never logs in; it has a bot user and records dispatched events."""

    def __init__(self, user_id: int = BOT_USER_ID) -> None:
        super().__init__(intents=discord.Intents(guilds=True))
        self._connection.user = discord.ClientUser(
            state=self._connection,
            data={
                "id": str(user_id),
                "username": "encore-test",
                "discriminator": "0",
                "avatar": None,
                "global_name": None,
                "bot": True,
            },
        )
        self.events: list[tuple[str, tuple[Any, ...]]] = []
        self._changed = asyncio.Event()

    def dispatch(self, event: str, /, *args: Any, **kwargs: Any) -> None:
        self.events.append((event, args))
        self._changed.set()
        self._changed = asyncio.Event()
        super().dispatch(event, *args, **kwargs)

    def payloads(self, event: str) -> list[Any]:
        """The first argument of every dispatch of ``event`` so far."""
        return [args[0] if args else None for name, args in self.events if name == event]

    async def wait_for_event(
        self,
        event: str,
        predicate: Callable[[Any], bool] = lambda _payload: True,
        *,
        after: int = 0,
        timeout: float = 5.0,
    ) -> Any:
        """The first payload of ``event`` (from dispatch number ``after`` on) matching ``predicate``."""
        async with asyncio.timeout(timeout):
            while True:
                changed = self._changed
                for name, args in self.events[after:]:
                    payload = args[0] if args else None
                    if name == event and predicate(payload):
                        return payload
                await changed.wait()


class Harness:
    """Creates wavelink nodes against simulators and closes them (and their HTTP sessions)."""

    def __init__(self, client: RecordingClient) -> None:
        self.client = client
        self._nodes: list[wavelink.Node] = []
        self._sessions: list[aiohttp.ClientSession] = []

    def node(
        self,
        sim: LavalinkSimulator,
        *,
        password: str | None = None,
        identifier: str | None = None,
        retries: int | None = None,
        resume_timeout: int = 60,
    ) -> wavelink.Node:
        session = aiohttp.ClientSession()
        self._sessions.append(session)
        node = wavelink.Node(
            uri=sim.uri,
            password=sim.password if password is None else password,
            identifier=identifier or sim.name,
            session=session,
            retries=retries,
            resume_timeout=resume_timeout,
            inactive_player_timeout=None,
        )
        self._nodes.append(node)
        return node

    async def connect(self, sim: LavalinkSimulator, **kwargs: Any) -> wavelink.Node:
        """Connect a node through ``wavelink.Pool`` and wait for its ``on_wavelink_node_ready``."""
        node = self.node(sim, **kwargs)
        mark = len(self.client.events)
        await wavelink.Pool.connect(nodes=[node], client=self.client)
        await self.client.wait_for_event("wavelink_node_ready", lambda p: p.node is node, after=mark)
        assert node._websocket is not None
        node._websocket.backoff = FastBackoff()
        return node

    async def aclose(self) -> None:
        for node in self._nodes:
            await node.close(eject=True)
        for session in self._sessions:
            await session.close()


def reset_pool() -> None:
    """Forget every node wavelink's global Pool holds (and its search cache)."""
    # Pool.__nodes / Pool.__cache are name-mangled class attributes; reach them by their real names.
    nodes: dict[str, wavelink.Node] = getattr(wavelink.Pool, "_Pool__nodes")  # noqa: B009
    nodes.clear()
    setattr(wavelink.Pool, "_Pool__cache", None)  # noqa: B010


@pytest.fixture
def client() -> RecordingClient:
    return RecordingClient()


@pytest.fixture
async def harness(client: RecordingClient) -> AsyncIterator[Harness]:
    reset_pool()
    harness = Harness(client)
    try:
        yield harness
    finally:
        await harness.aclose()
        reset_pool()


@pytest.fixture
async def sim() -> AsyncIterator[LavalinkSimulator]:
    """A node with fast player updates; tests needing other settings build their own."""
    async with LavalinkSimulator(player_update_interval=0.05) as simulator:
        yield simulator


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session
