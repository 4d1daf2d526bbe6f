"""ASGI middleware of the API paths: a body size limit, and latency and error metrics.

Both act only on the paths they are given (``/api/`` and ``/discord/webhook-events``); the
interactions hot path never reaches them (it is answered before the FastAPI app runs).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from encore.metrics import MetricsSink
from interactions.api.problems import PROBLEM_JSON, ApiProblem

__all__ = ["DEFAULT_MAX_BODY_BYTES", "ApiMetrics", "BodyLimit"]

DEFAULT_MAX_BODY_BYTES: Final = 16 * 1024


def _replay(messages: list[Message], last: Message | None, receive: Receive) -> Receive:
    """A receive that gives ``messages`` (then ``last``) before going back to ``receive``."""
    pending = [*messages, *([last] if last is not None else [])]

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed


def _problem_bytes(problem: ApiProblem) -> bytes:
    return json.dumps(problem.problem().model_dump(exclude_none=True)).encode()


class BodyLimit:
    """413 for a body over ``limit`` bytes, whether announced by Content-Length or streamed."""

    def __init__(self, app: ASGIApp, limit: int, prefixes: tuple[str, ...]) -> None:
        self._app = app
        self._limit = limit
        self._prefixes = prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self._prefixes):
            await self._app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and (not value.isdigit() or int(value) > self._limit):
                await self._refuse(send)
                return
        # Read the (small) body first, so a streamed body over the limit is refused before the
        # app sees any of it; then hand the app the body we read.
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self._app(scope, _replay([], message, receive), send)
                return
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self._limit:
                await self._refuse(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self._app(scope, _replay([body], None, receive), send)

    async def _refuse(self, send: Send) -> None:
        body = _problem_bytes(
            ApiProblem(413, f"The body is larger than {self._limit} bytes.", kind="payload-too-large")
        )
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", PROBLEM_JSON.encode()),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class ApiMetrics:
    """ApiLatency for every answer on ``prefix`` and ApiErrors (by 4xx/5xx) for refusals."""

    def __init__(
        self,
        app: ASGIApp,
        sink: MetricsSink,
        prefix: str,
        timer: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._app = app
        self._sink = sink
        self._prefix = prefix
        self._timer = timer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self._prefix):
            await self._app(scope, receive, send)
            return
        started = self._timer()
        status = 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self._app(scope, receive, recording_send)
        finally:
            self._sink.emit("ApiLatency", (self._timer() - started) * 1000)
            if status >= 400:
                self._sink.emit("ApiErrors", 1, StatusClass=f"{status // 100}xx")
