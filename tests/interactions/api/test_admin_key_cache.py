"""The admin-key cache is bounded: a flood of wrong keys pushes the oldest verdicts out, so memory
stays flat and a revoked key is not kept alive by the cache."""

from __future__ import annotations

from encore.billing.admin_keys import AdminKeys
from interactions.api.wiring import MAX_CACHED_KEYS, DatabaseAdminKeys
from tests.interactions.api.conftest import Api


async def test_a_flood_of_wrong_keys_evicts_the_oldest_verdicts(api: Api) -> None:
    keys = AdminKeys(api.billing_database, api.clock)
    created = await keys.create("leaver", ["billing:read"])
    verifier = DatabaseAdminKeys(lambda: api.billing_database, monotonic=lambda: 0.0)  # the TTL never ends
    assert await verifier.verify(created.plaintext) is not None
    assert await keys.revoke(created.key.id)
    assert await verifier.verify(created.plaintext) is not None  # still the remembered verdict

    for n in range(MAX_CACHED_KEYS):
        assert await verifier.verify(f"not-a-key-{n}") is None

    assert await verifier.verify(created.plaintext) is None  # pushed out: asked the database again
