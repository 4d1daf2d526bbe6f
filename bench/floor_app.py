"""The floor: the thinnest correct interactions endpoint (raw ASGI + PyNaCl), for comparison.

It verifies the signature, parses the JSON and answers PONG or "deferred" -- no validation, no
queue, no framework. Encore's front is measured against it in the same run (``make bench``).
Run with: ``uvicorn bench.floor_app:app`` and ``DISCORD_PUBLIC_KEY`` set.
"""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

_KEY = VerifyKey(bytes.fromhex(os.environ["DISCORD_PUBLIC_KEY"]))
_HEADERS = [(b"content-type", b"application/json")]


async def app(
    scope: MutableMapping[str, Any],
    receive: Callable[[], Awaitable[MutableMapping[str, Any]]],
    send: Callable[[MutableMapping[str, Any]], Awaitable[None]],
) -> None:
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    headers = dict(scope["headers"])
    try:
        _KEY.verify(
            headers.get(b"x-signature-timestamp", b"") + body,
            bytes.fromhex(headers.get(b"x-signature-ed25519", b"").decode()),
        )
        status, answer = 200, (b'{"type":1}' if json.loads(body)["type"] == 1 else b'{"type":5}')
    except (BadSignatureError, ValueError):
        status, answer = 401, b'{"error":"invalid signature"}'
    await send({"type": "http.response.start", "status": status, "headers": _HEADERS})
    await send({"type": "http.response.body", "body": answer})
