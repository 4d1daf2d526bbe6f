"""Discord gateway v10 over a real websocket: sessions, shards, dispatches, resume, voice.

One :class:`~.sessions.GatewaySession` per successful IDENTIFY, one
:class:`~.sessions.GatewayConnection` per websocket (see :mod:`.sessions`). A session outlives its
connection (except after a 1000/1001 close by the client, a non-resumable close code or op 9
``false``), buffers the dispatches meant for it while detached and replays them on RESUME.
When Discord ends a session (resume window over, op 9 ``false``, a fatal close), the bot's voice
connections made through it end with it; a client's own clean close leaves them.

Dispatching is synchronous (frames go to a per-connection outbox drained by a writer task), so
world changes made from plain functions reach the right shard in order; :meth:`Gateway.flush`
waits until the outboxes are written. Routing follows Discord: guild events go to the sessions
whose shard owns the guild (``(guild_id >> 22) % shard_count``) and whose intents ask for them;
VOICE_SERVER_UPDATE goes to the session that sent the op 4.

Close codes used: 4001 unknown opcode, 4002 decode error, 4003 not authenticated, 4004
authentication failed, 4005 already authenticated, 4007 invalid seq, 4008 rate limited
(> 120 frames per 60 s), 4010 invalid shard, 4013 invalid intents, 4014 disallowed intents.
Frames are plain JSON text (``compress=zlib-stream`` in the query is ignored: discord.py only
inflates binary frames).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from collections.abc import Callable
from typing import Any, Literal

from aiohttp import WSMsgType, web

from .faults import Faults
from .payloads import (
    channel_payload,
    guild_create_payload,
    member_payload,
    user_payload,
    voice_state_payload,
)
from .sessions import (
    CLIENT_OPS,
    DISPATCH,
    HEARTBEAT,
    HEARTBEAT_ACK,
    HELLO,
    IDENTIFY,
    INTENT_GUILD_MEMBERS,
    INTENT_GUILD_VOICE_STATES,
    INTENT_GUILDS,
    INVALID_SESSION,
    KNOWN_INTENTS,
    NON_RESUMABLE_CLOSE_CODES,
    PRIVILEGED_INTENTS,
    REQUEST_GUILD_MEMBERS,
    RESUME,
    VOICE_STATE_UPDATE,
    CloseFrame,
    GatewayConnection,
    GatewayFrame,
    GatewaySession,
    make_frame,
)
from .tasks import TaskOwner
from .world import SimChannel, SimGuild, SimMember, SimVoiceState, World

__all__ = ["Gateway", "GatewayFrame"]

_log = logging.getLogger(__name__)

Json = dict[str, Any]


class Gateway:
    """The gateway endpoint and everything it routes."""

    def __init__(
        self,
        *,
        world: World,
        token: str,
        application_id: int,
        faults: Faults,
        clock: Callable[[], float],
        url: Callable[[], str],
        tasks: TaskOwner,
        heartbeat_interval_ms: int = 41_250,
        allowed_privileged_intents: int = 0,
        session_start_total: int = 1000,
        max_concurrency: int = 1,
        resume_window: float = 180.0,
        send_limit: tuple[int, float] = (120, 60.0),
    ) -> None:
        self._world = world
        self._token = token
        self._application_id = application_id
        self._faults = faults
        self._clock = clock
        self._url = url
        self._tasks = tasks
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.allowed_privileged_intents = allowed_privileged_intents
        self.session_start_total = session_start_total
        self.session_start_remaining = session_start_total
        self.max_concurrency = max_concurrency
        self._session_window_started: float | None = None
        self._resume_window = resume_window
        self._send_limit = send_limit
        self.log: list[GatewayFrame] = []
        self._log_changed = asyncio.Event()
        self.identify_count = 0
        self.sessions: dict[str, GatewaySession] = {}
        self.connections: set[GatewayConnection] = set()
        self._connection_counter = 0
        self._endpoint_counter = 0

    # -- the websocket endpoint ----------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=4096 * 1024)
        await ws.prepare(request)
        self._connection_counter += 1
        conn = GatewayConnection(ws, self._connection_counter, request.transport)
        self.connections.add(conn)
        client_close_code: int | None = None
        writer = asyncio.get_running_loop().create_task(
            self._write(conn), name=f"discord-sim-gateway-writer-{conn.number}"
        )
        try:
            conn.send(
                make_frame(
                    HELLO,
                    {"heartbeat_interval": self.heartbeat_interval_ms, "_trace": ['["discord-sim-gateway"]']},
                )
            )
            client_close_code = await self._read(conn)
        finally:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(conn.outbox.join(), 2.0)
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
            while not conn.outbox.empty():
                conn.outbox.get_nowait()
                conn.outbox.task_done()
            self._detach(conn, client_close_code)
            self.connections.discard(conn)
            if not ws.closed:
                await ws.close()
        return ws

    async def _read(self, conn: GatewayConnection) -> int | None:
        """Handle frames until the connection ends; return the client's close code, if it sent
        a close frame (a dropped TCP connection or a close we initiated return None)."""
        while not conn.closing:
            message = await conn.ws.receive()
            if message.type is WSMsgType.TEXT:
                await self._receive(conn, message.data)
            elif message.type is WSMsgType.BINARY:
                self._close(conn, 4002, "Error while decoding payload.")
            elif message.type is WSMsgType.CLOSE:
                return None if conn.closing else int(message.data)
            else:  # CLOSING (our own close), CLOSED (EOF), ERROR
                return None
        return None

    async def _write(self, conn: GatewayConnection) -> None:
        while True:
            item = await conn.outbox.get()
            try:
                if isinstance(item, CloseFrame):
                    if not conn.ws.closed:
                        await conn.ws.close(code=item.code, message=item.reason.encode())
                elif not conn.ws.closed:
                    await conn.ws.send_str(json.dumps(item, separators=(",", ":")))
                    self._record("out", conn, item)
            except (ConnectionError, RuntimeError) as exc:
                _log.debug("gateway connection %s: write failed: %r", conn.number, exc)
            finally:
                conn.outbox.task_done()

    def _record(self, direction: Literal["in", "out"], conn: GatewayConnection, frame: Any) -> None:
        data = frame if isinstance(frame, dict) else {}
        self.log.append(
            GatewayFrame(
                direction=direction,
                shard_id=conn.shard_id,
                op=data.get("op") if isinstance(data.get("op"), int) else None,
                t=data.get("t"),
                d=data.get("d"),
                s=data.get("s"),
                session_id=conn.session.session_id if conn.session else None,
            )
        )
        self._log_changed.set()

    async def wait_for_frame(
        self, predicate: Callable[[GatewayFrame], bool], timeout: float = 5.0
    ) -> GatewayFrame:
        async def _wait() -> GatewayFrame:
            while True:
                for frame in self.log:
                    if predicate(frame):
                        return frame
                self._log_changed.clear()
                await self._log_changed.wait()

        return await asyncio.wait_for(_wait(), timeout)

    def _close(self, conn: GatewayConnection, code: int, reason: str) -> None:
        if conn.session is not None and code in NON_RESUMABLE_CLOSE_CODES:
            self._invalidate(conn.session)
        conn.send(CloseFrame(code, reason))

    # -- frames from the client ----------------------------------------------------------------
    async def _receive(self, conn: GatewayConnection, text: str) -> None:
        try:
            frame = json.loads(text)
        except ValueError:
            self._record("in", conn, {"op": None, "d": text})
            self._close(conn, 4002, "Error while decoding payload.")
            return
        self._record("in", conn, frame)
        if not self._within_send_limit(conn):
            self._close(conn, 4008, "Rate limited.")
            return
        op = frame.get("op") if isinstance(frame, dict) else None
        data = frame.get("d") if isinstance(frame, dict) else None
        if op not in CLIENT_OPS:
            self._close(conn, 4001, "Unknown opcode.")
        elif op == HEARTBEAT:
            if not self._faults.ignore_heartbeats:
                conn.send(make_frame(HEARTBEAT_ACK))
        elif op == IDENTIFY:
            self._identify(conn, data)
        elif op == RESUME:
            self._resume(conn, data)
        elif conn.session is None:
            self._close(conn, 4003, "Not authenticated.")
        elif op == VOICE_STATE_UPDATE:
            self._voice_state_update(conn.session, data)
        elif op == REQUEST_GUILD_MEMBERS:
            self._request_guild_members(conn.session, data)
        # PRESENCE_UPDATE: accepted and recorded, nothing to route.

    def _within_send_limit(self, conn: GatewayConnection) -> bool:
        limit, per = self._send_limit
        now = time.monotonic()
        conn.received.append(now)
        while conn.received and conn.received[0] <= now - per:
            conn.received.popleft()
        return len(conn.received) <= limit

    def _token_ok(self, token: Any) -> bool:
        return isinstance(token, str) and token.removeprefix("Bot ") == self._token

    def _identify(self, conn: GatewayConnection, data: Any) -> None:
        if conn.session is not None:
            self._close(conn, 4005, "Already authenticated.")
            return
        if not isinstance(data, dict) or not isinstance(data.get("properties"), dict):
            self._close(conn, 4002, "Error while decoding payload.")
            return
        if not self._token_ok(data.get("token")):
            self._close(conn, 4004, "Authentication failed.")
            return
        shard = data.get("shard", [0, 1])
        if (
            not isinstance(shard, list)
            or len(shard) != 2
            or not all(isinstance(x, int) for x in shard)
            or shard[1] < 1
            or not 0 <= shard[0] < shard[1]
        ):
            self._close(conn, 4010, "Invalid shard.")
            return
        intents = data.get("intents")
        if not isinstance(intents, int) or intents < 0 or intents & ~KNOWN_INTENTS:
            self._close(conn, 4013, "Invalid intent(s).")
            return
        if intents & PRIVILEGED_INTENTS & ~self.allowed_privileged_intents:
            self._close(conn, 4014, "Disallowed intent(s).")
            return
        self._roll_session_start_window()
        if self.session_start_remaining <= 0:
            self._close(conn, 4004, "Authentication failed.")  # Discord resets the token
            return
        self.session_start_remaining -= 1
        self.identify_count += 1
        session = GatewaySession(
            session_id=secrets.token_hex(16), shard_id=shard[0], shard_count=shard[1], intents=intents
        )
        self.sessions[session.session_id] = session
        self._attach(conn, session)
        guilds = [g for g in self._world.guilds.values() if session.owns(g.id)]
        self.dispatch(
            session,
            "READY",
            {
                "v": 10,
                "user": {
                    **user_payload(self._world.bot),
                    "verified": True,
                    "mfa_enabled": False,
                    "bot": True,
                    "email": None,
                },
                "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
                "session_id": session.session_id,
                "session_type": "normal",
                "resume_gateway_url": self._url(),
                "application": {"id": str(self._application_id), "flags": 0},
                "shard": [session.shard_id, session.shard_count],
                "private_channels": [],
                "presences": [],
                "relationships": [],
                "guild_join_requests": [],
                "geo_ordered_rtc_regions": ["rotterdam", "frankfurt", "london"],
                "user_settings": {},
                "auth": {},
                "_trace": ['["discord-sim-gateway"]'],
            },
        )
        for guild in guilds:
            self.dispatch(session, "GUILD_CREATE", guild_create_payload(guild, bot_id=self._world.bot.id))

    def _resume(self, conn: GatewayConnection, data: Any) -> None:
        if conn.session is not None:
            self._close(conn, 4005, "Already authenticated.")
            return
        if not isinstance(data, dict):
            self._close(conn, 4002, "Error while decoding payload.")
            return
        if not self._token_ok(data.get("token")):
            self._close(conn, 4004, "Authentication failed.")
            return
        session = self.sessions.get(str(data.get("session_id")))
        seq = data.get("seq") or 0
        if session is not None and self._expired(session):
            self._invalidate(session)
            session = None
        if session is None or session.invalid or not isinstance(seq, int):
            conn.send(make_frame(INVALID_SESSION, False))
            return
        if seq > session.seq:
            self._close(conn, 4007, "Invalid seq.")
            return
        missed = [f for f in session.buffer if f["s"] > seq]
        if seq < session.seq and (not missed or missed[0]["s"] != seq + 1):
            self._invalidate(session)  # events were lost: the session cannot be resumed
            conn.send(make_frame(INVALID_SESSION, False))
            return
        old = session.connection
        if old is not None and old is not conn:
            old.session = None
            old.send(CloseFrame(4000, "Session resumed elsewhere."))
        session.connection = conn
        session.detached_at = None
        conn.session = session
        for frame in missed:
            conn.send(frame)
        self.dispatch(session, "RESUMED", {"_trace": ['["discord-sim-gateway"]']})

    def _expired(self, session: GatewaySession) -> bool:
        return session.detached_at is not None and self._clock() - session.detached_at > self._resume_window

    def _attach(self, conn: GatewayConnection, session: GatewaySession) -> None:
        session.connection = conn
        session.detached_at = None
        conn.session = session

    def _detach(self, conn: GatewayConnection, close_code: int | None) -> None:
        session = conn.session
        if session is None or session.connection is not conn:
            return
        session.connection = None
        session.detached_at = self._clock()
        if close_code in (1000, 1001):  # a clean close by the client ends the session
            self._invalidate(session, end_voice=False)

    def _invalidate(self, session: GatewaySession, *, end_voice: bool = True) -> None:
        """End ``session``. When Discord ends it (resume window over, op 9 ``false``, a fatal
        close), the bot's voice connections made through it end too; a client's own clean close
        leaves them for its next session (what Lavalink session resuming across a restart needs)."""
        session.invalid = True
        self.sessions.pop(session.session_id, None)
        if end_voice:
            self._end_voice(session)

    def _end_voice(self, session: GatewaySession) -> None:
        """The bot leaves every channel it joined through ``session``: VOICE_STATE_UPDATE with
        ``channel_id: null`` to the shard's other sessions (a new session sees it in GUILD_CREATE)."""
        bot_id = self._world.bot.id
        for guild in list(self._world.guilds.values()):
            state = guild.voice_states.get(bot_id)
            if state is None or state.session_id != session.session_id:
                continue
            _, after = self._world.set_voice_state(guild.id, bot_id, None)
            self.voice_state_changed(guild, after)

    def _roll_session_start_window(self) -> None:
        now = self._clock()
        if self._session_window_started is None or now - self._session_window_started >= 86_400:
            self._session_window_started = now
            self.session_start_remaining = self.session_start_total

    def gateway_bot(self, recommended_shards: int) -> Json:
        self._roll_session_start_window()
        started = self._session_window_started or self._clock()
        reset_after = max(0, int((started + 86_400 - self._clock()) * 1000))
        return {
            "url": self._url(),
            "shards": recommended_shards,
            "session_start_limit": {
                "total": self.session_start_total,
                "remaining": self.session_start_remaining,
                "reset_after": reset_after,
                "max_concurrency": self.max_concurrency,
            },
        }

    # -- dispatching -------------------------------------------------------------------------------
    def dispatch(self, session: GatewaySession, event: str, data: Json) -> None:
        """Give ``session`` its next sequence number and send (or buffer) the event."""
        session.seq += 1
        frame = make_frame(DISPATCH, data, s=session.seq, t=event)
        session.buffer.append(frame)
        if session.connection is not None:
            session.connection.send(frame)

    def _routable(self) -> list[GatewaySession]:
        for session in list(self.sessions.values()):
            if self._expired(session):
                self._invalidate(session)
        return [s for s in self.sessions.values() if not s.invalid]

    def dispatch_guild(self, guild_id: int, event: str, data: Json, *, intent: int | None) -> int:
        """Send a guild event to every session whose shard owns the guild and wants it."""
        targets = [s for s in self._routable() if s.owns(guild_id) and s.wants(intent)]
        for session in targets:
            self.dispatch(session, event, data)
        return len(targets)

    def guild_created(self, guild: SimGuild) -> None:
        payload = guild_create_payload(guild, bot_id=self._world.bot.id, newly_joined=True)
        self.dispatch_guild(guild.id, "GUILD_CREATE", payload, intent=INTENT_GUILDS)

    def guild_deleted(self, guild_id: int) -> None:
        self.dispatch_guild(guild_id, "GUILD_DELETE", {"id": str(guild_id)}, intent=INTENT_GUILDS)

    def channel_created(self, channel: SimChannel) -> None:
        self.dispatch_guild(
            channel.guild_id, "CHANNEL_CREATE", channel_payload(channel), intent=INTENT_GUILDS
        )

    def member_added(self, guild: SimGuild, member: SimMember) -> None:
        payload = {**member_payload(member), "guild_id": str(guild.id)}
        self.dispatch_guild(guild.id, "GUILD_MEMBER_ADD", payload, intent=INTENT_GUILD_MEMBERS)

    def voice_state_changed(self, guild: SimGuild, state: SimVoiceState) -> None:
        """VOICE_STATE_UPDATE (``state.channel_id == 0`` renders as ``null``: left voice)."""
        self.dispatch_guild(
            guild.id,
            "VOICE_STATE_UPDATE",
            voice_state_payload(guild, state),
            intent=INTENT_GUILD_VOICE_STATES,
        )

    def voice_server_update(self, guild: SimGuild, session_id: str, *, new_server: bool) -> bool:
        """Send VOICE_SERVER_UPDATE to the session holding the bot's voice state.

        Honours ``faults.drop_voice_server_update`` and ``faults.voice_server_update_delay``.
        Returns whether an update was (or will be) sent.
        """
        if self._faults.drop_voice_server_update:
            return False
        session = self.sessions.get(session_id)
        if session is None:
            return False
        if new_server or not guild.voice_server_generation:
            self._endpoint_counter += 1
            guild.voice_server_generation = self._endpoint_counter
        payload = {
            "token": secrets.token_hex(8),
            "guild_id": str(guild.id),
            "endpoint": f"sim-voice-{guild.voice_server_generation}.discord.media:443",
        }
        delay = self._faults.voice_server_update_delay
        if delay:

            async def _later() -> None:
                await asyncio.sleep(delay)
                if not session.invalid:
                    self.dispatch(session, "VOICE_SERVER_UPDATE", payload)

            self._tasks.spawn(_later(), name=f"discord-sim-voice-server-update-{guild.id}")
        else:
            self.dispatch(session, "VOICE_SERVER_UPDATE", payload)
        return True

    def _voice_state_update(self, session: GatewaySession, data: Any) -> None:
        """Op 4 from the client: join, move or leave voice in a guild its shard owns."""
        if not isinstance(data, dict):
            return
        try:
            guild_id = int(data["guild_id"])
            channel_id = int(data["channel_id"]) if data.get("channel_id") else None
        except (KeyError, TypeError, ValueError):
            return
        guild = self._world.guilds.get(guild_id)
        if guild is None or not session.owns(guild_id):
            _log.debug("op 4 for guild %s ignored on shard %s", guild_id, session.shard_id)
            return
        if channel_id is not None:
            channel = guild.channels.get(channel_id)
            if channel is None or not channel.is_voice:
                return
        _, after = self._world.set_voice_state(
            guild_id,
            self._world.bot.id,
            channel_id,
            session_id=session.session_id,
            self_mute=bool(data.get("self_mute", False)),
            self_deaf=bool(data.get("self_deaf", False)),
        )
        self.voice_state_changed(guild, after)
        if channel_id is not None:
            self.voice_server_update(guild, session.session_id, new_server=False)

    def _request_guild_members(self, session: GatewaySession, data: Any) -> None:
        if not isinstance(data, dict):
            return
        guild = self._world.guilds.get(int(data.get("guild_id") or 0))
        if guild is None or not session.owns(guild.id):
            return
        wanted = {int(u) for u in data.get("user_ids") or []}
        query = str(data.get("query") or "").lower()
        if wanted:
            members = [m for m in guild.members.values() if m.id in wanted]
        else:
            members = [m for m in guild.members.values() if m.user.username.lower().startswith(query)]
        limit = int(data.get("limit") or 0)
        if limit:
            members = members[:limit]
        payload: Json = {
            "guild_id": str(guild.id),
            "members": [member_payload(m) for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [str(u) for u in wanted if u not in guild.members],
        }
        if data.get("nonce") is not None:
            payload["nonce"] = data["nonce"]
        self.dispatch(session, "GUILD_MEMBERS_CHUNK", payload)

    # -- faults and control ----------------------------------------------------------------------
    def live_sessions(self, shard_id: int | None = None) -> list[GatewaySession]:
        return [
            s
            for s in self.sessions.values()
            if s.connection is not None and (shard_id is None or s.shard_id == shard_id)
        ]

    def close_shard(self, shard_id: int | None, code: int, reason: str = "") -> int:
        sessions = self.live_sessions(shard_id)
        for session in sessions:
            conn = session.connection
            if conn is not None:
                self._close(conn, code, reason or f"Closed by the simulator ({code}).")
        return len(sessions)

    def send_op(self, shard_id: int | None, op: int, d: Any = None) -> int:
        sessions = self.live_sessions(shard_id)
        for session in sessions:
            if session.connection is not None:
                session.connection.send(make_frame(op, d))
        return len(sessions)

    def invalidate_sessions(self, shard_id: int | None, *, resumable: bool) -> int:
        sessions = self.live_sessions(shard_id)
        for session in sessions:
            if session.connection is not None:
                session.connection.send(make_frame(INVALID_SESSION, resumable))
            if not resumable:
                self._invalidate(session)
        return len(sessions)

    def abort_shard(self, shard_id: int | None) -> int:
        """Drop the TCP connection without a close frame (a network failure)."""
        sessions = self.live_sessions(shard_id)
        for session in sessions:
            conn = session.connection
            if conn is not None and isinstance(conn.transport, asyncio.Transport):
                conn.transport.abort()
        return len(sessions)

    async def flush(self, timeout: float = 5.0) -> None:
        """Wait until every queued frame has been written."""
        waits = [c.outbox.join() for c in list(self.connections)]
        if waits:
            await asyncio.wait_for(asyncio.gather(*waits), timeout)

    async def shutdown(self) -> None:
        for conn in list(self.connections):
            conn.send(CloseFrame(1001, "Simulator shutting down."))
        with contextlib.suppress(TimeoutError):
            await self.flush(2.0)
