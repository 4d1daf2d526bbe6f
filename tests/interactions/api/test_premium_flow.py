"""The whole premium story at the HTTP level: a guild admin starts a trial and pays through the
API, the front lets the premium-only command through, the admin cancels, and once the period is
over (the scheduled job ran) the command is refused again with the upgrade prompt."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from encore.billing.service import BillingService
from encore.db.database import Database
from encore.queue.memory import InMemoryQueue
from encore.routing import ShardLayout
from interactions.api.ports import Billing
from interactions.core import InteractionsCore
from interactions.services import FrontServices
from interactions.signature import SignatureVerifier
from tests.interactions.api.conftest import GUILD_A, PREMIUM_SKU, Api
from tests.ports import free_port
from tests.signing import DiscordSigner, play_interaction

BASE = f"/api/v1/guilds/{GUILD_A}"
PROMPT = "That needs Premium. Use `/premium upgrade` to unlock it."
DEFERRED = 5


async def test_trial_upgrade_cancel_and_gated_again_after_the_period(api: Api) -> None:
    admin = api.manager_of(GUILD_A)
    refused = await api.interaction("247")
    assert refused["data"]["content"] == PROMPT

    trial = await api.post(f"{BASE}/subscription/trial", {"tier": "premium"}, headers={**admin, **api.key()})
    assert trial.status_code == 200, trial.text
    assert trial.json()["status"] == "trialing"

    upgrade = await api.post(
        f"{BASE}/subscription/change", {"tier": "premium", "when": "now"}, headers={**admin, **api.key()}
    )
    assert upgrade.status_code == 200, upgrade.text
    assert upgrade.json()["subscription"]["status"] == "active"
    assert (await api.billing.tier_of(GUILD_A)).name == "premium"
    assert (await api.interaction("247"))["type"] == DEFERRED  # through the gate, to the fleet

    cancel = await api.post(f"{BASE}/subscription/cancel", {}, headers={**admin, **api.key()})
    assert cancel.status_code == 200, cancel.text
    assert cancel.json()["cancel_at_period_end"] is True
    assert (await api.interaction("247"))["type"] == DEFERRED  # paid until the period ends

    period_end = datetime.fromisoformat(cancel.json()["period_end"])
    api.clock.now = period_end
    api.clock.advance(seconds=1)
    await api.billing.run_scheduled(api.clock.now)

    after = await api.get(f"{BASE}/subscription", headers=admin)
    assert after.json()["tier"] == "free"
    gated = await api.interaction("247")
    assert gated["data"]["content"] == PROMPT


async def test_when_the_database_cannot_say_the_interactions_entitlements_decide(
    signer: DiscordSigner,
) -> None:
    """The stored tier is unreachable (no PostgreSQL there): premium still works for a guild whose
    interaction carries its Discord subscription, and the rest get the prompt, not an error."""
    unreachable = Database(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/none")
    service = BillingService(unreachable, lambda: datetime.now(UTC), cache_ttl_s=0)

    async def billing() -> Billing:
        return service

    services = FrontServices(
        queue=InMemoryQueue(ShardLayout()), sku_tiers={PREMIUM_SKU: "premium"}, billing=billing
    )
    core = InteractionsCore(SignatureVerifier(signer.public_key_hex), services)

    async def run(entitlements: list[dict[str, Any]]) -> dict[str, Any]:
        payload = play_interaction(interaction_id=1_180_000_000_000_000_000 + len(entitlements))
        payload["data"] = {"id": "1", "name": "247", "type": 1, "options": []}
        payload["entitlements"] = entitlements
        body = json.dumps(payload).encode()
        headers = signer.headers(body)
        answer = await core.handle(body, headers["X-Signature-Ed25519"], headers["X-Signature-Timestamp"])
        assert answer.status == 200
        return answer.body

    try:
        assert (await run([]))["data"]["content"] == PROMPT
        subscribed = [{"id": "1400000000000000001", "sku_id": str(PREMIUM_SKU), "type": 8}]
        assert (await run(subscribed))["type"] == DEFERRED
    finally:
        await unreachable.dispose()
