"""Accounting of the fleet's Discord REST answers: 429s by scope and the invalid-request budget.

discord.py already follows Discord's per-route buckets (``X-RateLimit-*``), waits out 429
``retry_after`` and the global limit, for its HTTP client and its webhook adapter alike; the fleet
does not do that again. What discord.py does not do is *count*: Discord bans an IP for an hour
after 10,000 invalid requests (401, 403 and 429 -- except 429s of ``X-RateLimit-Scope: shared``,
which are another app's doing) in 10 minutes. :class:`DiscordAccounting` watches every Discord answer
through an aiohttp trace hook (:meth:`DiscordAccounting.trace_config`, for discord.py's own session
via ``HTTPClient.http_trace`` and for the reply session) and emits:

* ``DiscordRateLimited`` (``Scope``: ``user`` | ``global`` | ``shared`` | ``unknown``) for each 429;
* ``InvalidRequests``: after each invalid answer, how many there were in the last 10 minutes
  (:class:`InvalidRequestBudget`, a sliding window), so an alarm can fire long before the ban.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping
from types import SimpleNamespace
from typing import Final

import aiohttp
from yarl import URL

from encore.metrics import MetricsSink

__all__ = [
    "INVALID_LIMIT",
    "INVALID_WINDOW_S",
    "DiscordAccounting",
    "InvalidRequestBudget",
    "rate_limit_scope",
]

#: Discord's invalid-request limit per IP, and its window.
INVALID_LIMIT: Final = 10_000
INVALID_WINDOW_S: Final = 600.0
_INVALID_STATUSES: Final = frozenset({401, 403, 429})


class InvalidRequestBudget:
    """Invalid requests in a sliding window (default: Discord's 10 minutes)."""

    def __init__(self, window_s: float = INVALID_WINDOW_S, limit: int = INVALID_LIMIT) -> None:
        self.window_s = window_s
        self.limit = limit
        self._times: deque[float] = deque()

    def _expire(self, now: float) -> None:
        while self._times and self._times[0] <= now - self.window_s:
            self._times.popleft()

    def record(self, now: float) -> int:
        """Count one invalid request at ``now``; how many are in the window now."""
        self._expire(now)
        self._times.append(now)
        return len(self._times)

    def count(self, now: float) -> int:
        self._expire(now)
        return len(self._times)

    def remaining(self, now: float) -> int:
        return max(0, self.limit - self.count(now))


def rate_limit_scope(headers: Mapping[str, str]) -> str:
    """The scope of a 429: ``X-RateLimit-Scope``, else ``global`` when ``X-RateLimit-Global`` says so."""
    scope = headers.get("X-RateLimit-Scope", "").strip().lower()
    if scope in {"user", "global", "shared"}:
        return scope
    if headers.get("X-RateLimit-Global", "").strip().lower() == "true":
        return "global"
    return "unknown"


class DiscordAccounting:
    def __init__(
        self,
        metrics: MetricsSink,
        api_base: str,
        *,
        budget: InvalidRequestBudget | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._metrics = metrics
        self._origin = URL(api_base).origin()
        self.budget = budget or InvalidRequestBudget()
        self._clock = clock
        self.rate_limited: dict[str, int] = {}

    def is_discord(self, url: URL) -> bool:
        return url.is_absolute() and url.origin() == self._origin

    def observe(self, status: int, headers: Mapping[str, str]) -> None:
        """Account for one answer from Discord."""
        if status not in _INVALID_STATUSES:
            return
        if status == 429:
            scope = rate_limit_scope(headers)
            self.rate_limited[scope] = self.rate_limited.get(scope, 0) + 1
            self._metrics.emit("DiscordRateLimited", 1, Scope=scope)
            if scope == "shared":
                return  # not held against this app's budget
        self._metrics.emit("InvalidRequests", self.budget.record(self._clock()))

    def invalid_in_window(self) -> int:
        return self.budget.count(self._clock())

    def trace_config(self) -> aiohttp.TraceConfig:
        """An aiohttp trace hook feeding :meth:`observe` with every answer from Discord's API host."""

        async def on_request_end(
            session: aiohttp.ClientSession, context: SimpleNamespace, params: aiohttp.TraceRequestEndParams
        ) -> None:
            if self.is_discord(params.url):
                self.observe(params.response.status, params.response.headers)

        config = aiohttp.TraceConfig()
        config.on_request_end.append(on_request_end)
        return config
