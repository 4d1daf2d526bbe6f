"""Discord's webhook events (HTTP): signed POSTs of PING (type 0) and events (type 1) to the app.

The body is ``{"version": 1, "application_id", "type": 0}`` for PING, and for an event
``{"version": 1, "application_id", "type": 1, "event": {"type": "ENTITLEMENT_CREATE",
"timestamp", "data": {...}}}``. Each POST is signed like an interaction (``X-Signature-Ed25519``
over ``X-Signature-Timestamp`` + body, the application's key). Discord expects ``204`` within
3 seconds; anything else counts as a failed delivery (Discord retries with backoff).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Final

import aiohttp

from .interactions import Signer

__all__ = [
    "ENTITLEMENT_EVENTS",
    "EVENT_DEADLINE",
    "WebhookEventExchange",
    "deliver_webhook_event",
    "event_payload",
    "ping_event_payload",
]

EVENT_DEADLINE: Final = 3.0
ENTITLEMENT_EVENTS: Final = frozenset({"ENTITLEMENT_CREATE", "ENTITLEMENT_UPDATE", "ENTITLEMENT_DELETE"})

Json = dict[str, Any]


@dataclass
class WebhookEventExchange:
    """One webhook event POSTed to the app and what came back."""

    payload: Json
    status: int | None = None  #: None: no answer in time
    body: bytes = b""
    elapsed: float = 0.0
    error: str | None = None

    @property
    def delivered(self) -> bool:
        """What Discord counts as delivered: 204 within the deadline."""
        return self.error is None and self.status == 204


def ping_event_payload(application_id: int) -> Json:
    return {"version": 1, "application_id": str(application_id), "type": 0}


def event_payload(application_id: int, event_type: str, data: Json, timestamp: str) -> Json:
    return {
        "version": 1,
        "application_id": str(application_id),
        "type": 1,
        "event": {"type": event_type, "timestamp": timestamp, "data": data},
    }


async def deliver_webhook_event(
    *,
    session: aiohttp.ClientSession,
    url: str,
    signer: Signer,
    payload: Json,
    timestamp: str,
    timeout: float = EVENT_DEADLINE,
    tamper_signature: bool = False,
) -> WebhookEventExchange:
    """Sign and POST one event; judge it as Discord would."""
    exchange = WebhookEventExchange(payload=payload)
    body = json.dumps(payload, separators=(",", ":")).encode()
    headers = signer.headers(body, timestamp)
    headers["User-Agent"] = "Discord-Webhook/1.0 (+https://discord.com)"
    if tamper_signature:
        signature = headers["X-Signature-Ed25519"]
        headers["X-Signature-Ed25519"] = ("0" if signature[0] != "0" else "1") + signature[1:]
    started = time.perf_counter()
    try:
        async with session.post(
            url, data=body, headers=headers, timeout=aiohttp.ClientTimeout(total=timeout)
        ) as response:
            exchange.status = response.status
            exchange.body = await response.read()
    except TimeoutError:
        exchange.error = f"no answer within {timeout:.2f} s"
    except aiohttp.ClientError as exc:
        exchange.error = f"request failed: {exc!r}"
    exchange.elapsed = time.perf_counter() - started
    if exchange.error is None and exchange.elapsed > timeout:
        exchange.error = f"answered after {exchange.elapsed:.2f} s (deadline {timeout} s)"
    return exchange
