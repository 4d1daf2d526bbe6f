"""A wavelink Node that tells the fleet what wavelink 3.5.2 keeps to itself.

wavelink's ``stats`` event does not say which node sent it, its websocket keeps no "last heard"
time, and its keep-alive loop dies on a close frame or socket error (``message.json()`` of a CLOSE
message raises TypeError) without reconnecting, leaving the node CONNECTED forever. :class:`FleetNode`
uses a websocket subclass that records, per node, the time of the last op and the last stats, and
reports a keep-alive loop that died, so the :class:`~audio_fleet.nodes.supervisor.NodeSupervisor`
can reconnect the node and move its players.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import wavelink
from wavelink.websocket import Websocket

__all__ = ["FleetNode"]

log = logging.getLogger(__name__)


class FleetNode(wavelink.Node):
    """A Node that records liveness and stats, and reports its websocket dying silently."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.clock = clock
        #: When the node last sent any op (None: never since the last connect).
        self.last_heard: float | None = None
        #: When the current (re)connect started.
        self.connecting_since: float | None = None
        #: The node's last ``stats`` op.
        self.last_stats: wavelink.StatsEventPayload | None = None
        #: Called when the websocket's keep-alive loop ended without wavelink reconnecting.
        self.on_stalled: Callable[[FleetNode, BaseException], None] | None = None

    @property
    def websocket(self) -> Websocket | None:
        return self._websocket

    def set_session_id(self, session_id: str | None) -> None:
        """Resume ``session_id`` on the next connect (wavelink sends it as ``Session-Id``)."""
        self._session_id = session_id

    async def _connect(self, *, client: Any) -> None:
        # wavelink's Node._connect, with the fleet's websocket.
        client_ = self._client or client
        if not client_:
            raise wavelink.InvalidClientException(f"Unable to connect {self!r}: no discord.Client.")
        self._client = client_
        self._has_closed = False
        if self._session.closed:
            raise RuntimeError(f"{self!r}: its aiohttp session is closed")
        websocket = _FleetWebsocket(node=self)
        self._websocket = websocket
        await websocket.connect()

    def heard(self, event: str, args: tuple[Any, ...]) -> None:
        if event == "node_disconnected":  # wavelink's own event, not something the node sent
            return
        self.last_heard = self.clock()
        if event == "stats_update" and args and isinstance(args[0], wavelink.StatsEventPayload):
            self.last_stats = args[0]

    def stalled(self, exc: BaseException) -> None:
        log.warning("lavalink node %s: websocket loop ended without a reconnect (%r)", self.identifier, exc)
        if self.on_stalled is not None:
            self.on_stalled(self, exc)


class _FleetWebsocket(Websocket):
    def __init__(self, *, node: FleetNode) -> None:
        super().__init__(node=node)
        self._fleet_node = node

    async def connect(self) -> None:
        self._fleet_node.last_heard = None
        self._fleet_node.connecting_since = self._fleet_node.clock()
        await super().connect()

    def dispatch(self, event: str, /, *args: Any, **kwargs: Any) -> None:
        self._fleet_node.heard(event, args)
        super().dispatch(event, *args, **kwargs)

    async def keep_alive(self) -> None:
        try:
            await super().keep_alive()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # wavelink 3.5.2: a close frame or socket error lands here
            self._fleet_node.stalled(exc)
