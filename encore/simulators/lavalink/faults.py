"""Faults a test can switch on in a simulated Lavalink node.

Each fault changes what the client really sees on the wire:

* ``hang_ready`` -- the websocket upgrade succeeds but ``ready`` never comes;
* ``reject_handshake(count, status)`` -- the next websocket upgrades are refused with ``status``
  (401 → wavelink gives up with AuthorizationFailedException, 404 → NodeException, others are retried);
* ``rest_latency`` -- seconds added before every REST answer;
* ``fail_player_patch(count, status)`` / ``fail_requests(...)`` -- the next matching REST requests get
  ``status`` with a Lavalink error body and change nothing;
* ``load_result(identifier_contains, result)`` -- ``/v4/loadtracks`` answers ``result`` (an ``error``
  or ``empty`` load result, say) for matching identifiers;
* ``fail_source(source, message, severity, cause)`` -- every load from one source (``youtube``,
  ``soundcloud``, ``http``...: by search prefix or URL) fails as Lavalink reports a source's
  exception: ``{"loadType": "error", "data": {message, severity, cause}}``;
* ``silent`` -- the node keeps its websockets open but sends nothing (no stats, no player updates,
  no events): a hung node;
* ``frames_nulled``/``frames_deficit``/``system_load``/``lavalink_load`` -- what ``stats`` reports,
  to make a node look degraded or busy to a load balancer.

Connection-level faults (graceful close, abort, restart) are methods of the simulator itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

__all__ = ["SEVERITIES", "Faults", "LoadOverride", "RequestFailure", "SourceFailure"]


@dataclass(slots=True)
class RequestFailure:
    """Answer the next ``remaining`` requests matching ``method`` and ``path_contains`` with ``status``."""

    method: str | None
    path_contains: str
    status: int
    remaining: int
    message: str

    def matches(self, method: str, path: str) -> bool:
        return (
            self.remaining > 0
            and (self.method is None or self.method == method)
            and self.path_contains in path
        )


@dataclass(slots=True)
class LoadOverride:
    """Answer ``/v4/loadtracks`` with ``result`` for identifiers containing ``identifier_contains``."""

    identifier_contains: str
    result: dict[str, Any]
    remaining: int | None  # None → until cleared

    def matches(self, identifier: str) -> bool:
        return (self.remaining is None or self.remaining > 0) and (
            self.identifier_contains.casefold() in identifier.casefold()
        )


#: Lavalink's exception severities.
SEVERITIES: Final = frozenset({"common", "suspicious", "fault"})


@dataclass(slots=True)
class SourceFailure:
    """Every load from ``source`` fails (``remaining`` times; None: until cleared)."""

    source: str
    message: str
    severity: str
    cause: str
    remaining: int | None

    def result(self) -> dict[str, Any]:
        exception = {"message": self.message, "severity": self.severity, "cause": self.cause}
        return {"loadType": "error", "data": exception}


class Faults:
    """The switchable faults of one simulated node; all off by default."""

    hang_ready: bool
    rest_latency: float
    frames_nulled: int
    frames_deficit: int
    system_load: float
    lavalink_load: float
    request_failures: list[RequestFailure]
    load_overrides: list[LoadOverride]
    source_failures: list[SourceFailure]
    handshake_rejections: list[int]
    silent: bool

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        """Switch every fault off."""
        self.hang_ready = False
        self.rest_latency = 0.0
        self.frames_nulled = 0
        self.frames_deficit = 0
        self.system_load = 0.05
        self.lavalink_load = 0.01
        self.request_failures = []
        self.load_overrides = []
        self.source_failures = []
        self.handshake_rejections = []
        self.silent = False

    def fail_player_patch(self, count: int = 1, status: int = 500) -> None:
        """The next ``count`` ``PATCH /v4/sessions/{sid}/players/{gid}`` fail with ``status``."""
        self.fail_requests("PATCH", "/players/", count=count, status=status)

    def fail_requests(
        self,
        method: str | None,
        path_contains: str,
        *,
        count: int = 1,
        status: int = 500,
        message: str = "Simulated failure",
    ) -> None:
        """The next ``count`` REST requests matching ``method`` (None: any) and path fail."""
        self.request_failures.append(RequestFailure(method, path_contains, status, count, message))

    def load_result(
        self, identifier_contains: str, result: dict[str, Any], *, count: int | None = None
    ) -> None:
        """``/v4/loadtracks`` answers ``result`` for identifiers containing the text (any case)."""
        self.load_overrides.append(LoadOverride(identifier_contains, result, count))

    def fail_source(
        self,
        source: str,
        message: str = "Sign in to confirm you're not a bot",
        *,
        severity: str = "common",
        cause: str | None = None,
        count: int | None = None,
    ) -> None:
        """Loads from ``source`` fail with Lavalink's exception shape (``count`` times; None: until
        cleared). ``severity`` is ``common``, ``suspicious`` or ``fault``, as in Lavalink."""
        if severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {sorted(SEVERITIES)}")
        detail = cause or f"com.sedmelluq.discord.lavaplayer.tools.FriendlyException: {message}"
        self.source_failures.append(SourceFailure(source, message, severity, detail, count))

    def reject_handshake(self, count: int = 1, status: int = 503) -> None:
        """The next ``count`` websocket upgrades are refused with ``status``."""
        self.handshake_rejections.extend([status] * count)

    # -- used by the simulator --------------------------------------------------------------

    def take_request_failure(self, method: str, path: str) -> RequestFailure | None:
        for failure in self.request_failures:
            if failure.matches(method, path):
                failure.remaining -= 1
                return failure
        return None

    def take_load_override(self, identifier: str) -> dict[str, Any] | None:
        for override in self.load_overrides:
            if override.matches(identifier):
                if override.remaining is not None:
                    override.remaining -= 1
                return override.result
        return None

    def take_source_failure(self, source: str) -> dict[str, Any] | None:
        """The ``error`` load result for a load from ``source``, if that source is failing."""
        for failure in self.source_failures:
            if failure.source == source and (failure.remaining is None or failure.remaining > 0):
                if failure.remaining is not None:
                    failure.remaining -= 1
                return failure.result()
        return None

    def take_handshake_rejection(self) -> int | None:
        return self.handshake_rejections.pop(0) if self.handshake_rejections else None
