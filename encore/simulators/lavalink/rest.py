"""The Lavalink v4 REST API of the simulated node.

Routes: ``GET /version``, ``GET /v4/info``, ``GET /v4/stats``, ``GET /v4/loadtracks``,
``GET /v4/decodetrack``, ``POST /v4/decodetracks``, ``GET /v4/sessions/{sid}/players``,
``GET|PATCH|DELETE /v4/sessions/{sid}/players/{gid}`` and ``PATCH /v4/sessions/{sid}``.

Every route needs the ``Authorization`` password (else 401). Errors carry Lavalink's body
``{timestamp, status, error, message, path}`` (plus ``trace`` with ``?trace=true``). A session that
is not connected is unknown to REST (404), as in Lavalink, even while it waits to be resumed. The
middleware applies the REST faults and records every request with the status it answered.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Final

from aiohttp import web

from encore.simulators.lavalink import ops
from encore.simulators.lavalink.catalogue import source_of
from encore.simulators.lavalink.ops import JSON
from encore.simulators.lavalink.session import PlayerUpdate, SimSession, TrackChange
from encore.simulators.lavalink.track import TrackDecodeError, decode_track, track_object
from encore.simulators.recording import RecordedRequest

if TYPE_CHECKING:
    from encore.simulators.lavalink.simulator import LavalinkSimulator

__all__ = ["WEBSOCKET_PATH", "ApiError", "RestApi", "json_response"]

WEBSOCKET_PATH: Final = "/v4/websocket"
MAX_VOLUME: Final = 1000
_TRUE: Final = frozenset({"true", "1", "yes", "on"})
_FALSE: Final = frozenset({"false", "0", "no", "off"})
_NO_BODY: Final = object()
_MALFORMED: Final = object()
_BODY: Final = web.RequestKey[Any]("json_body")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ApiError(Exception):
    """A request Lavalink would refuse with ``status`` and ``message``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def json_response(body: Any, status: int = 200) -> web.Response:
    """A JSON answer with the exact ``application/json`` content type Lavalink (Spring) sends."""
    return web.Response(
        body=json.dumps(body).encode("utf-8"),
        status=status,
        headers={"Content-Type": "application/json"},
    )


def error_response(request: web.Request, status: int, message: str) -> web.Response:
    trace = request.query.get("trace", "").lower() == "true"
    return json_response(ops.error_body(status, message, request.path, trace=trace), status)


class RestApi:
    """REST handlers bound to one simulator."""

    def __init__(self, sim: LavalinkSimulator) -> None:
        self._sim = sim

    def routes(self) -> list[web.RouteDef]:
        players = "/v4/sessions/{session_id}/players"
        return [
            web.get("/version", self.version),
            web.get("/v4/info", self.info),
            web.get("/v4/stats", self.stats),
            web.get("/v4/loadtracks", self.load_tracks),
            web.get("/v4/decodetrack", self.decode_track),
            web.post("/v4/decodetracks", self.decode_tracks),
            web.get(players, self.get_players),
            web.get(players + "/{guild_id}", self.get_player),
            web.patch(players + "/{guild_id}", self.update_player),
            web.delete(players + "/{guild_id}", self.destroy_player),
            web.patch("/v4/sessions/{session_id}", self.update_session),
        ]

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path == WEBSOCKET_PATH:
            return await handler(request)
        body = await _read_json(request)
        response = await self._answer(request, handler, body)
        self._sim.requests.append(
            RecordedRequest(
                method=request.method,
                path=request.path,
                query=dict(request.query),
                headers=dict(request.headers),
                json=None if body is _NO_BODY or body is _MALFORMED else body,
                status=response.status,
            )
        )
        self._sim.notify()
        return response

    async def _answer(self, request: web.Request, handler: Handler, body: Any) -> web.StreamResponse:
        faults = self._sim.faults
        if faults.rest_latency > 0:
            await asyncio.sleep(faults.rest_latency)
        if request.headers.get("Authorization") != self._sim.password:
            return error_response(request, 401, "Unauthorized")
        failure = faults.take_request_failure(request.method, request.path)
        if failure is not None:
            return error_response(request, failure.status, failure.message)
        request[_BODY] = body
        try:
            if body is _MALFORMED:
                raise ApiError(400, "Malformed JSON body")
            return await handler(request)
        except ApiError as exc:
            return error_response(request, exc.status, exc.message)
        except web.HTTPException as exc:
            return error_response(request, exc.status, exc.reason)

    # -- node ---------------------------------------------------------------------------------

    async def version(self, request: web.Request) -> web.StreamResponse:
        return web.Response(text=self._sim.version, content_type="text/plain")

    async def info(self, request: web.Request) -> web.StreamResponse:
        return json_response(self._sim.info())

    async def stats(self, request: web.Request) -> web.StreamResponse:
        return json_response(self._sim.stats())

    # -- tracks -------------------------------------------------------------------------------

    async def load_tracks(self, request: web.Request) -> web.StreamResponse:
        identifier = request.query.get("identifier")
        if identifier is None:
            raise ApiError(400, "Required parameter 'identifier' is not present")
        override = self._sim.faults.take_load_override(identifier)
        if override is not None:
            return json_response(override)
        failed = self._sim.faults.take_source_failure(source_of(identifier))
        if failed is not None:
            return json_response(failed)
        return json_response(self._sim.catalogue.load(identifier))

    async def decode_track(self, request: web.Request) -> web.StreamResponse:
        encoded = request.query.get("encodedTrack") or request.query.get("track")
        if encoded is None:
            raise ApiError(400, "Required parameter 'encodedTrack' is not present")
        return json_response(_decoded(encoded))

    async def decode_tracks(self, request: web.Request) -> web.StreamResponse:
        body = request[_BODY]
        if isinstance(body, dict):  # older clients send {"tracks": [...]}
            body = body.get("tracks")
        if not isinstance(body, list) or not all(isinstance(item, str) for item in body):
            raise ApiError(400, "Body must be an array of encoded tracks")
        return json_response([_decoded(item) for item in body])

    # -- players ------------------------------------------------------------------------------

    def _session(self, request: web.Request) -> SimSession:
        session = self._sim.sessions.get(request.match_info["session_id"])
        if session is None or not session.connected:
            raise ApiError(404, "Session not found")
        return session

    async def get_players(self, request: web.Request) -> web.StreamResponse:
        session = self._session(request)
        return json_response([player.to_json() for player in session.players.values()])

    async def get_player(self, request: web.Request) -> web.StreamResponse:
        session = self._session(request)
        player = session.players.get(_guild_id(request))
        if player is None:
            raise ApiError(404, "Player not found")
        return json_response(player.to_json())

    async def update_player(self, request: web.Request) -> web.StreamResponse:
        guild_id = _guild_id(request)
        no_replace = _query_bool(request, "noReplace")
        body = request[_BODY]
        if not isinstance(body, dict):
            raise ApiError(400, "Body must be a JSON object")
        update = self._parse_player_update(body, no_replace)
        sim = self._sim
        async with sim.lock:
            session = self._session(request)
            player = session.player(guild_id, clock=sim.clock, speed=sim.playback_speed)
            await session.apply(player, update)
            answer = player.to_json()
        return json_response(answer)

    async def destroy_player(self, request: web.Request) -> web.StreamResponse:
        guild_id = _guild_id(request)
        async with self._sim.lock:
            await self._session(request).destroy_player(guild_id)
        return web.Response(status=204)

    async def update_session(self, request: web.Request) -> web.StreamResponse:
        body = request[_BODY]
        if not isinstance(body, dict):
            raise ApiError(400, "Body must be a JSON object")
        resuming = body.get("resuming")
        timeout = body.get("timeout")
        if resuming is not None and not isinstance(resuming, bool):
            raise ApiError(400, "resuming must be a boolean")
        if timeout is not None and (not _is_int(timeout) or timeout < 0):
            raise ApiError(400, "timeout must be a non-negative integer")
        async with self._sim.lock:
            session = self._session(request)
            if resuming is not None:
                session.resuming = resuming
            if timeout is not None:
                session.timeout = timeout
            answer = {"resuming": session.resuming, "timeout": session.timeout}
        return json_response(answer)

    # -- parsing ------------------------------------------------------------------------------

    def _parse_player_update(self, body: dict[str, Any], no_replace: bool) -> PlayerUpdate:
        volume = body.get("volume")
        if volume is not None and (not _is_int(volume) or not 0 <= volume <= MAX_VOLUME):
            raise ApiError(400, f"Volume must be between 0 and {MAX_VOLUME}")
        position = body.get("position")
        if position is not None and (not _is_int(position) or position < 0):
            raise ApiError(400, "position must be a non-negative integer")
        end_time = body.get("endTime")
        if end_time is not None and not _is_int(end_time):
            raise ApiError(400, "endTime must be an integer or null")
        paused = body.get("paused")
        if paused is not None and not isinstance(paused, bool):
            raise ApiError(400, "paused must be a boolean")
        filters = body.get("filters")
        if filters is not None and not isinstance(filters, dict):
            raise ApiError(400, "filters must be an object")
        change, user_data = self._parse_track(body)
        return PlayerUpdate(
            no_replace=no_replace,
            track=change,
            user_data=user_data,
            position=position,
            end_time=end_time if end_time is not None and end_time > 0 else None,
            end_time_given="endTime" in body,
            volume=volume,
            paused=paused,
            filters=filters,
            voice=_parse_voice(body["voice"]) if body.get("voice") is not None else None,
        )

    def _parse_track(self, body: dict[str, Any]) -> tuple[TrackChange | None, JSON | None]:
        legacy = "encodedTrack" in body or "identifier" in body
        spec = body.get("track")
        if spec is not None and legacy:
            raise ApiError(400, "Cannot specify both track and encodedTrack/identifier")
        if spec is None:
            if not legacy:
                return None, None
            spec = {}
            if "encodedTrack" in body:
                spec["encoded"] = body["encodedTrack"]
            if "identifier" in body:
                spec["identifier"] = body["identifier"]
        if not isinstance(spec, dict):
            raise ApiError(400, "track must be an object")
        user_data = spec.get("userData")
        if user_data is not None and not isinstance(user_data, dict):
            raise ApiError(400, "track.userData must be an object")
        has_encoded, has_identifier = "encoded" in spec, "identifier" in spec
        if has_encoded and has_identifier:
            raise ApiError(400, "Cannot specify both encoded and identifier")
        if has_encoded:
            encoded = spec["encoded"]
            if encoded is None:
                return TrackChange(track=None), user_data
            if not isinstance(encoded, str):
                raise ApiError(400, "track.encoded must be a string or null")
            track = _decoded(encoded)
            return TrackChange(track={**track, "userData": dict(user_data or {})}), user_data
        if has_identifier:
            identifier = spec["identifier"]
            if not isinstance(identifier, str):
                raise ApiError(400, "track.identifier must be a string")
            found = self._sim.catalogue.resolve_single(identifier)
            if found is None:
                raise ApiError(400, f"No single track found for identifier {identifier}")
            return TrackChange(track=found.to_track(user_data)), user_data
        if user_data is not None:
            return TrackChange(track=None, user_data_only=True), user_data
        return None, None


async def _read_json(request: web.Request) -> Any:
    """The JSON body; ``_NO_BODY`` if there is none; ``_MALFORMED`` if it is not JSON."""
    if not request.can_read_body:
        return _NO_BODY
    raw = await request.read()
    if not raw.strip():
        return _NO_BODY
    try:
        return json.loads(raw)
    except ValueError:
        return _MALFORMED


def _decoded(encoded: str) -> JSON:
    try:
        info = decode_track(encoded)
    except TrackDecodeError as exc:
        raise ApiError(400, f"Invalid encoded track: {exc}") from exc
    return track_object(info, encoded=encoded)


def _guild_id(request: web.Request) -> int:
    raw = request.match_info["guild_id"]
    if not raw.isdigit():
        raise ApiError(400, f"Invalid guild id: {raw}")
    return int(raw)


def _query_bool(request: web.Request, name: str) -> bool:
    raw = request.query.get(name)
    if raw is None:
        return False
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ApiError(400, f"Invalid boolean for {name}: {raw}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _parse_voice(voice: Any) -> JSON:
    if not isinstance(voice, dict):
        raise ApiError(400, "voice must be an object")
    fields = ("token", "endpoint", "sessionId")
    if not all(isinstance(voice.get(name), str) and voice.get(name) for name in fields):
        raise ApiError(400, "Partial Lavalink voice state")
    channel_id = voice.get("channelId")
    if channel_id is not None and not isinstance(channel_id, str):
        raise ApiError(400, "voice.channelId must be a string or null")
    return {name: voice[name] for name in fields} | {"channelId": channel_id}
