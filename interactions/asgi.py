"""The hot path as a raw ASGI app: ``POST /interactions`` without the web framework.

Every Discord interaction goes through here, so it must not pay for routing, middleware and request
objects on each call, nor import them on a Lambda cold start. :class:`InteractionsEndpoint` reads the
body and the two signature headers straight from the ASGI scope, hands them to
:class:`~interactions.core.InteractionsCore`, and writes the JSON answer. Any other path goes to the
full FastAPI app, which is built (and imported) only when such a request first arrives.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from interactions.core import FrontResponse, InteractionsCore

__all__ = ["INTERACTIONS_PATH", "MAX_BODY_BYTES", "InteractionsEndpoint", "serve_interaction"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

INTERACTIONS_PATH: Final = "/interactions"
#: Discord's interaction payloads are a few KiB; anything this large is not from Discord.
MAX_BODY_BYTES: Final = 1 << 20

_JSON_HEADERS: Final = [(b"content-type", b"application/json")]


async def _send_json(send: Send, status: int, body: dict[str, Any]) -> None:
    payload = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    headers = [*_JSON_HEADERS, (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


async def _read_body(receive: Receive) -> bytes | None:
    """The whole request body, or None when it exceeds MAX_BODY_BYTES."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"".join(chunks)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _signature_headers(scope: Scope) -> tuple[str | None, str | None]:
    signature = timestamp = None
    for name, value in scope.get("headers", ()):
        if name == b"x-signature-ed25519":
            signature = value.decode("latin-1")
        elif name == b"x-signature-timestamp":
            timestamp = value.decode("latin-1")
    return signature, timestamp


async def serve_interaction(core: InteractionsCore, scope: Scope, receive: Receive, send: Send) -> None:
    """Answer one ``POST /interactions`` from ASGI primitives."""
    body = await _read_body(receive)
    if body is None:
        await _send_json(send, 413, {"error": "body too large"})
        return
    signature, timestamp = _signature_headers(scope)
    result: FrontResponse = await core.handle(body, signature, timestamp)
    await _send_json(send, result.status, result.body)


class InteractionsEndpoint:
    """The front as Lambda runs it: the hot path here, everything else in a lazily built app."""

    def __init__(self, core: InteractionsCore, other: Callable[[], ASGIApp] | None = None) -> None:
        self._core = core
        self._other_factory = other
        self._other: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == INTERACTIONS_PATH:
            if scope["method"] == "POST":
                await serve_interaction(self._core, scope, receive, send)
            else:
                await _send_json(send, 405, {"error": "method not allowed: use POST"})
            return
        if self._other is None and self._other_factory is not None:
            self._other = self._other_factory()
        if self._other is not None:
            await self._other(scope, receive, send)
        elif scope["type"] == "http":
            await _send_json(send, 404, {"error": "not found"})
