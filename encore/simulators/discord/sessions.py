"""Gateway wire constants and the per-session / per-connection state the gateway keeps.

* :class:`GatewaySession`: one per successful IDENTIFY (shard ``[id, count]``, intents, the last
  sequence number and a replay buffer of its dispatches); it outlives its connection so it can
  be RESUMEd.
* :class:`GatewayConnection`: one per websocket, with an outbox of frames (and close requests)
  that a writer task drains in order.
* :class:`GatewayFrame`: what the simulator records of every frame in either direction.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from aiohttp import web

from .snowflake import shard_id_for

__all__ = [
    "CLIENT_OPS",
    "DISPATCH",
    "FATAL_CLOSE_CODES",
    "HEARTBEAT",
    "HEARTBEAT_ACK",
    "HELLO",
    "IDENTIFY",
    "INTENT_GUILDS",
    "INTENT_GUILD_MEMBERS",
    "INTENT_GUILD_PRESENCES",
    "INTENT_GUILD_VOICE_STATES",
    "INTENT_MESSAGE_CONTENT",
    "INVALID_SESSION",
    "KNOWN_INTENTS",
    "NON_RESUMABLE_CLOSE_CODES",
    "PRESENCE_UPDATE",
    "PRIVILEGED_INTENTS",
    "RECONNECT",
    "REQUEST_GUILD_MEMBERS",
    "RESUME",
    "VOICE_STATE_UPDATE",
    "CloseFrame",
    "GatewayConnection",
    "GatewayFrame",
    "GatewaySession",
    "make_frame",
]

Json = dict[str, Any]

DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE_UPDATE, VOICE_STATE_UPDATE = 0, 1, 2, 3, 4
RESUME, RECONNECT, REQUEST_GUILD_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 6, 7, 8, 9, 10, 11
CLIENT_OPS: Final = frozenset(
    {HEARTBEAT, IDENTIFY, PRESENCE_UPDATE, VOICE_STATE_UPDATE, RESUME, REQUEST_GUILD_MEMBERS}
)

INTENT_GUILDS: Final = 1 << 0
INTENT_GUILD_MEMBERS: Final = 1 << 1
INTENT_GUILD_VOICE_STATES: Final = 1 << 7
INTENT_GUILD_PRESENCES: Final = 1 << 8
INTENT_MESSAGE_CONTENT: Final = 1 << 15
PRIVILEGED_INTENTS: Final = INTENT_GUILD_MEMBERS | INTENT_GUILD_PRESENCES | INTENT_MESSAGE_CONTENT
KNOWN_INTENTS: Final = (1 << 26) - 1

#: Close codes after which a session cannot be resumed.
FATAL_CLOSE_CODES: Final = frozenset({4004, 4010, 4011, 4012, 4013, 4014})
NON_RESUMABLE_CLOSE_CODES: Final = FATAL_CLOSE_CODES | {4007, 4009}


@dataclass(frozen=True)
class GatewayFrame:
    """One gateway frame as it crossed the wire (``in``: client to simulator)."""

    direction: Literal["in", "out"]
    shard_id: int | None
    op: int | None
    t: str | None
    d: Any
    s: int | None = None
    session_id: str | None = None


@dataclass(frozen=True)
class CloseFrame:
    code: int
    reason: str


@dataclass
class GatewaySession:
    session_id: str
    shard_id: int
    shard_count: int
    intents: int
    seq: int = 0
    buffer: deque[Json] = field(default_factory=lambda: deque(maxlen=1000))
    connection: GatewayConnection | None = None
    detached_at: float | None = None
    invalid: bool = False

    def owns(self, guild_id: int) -> bool:
        return shard_id_for(guild_id, self.shard_count) == self.shard_id

    def wants(self, intent: int | None) -> bool:
        return intent is None or bool(self.intents & intent)


class GatewayConnection:
    """One websocket and its outbox."""

    def __init__(
        self, ws: web.WebSocketResponse, number: int, transport: asyncio.BaseTransport | None
    ) -> None:
        self.ws = ws
        self.transport = transport
        self.number = number
        self.session: GatewaySession | None = None
        self.outbox: asyncio.Queue[Json | CloseFrame] = asyncio.Queue()
        self.received: deque[float] = deque()
        self.closing = False

    @property
    def shard_id(self) -> int | None:
        return self.session.shard_id if self.session else None

    def send(self, frame: Json | CloseFrame) -> None:
        if not self.closing:
            self.outbox.put_nowait(frame)
            if isinstance(frame, CloseFrame):
                self.closing = True


def make_frame(op: int, d: Any = None, *, s: int | None = None, t: str | None = None) -> Json:
    return {"op": op, "d": d, "s": s, "t": t}
