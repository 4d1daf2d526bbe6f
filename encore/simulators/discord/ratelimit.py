"""Discord's REST rate limits, minimally: fixed windows per bucket plus a global window.

Numbers chosen (all per real second, on the monotonic clock, not the injectable token clock):

* ``global``: 50 requests / 1 s per bot token, for bot-authenticated routes. Interaction
  callbacks and webhook-token routes are exempt, as on Discord.
* per-route (bot routes): 10 requests / 1 s per (method, route template, major parameter).
* webhook token: 5 requests / 1 s shared by every ``/webhooks/{app}/{token}...`` route of one
  token (discord.py's webhook adapter locks per token for the same reason).
* a user's OAuth2 bearer token: its own global window (50 / 1 s) and per-route buckets
  (10 / 1 s per route and token), like a bot token's.

Every answer carries ``X-RateLimit-Limit/Remaining/Reset/Reset-After/Bucket``; a 429 also
carries ``X-RateLimit-Scope``, ``Retry-After`` and (global) ``X-RateLimit-Global``.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

__all__ = [
    "GLOBAL_LIMIT",
    "ROUTE_LIMIT",
    "WEBHOOK_LIMIT",
    "RateDecision",
    "RateLimiter",
    "bucket_hash",
    "too_many_requests",
]

GLOBAL_LIMIT: Final = (50, 1.0)
ROUTE_LIMIT: Final = (10, 1.0)
WEBHOOK_LIMIT: Final = (5, 1.0)


def bucket_hash(shape: str) -> str:
    """A stable opaque bucket id, like Discord's ``X-RateLimit-Bucket``."""
    return hashlib.sha1(shape.encode(), usedforsecurity=False).hexdigest()[:32]


@dataclass
class _Window:
    limit: int
    per: float
    started: float = -math.inf
    used: int = 0

    def take(self, now: float) -> tuple[bool, int, float]:
        """Count one request; return ``(allowed, remaining, reset_after)``."""
        if now >= self.started + self.per:
            self.started, self.used = now, 0
        reset_after = max(self.started + self.per - now, 0.0)
        if self.used >= self.limit:
            return False, 0, reset_after
        self.used += 1
        return True, self.limit - self.used, reset_after


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    headers: dict[str, str]
    body: dict[str, Any] | None = None
    counts_as_invalid: bool = False
    via: bool = True  # False: answered "by Cloudflare", without the ``Via`` header


def too_many_requests(
    *,
    retry_after: float,
    bucket: str,
    limit: int,
    scope: str,
    is_global: bool,
    via: bool = True,
) -> RateDecision:
    """A 429 answer: JSON body and headers as Discord sends them."""
    headers = {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
        "X-RateLimit-Reset-After": f"{retry_after:.3f}",
        "X-RateLimit-Bucket": bucket,
        "X-RateLimit-Scope": scope,
        "Retry-After": str(max(1, math.ceil(retry_after))),
    }
    if is_global:
        headers["X-RateLimit-Global"] = "true"
    body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": is_global}
    return RateDecision(False, headers, body, counts_as_invalid=scope != "shared", via=via)


@dataclass
class RateLimiter:
    """Fixed-window buckets keyed by route shape and by webhook token, plus the global window."""

    clock: Callable[[], float] = time.monotonic
    global_limit: tuple[int, float] = GLOBAL_LIMIT
    route_limit: tuple[int, float] = ROUTE_LIMIT
    webhook_limit: tuple[int, float] = WEBHOOK_LIMIT
    _windows: dict[tuple[str, ...], _Window] = field(default_factory=dict)

    def check(
        self,
        *,
        shape: str,
        major: str,
        webhook_token: str | None,
        bot: bool,
        bearer: str | None = None,
    ) -> RateDecision:
        """``bearer``: a digest of the user's OAuth2 token (its own global and route buckets)."""
        now = self.clock()
        if bot or bearer is not None:
            limit, per = self.global_limit
            window = self._window(("global",) if bearer is None else ("global", bearer), limit, per)
            ok, _, reset_after = window.take(now)
            if not ok:
                return too_many_requests(
                    retry_after=reset_after,
                    bucket="global",
                    limit=limit,
                    scope="global",
                    is_global=True,
                )
        if webhook_token is not None:
            key: tuple[str, ...] = ("webhook", webhook_token)
            limit, per = self.webhook_limit
            bucket = bucket_hash("webhook:" + webhook_token)
        else:
            key = ("route", shape, major) if bearer is None else ("route", shape, major, bearer)
            limit, per = self.route_limit
            bucket = bucket_hash(shape)
        ok, remaining, reset_after = self._window(key, limit, per).take(now)
        if not ok:
            return too_many_requests(
                retry_after=reset_after, bucket=bucket, limit=limit, scope="user", is_global=False
            )
        return RateDecision(
            True,
            {
                "X-RateLimit-Limit": str(limit),
                "X-RateLimit-Remaining": str(remaining),
                "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
                "X-RateLimit-Reset-After": f"{reset_after:.3f}",
                "X-RateLimit-Bucket": bucket,
            },
        )

    def _window(self, key: tuple[str, ...], limit: int, per: float) -> _Window:
        window = self._windows.get(key)
        if window is None:
            window = self._windows[key] = _Window(limit, per)
        return window
