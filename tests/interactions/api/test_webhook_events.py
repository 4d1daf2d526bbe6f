"""Discord's webhook events: verified like interactions, PING answered 204, entitlement events
applied once however often Discord redelivers them -- and they change what the guild may do.

(Entitlements carried inside an interaction count at once without any of this: see
tests/interactions/test_front_commands.py::test_premium_feature_needs_the_subscription.)
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import uvicorn

from tests.interactions.api.conftest import GUILD_A, PREMIUM_SKU, Api
from tests.ports import free_port

PATH = "/discord/webhook-events"
ENTITLEMENT_ID = 1_400_000_000_000_000_001


def entitlement_event(event_type: str, *, deleted: bool = False) -> dict[str, Any]:
    return {
        "version": 1,
        "application_id": "1000000000000000001",
        "type": 1,
        "event": {
            "type": event_type,
            "timestamp": "2026-03-01T12:00:00.000000",
            "data": {
                "id": str(ENTITLEMENT_ID),
                "sku_id": str(PREMIUM_SKU),
                "application_id": "1000000000000000001",
                "guild_id": str(GUILD_A),
                "type": 8,
                "deleted": deleted,
                "starts_at": None,
                "ends_at": None,
                "consumed": False,
            },
        },
    }


async def deliver(api: Api, payload: Any, *, headers: dict[str, str] | None = None) -> httpx.Response:
    body = json.dumps(payload).encode()
    return await api.client.post(PATH, content=body, headers=headers or api.signer.headers(body))


async def tier(api: Api) -> str:
    answer = await api.get(f"/api/v1/guilds/{GUILD_A}/subscription")
    value: str = answer.json()["tier"]
    return value


async def test_a_signed_ping_is_204(api: Api) -> None:
    answer = await deliver(api, {"version": 1, "application_id": "1", "type": 0})
    assert answer.status_code == 204
    assert answer.content == b""


async def test_bad_or_stale_signatures_are_401(api: Api) -> None:
    body = json.dumps({"version": 1, "application_id": "1", "type": 0}).encode()
    headers = api.signer.headers(body)
    tampered = {**headers, "X-Signature-Ed25519": "0" * 128}
    stale = api.signer.headers(body, timestamp=int(time.time()) - 3600)
    for bad in (tampered, stale, {"Content-Type": "application/json"}):
        answer = await api.client.post(PATH, content=body, headers=bad)
        assert answer.status_code == 401
        assert answer.headers["content-type"] == "application/problem+json"


async def test_malformed_events_are_400(api: Api) -> None:
    for payload in ("not an object", {"type": 7}, {"version": 1, "application_id": "1", "type": 1}):
        answer = await deliver(api, payload)
        assert answer.status_code == 400, answer.text
        assert answer.json()["status"] == 400
    broken = entitlement_event("ENTITLEMENT_CREATE")
    broken["event"]["data"]["sku_id"] = "not a snowflake"
    assert (await deliver(api, broken)).status_code == 400


async def test_entitlement_events_apply_once_and_unlock_premium(api: Api) -> None:
    assert await tier(api) == "free"
    for _ in range(2):  # Discord redelivers: the second one changes nothing
        assert (await deliver(api, entitlement_event("ENTITLEMENT_CREATE"))).status_code == 204
    assert await tier(api) == "premium"
    assert api.webhook_metrics.total("WebhookEvents", EventType="ENTITLEMENT_CREATE") == 2
    assert (await api.interaction("247"))["type"] == 5  # the premium command is let through
    assert (await deliver(api, entitlement_event("ENTITLEMENT_DELETE", deleted=True))).status_code == 204
    assert await tier(api) == "free"


async def test_other_event_types_are_acknowledged_and_ignored(api: Api) -> None:
    event = {"version": 1, "application_id": "1", "type": 1, "event": {"type": "APPLICATION_AUTHORIZED"}}
    assert (await deliver(api, event)).status_code == 204
    assert await tier(api) == "free"


async def test_the_simulators_events_over_http_are_verified_and_applied(api: Api) -> None:
    """Discord's side (the simulator, signing with the application's key) against the front on a port."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(api.app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            await asyncio.sleep(0.01)
        url = f"http://127.0.0.1:{port}{PATH}"
        ping = await api.sim.send_webhook_ping(url=url)
        forged = await api.sim.send_webhook_ping(url=url, tamper_signature=True)
        entitlement = api.sim.create_test_entitlement(PREMIUM_SKU, guild_id=GUILD_A)
        created = await api.sim.send_entitlement_event("ENTITLEMENT_CREATE", entitlement, url=url)
    finally:
        server.should_exit = True
        await serving
    assert ping.delivered
    assert forged.status == 401
    assert created.delivered
    assert await tier(api) == "premium"
