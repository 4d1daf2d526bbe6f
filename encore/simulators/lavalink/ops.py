"""Builders for the ops a Lavalink v4 node sends over its websocket, and its REST error body.

Server → client ops: ``ready``, ``playerUpdate``, ``stats`` and ``event`` (TrackStartEvent,
TrackEndEvent, TrackExceptionEvent, TrackStuckEvent, WebSocketClosedEvent). Clients send nothing
over the websocket in v4; everything they do goes through REST.
"""

from __future__ import annotations

import time
from typing import Any, Final, Literal

__all__ = [
    "EXPECTED_FRAMES_PER_MINUTE",
    "JSON",
    "TrackEndReason",
    "error_body",
    "player_update",
    "ready",
    "track_end",
    "track_exception",
    "track_start",
    "track_stuck",
    "websocket_closed",
]

JSON = dict[str, Any]
TrackEndReason = Literal["finished", "loadFailed", "stopped", "replaced", "cleanup"]
#: One Opus frame every 20 ms per playing player.
EXPECTED_FRAMES_PER_MINUTE: Final = 3000

_REASONS: Final[dict[int, str]] = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def epoch_ms() -> int:
    return int(time.time() * 1000)


def error_body(status: int, message: str, path: str, *, trace: bool = False) -> JSON:
    """Lavalink's REST error object ``{timestamp, status, error, message, path}`` (+ ``trace``)."""
    body: JSON = {
        "timestamp": epoch_ms(),
        "status": status,
        "error": _REASONS.get(status, "Error"),
        "message": message,
        "path": path,
    }
    if trace:
        body["trace"] = f"lavalink.simulator.SimulatedException: {message}\n\tat simulator"
    return body


def ready(session_id: str, *, resumed: bool) -> JSON:
    return {"op": "ready", "resumed": resumed, "sessionId": session_id}


def player_update(guild_id: int, state: JSON) -> JSON:
    return {"op": "playerUpdate", "guildId": str(guild_id), "state": state}


def _event(kind: str, guild_id: int, **fields: Any) -> JSON:
    return {"op": "event", "type": kind, "guildId": str(guild_id), **fields}


def track_start(guild_id: int, track: JSON) -> JSON:
    return _event("TrackStartEvent", guild_id, track=track)


def track_end(guild_id: int, track: JSON, reason: TrackEndReason) -> JSON:
    return _event("TrackEndEvent", guild_id, track=track, reason=reason)


def track_exception(guild_id: int, track: JSON, *, message: str | None, severity: str, cause: str) -> JSON:
    exception = {"message": message, "severity": severity, "cause": cause}
    return _event("TrackExceptionEvent", guild_id, track=track, exception=exception)


def track_stuck(guild_id: int, track: JSON, threshold_ms: int) -> JSON:
    return _event("TrackStuckEvent", guild_id, track=track, thresholdMs=threshold_ms)


def websocket_closed(guild_id: int, code: int, reason: str, *, by_remote: bool) -> JSON:
    return _event("WebSocketClosedEvent", guild_id, code=code, reason=reason, byRemote=by_remote)
