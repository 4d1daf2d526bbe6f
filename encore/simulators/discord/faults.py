"""Faults the Discord simulator can inject, as a small mutable switchboard.

REST faults match a substring of the request path (and optionally the method) and are consumed
one request at a time. Gateway switches are plain attributes read by the gateway at the moment
they matter. The gateway actions that need a live connection (close with a code, op 7, op 9,
kicking the bot out of voice, moving the voice server, GUILD_DELETE) are coroutines on
:class:`~encore.simulators.discord.DiscordSimulator` itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Faults", "RestFault"]


@dataclass
class RestFault:
    kind: Literal["rate_limit", "server_error", "latency"]
    path_contains: str
    method: str | None
    remaining: int | None  # None: forever
    retry_after: float = 0.0
    scope: str = "user"
    is_global: bool = False
    via: bool = True
    status: int = 500
    delay: float = 0.0

    def matches(self, method: str, path: str) -> bool:
        return (
            (self.remaining is None or self.remaining > 0)
            and self.path_contains in path
            and (self.method is None or self.method == method)
        )

    def consume(self) -> None:
        if self.remaining is not None:
            self.remaining -= 1


class Faults:
    """Switchboard of injected faults (see the module docstring)."""

    def __init__(self) -> None:
        self._rest: list[RestFault] = []
        #: Do not answer heartbeats with op 11 (the connection looks zombied to the client).
        self.ignore_heartbeats: bool = False
        #: Send VOICE_SERVER_UPDATE this many seconds after VOICE_STATE_UPDATE (None: at once).
        self.voice_server_update_delay: float | None = None
        #: Never send VOICE_SERVER_UPDATE (the voice join times out client-side).
        self.drop_voice_server_update: bool = False

    def rate_limit(
        self,
        path_contains: str,
        count: int = 1,
        retry_after: float = 0.2,
        scope: str = "user",
        is_global: bool = False,
        via: bool = True,
        *,
        method: str | None = None,
    ) -> None:
        """Answer the next ``count`` matching requests with 429.

        With ``via=False`` the answer lacks the ``Via`` header, which discord.py reads as a
        Cloudflare ban and raises instead of retrying.
        """
        self._rest.append(
            RestFault(
                "rate_limit",
                path_contains,
                method,
                count,
                retry_after=retry_after,
                scope=scope,
                is_global=is_global,
                via=via,
            )
        )

    def server_error(
        self, path_contains: str, count: int = 1, status: int = 500, *, method: str | None = None
    ) -> None:
        """Answer the next ``count`` matching requests with ``status`` (5xx)."""
        self._rest.append(RestFault("server_error", path_contains, method, count, status=status))

    def latency(
        self,
        path_contains: str,
        seconds: float,
        count: int | None = None,
        *,
        method: str | None = None,
    ) -> None:
        """Delay matching answers by ``seconds`` (``count=None``: until :meth:`clear`)."""
        self._rest.append(RestFault("latency", path_contains, method, count, delay=seconds))

    def clear(self) -> None:
        """Remove every REST fault and reset the gateway switches."""
        self._rest.clear()
        self.ignore_heartbeats = False
        self.voice_server_update_delay = None
        self.drop_voice_server_update = False

    def take(self, method: str, path: str) -> tuple[float, RestFault | None]:
        """Consume the faults for one request: total added latency and the error to answer."""
        delay = 0.0
        error: RestFault | None = None
        for fault in self._rest:
            if not fault.matches(method, path):
                continue
            if fault.kind == "latency":
                delay += fault.delay
                fault.consume()
            elif error is None:
                error = fault
                fault.consume()
        self._rest = [f for f in self._rest if f.remaining is None or f.remaining > 0]
        return delay, error
