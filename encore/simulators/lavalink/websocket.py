"""The ``GET /v4/websocket`` endpoint of the simulated node: handshake, sessions and resuming.

Handshake: a wrong ``Authorization`` is refused with 401 and a missing ``User-Id`` with 400, before
the upgrade. With a ``Session-Id`` naming a session that is resuming and still within its timeout,
the session is resumed: ``ready`` with ``resumed: true`` and the same id, then the events queued while
it was away. Otherwise a new session starts (``resumed: false``). ``stats`` follows ``ready``.

When the socket goes away a resuming session keeps its players (and keeps playing) until its timeout;
any other session is destroyed with its players. Clients send nothing over the socket in v4: frames
they do send are ignored, as Lavalink ignores them.
"""

from __future__ import annotations

import logging
import secrets
import string
from typing import TYPE_CHECKING, Final

from aiohttp import web

from encore.simulators.lavalink import ops
from encore.simulators.lavalink.rest import error_response
from encore.simulators.lavalink.session import SimSession
from encore.simulators.recording import RecordedRequest

if TYPE_CHECKING:
    from encore.simulators.lavalink.simulator import LavalinkSimulator

__all__ = ["WebsocketEndpoint", "new_session_id"]

logger = logging.getLogger(__name__)

_SESSION_ID_ALPHABET: Final = string.ascii_lowercase + string.digits


def new_session_id() -> str:
    """A Lavalink-style session id: 16 random lowercase letters and digits."""
    return "".join(secrets.choice(_SESSION_ID_ALPHABET) for _ in range(16))


class WebsocketEndpoint:
    """The websocket handler bound to one simulator."""

    def __init__(self, sim: LavalinkSimulator) -> None:
        self._sim = sim

    async def handle(self, request: web.Request) -> web.StreamResponse:
        sim = self._sim
        refusal = self._refusal(request)
        if refusal is not None:
            status, message = refusal
            self._record(request, status)
            return error_response(request, status, message)

        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        self._record(request, 101)
        transport = request.transport
        sim.track_socket(socket, transport)
        session: SimSession | None = None
        try:
            if not sim.faults.hang_ready:
                session = await self._open(request, socket)
            async for _message in socket:
                pass  # Lavalink v4 clients send nothing; ignore whatever arrives
        finally:
            try:
                if session is not None:
                    await self._closed(session, socket)
            finally:
                sim.untrack_socket(socket)  # after the detach: ``_settle`` waits for both
        return socket

    def _refusal(self, request: web.Request) -> tuple[int, str] | None:
        sim = self._sim
        if request.headers.get("Authorization") != sim.password:
            return 401, "Unauthorized"
        if not request.headers.get("User-Id"):
            return 400, "Missing User-Id header"
        rejection = sim.faults.take_handshake_rejection()
        if rejection is not None:
            return rejection, "Simulated handshake rejection"
        return None

    def _record(self, request: web.Request, status: int) -> None:
        self._sim.requests.append(
            RecordedRequest(
                method=request.method,
                path=request.path,
                query=dict(request.query),
                headers=dict(request.headers),
                status=status,
            )
        )
        self._sim.notify()

    async def _open(self, request: web.Request, socket: web.WebSocketResponse) -> SimSession:
        sim = self._sim
        async with sim.lock:
            now = sim.clock()
            wanted = request.headers.get("Session-Id")
            session = sim.sessions.get(wanted) if wanted else None
            resumed = session is not None and session.resumable(now)
            if session is None or not resumed:
                session = SimSession(
                    new_session_id(),
                    user_id=request.headers["User-Id"],
                    client_name=request.headers.get("Client-Name", ""),
                    clock=sim.clock,
                    on_send=sim.record_sent,
                    silent=lambda: sim.faults.silent,
                )
                sim.sessions[session.id] = session
            session.attach(socket)
            logger.info("%s: session %s %s", sim.name, session.id, "resumed" if resumed else "opened")
            await session.send(ops.ready(session.id, resumed=resumed))
            if resumed:
                await session.replay()
            await session.send(sim.stats(session))
            session.next_stats_at = now + sim.stats_interval
        return session

    async def _closed(self, session: SimSession, socket: web.WebSocketResponse) -> None:
        sim = self._sim
        async with sim.lock:
            if not session.detach(socket):
                return
            if session.resuming and session.timeout > 0:
                logger.info("%s: session %s waits %ss to resume", sim.name, session.id, session.timeout)
            else:
                logger.info("%s: session %s closed", sim.name, session.id)
                sim.destroy_session(session)
        sim.notify()
