"""``/health`` and ``/ready`` over HTTP, for ECS container health checks and load balancers.

* ``GET /health`` answers 200 while the process's event loop runs (liveness: a failing check makes
  ECS replace the task).
* ``GET /ready`` answers 200 when every readiness check passes -- for a fleet task: its gateway
  shards are READY, at least one Lavalink node is connected, and the queue consumer is running --
  and 503 otherwise. Both bodies are JSON listing each check, so an operator sees what is missing.

The server is a small aiohttp app on its own port (``ENCORE_HEALTH_PORT``; 0 turns it off), started
by ``encore fleet`` before the fleet connects, so ``/health`` answers during a slow start.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Final

from aiohttp import web

from encore.lifecycle import Startable

__all__ = ["HealthServer", "ReadinessCheck"]

log = logging.getLogger(__name__)

#: Named checks, each True when that part is ready.
ReadinessCheck = Callable[[], Mapping[str, bool]]

_JSON: Final = "application/json"


class HealthServer(Startable):
    def __init__(self, readiness: ReadinessCheck, *, host: str = "0.0.0.0", port: int = 8080) -> None:
        """``port`` 0 picks a free port (see :attr:`port` after ``start``)."""
        self._readiness = readiness
        self._host = host
        self._requested_port = port
        self._runner: web.AppRunner | None = None
        self.port = port

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/health", self._health)
        app.router.add_get("/ready", self._ready)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._requested_port)
        await site.start()
        addresses = self._runner.addresses
        if addresses:
            self.port = int(addresses[0][1])
        log.info("health endpoints on http://%s:%s/health and /ready", self._host, self.port)

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _health(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"}, content_type=_JSON)

    async def _ready(self, request: web.Request) -> web.Response:
        try:
            checks = dict(self._readiness())
        except Exception:
            log.exception("readiness check failed")
            checks = {"readiness_check": False}
        ready = bool(checks) and all(checks.values())
        body = {"status": "ready" if ready else "not ready", "checks": checks}
        return web.json_response(body, status=200 if ready else 503, content_type=_JSON)
