"""The fleet's tier of a guild: the better of the interaction's entitlements and the stored billing,
and the entitlements alone (counted as a database error) when the database cannot answer."""

from __future__ import annotations

from datetime import UTC, datetime

from audio_fleet.tier_lookup import StoredTiers
from encore.billing.service import BillingService
from encore.db.database import Database
from encore.envelope import CommandEnvelope, EntitlementRef
from encore.metrics import RecordingSink
from tests.billing_support import ADMIN, SettableClock, clock, database  # noqa: F401
from tests.factories import command_envelope

GUILD = 91_000_000_000_000_001
SKU = 777_000_000_000_000_002


def envelope(*, entitled: bool = False) -> CommandEnvelope:
    base = command_envelope(1, guild_id=GUILD)
    grants = (EntitlementRef(id=5, sku_id=SKU, ends_at=None),) if entitled else ()
    return base.model_copy(update={"entitlements": grants})


async def test_the_better_of_stored_and_carried_counts(
    database: Database,  # noqa: F811
    clock: SettableClock,  # noqa: F811
) -> None:
    billing = BillingService(database, clock, cache_ttl_s=0)
    tiers = StoredTiers(billing.tier_of, {SKU: "premium"})
    assert (await tiers(envelope())).name == "free"
    assert (await tiers(envelope(entitled=True))).name == "premium"
    await billing.start_trial(GUILD, "pro", ADMIN)
    assert (await tiers(envelope())).name == "pro"
    assert (await tiers(envelope(entitled=True))).name == "pro"


async def test_a_database_that_cannot_answer_leaves_the_entitlements_to_decide() -> None:
    unreachable = Database("postgresql+asyncpg://postgres@127.0.0.1:9/nowhere", pool_size=1, max_overflow=0)
    billing = BillingService(unreachable, lambda: datetime.now(UTC), cache_ttl_s=0)
    sink = RecordingSink()
    tiers = StoredTiers(billing.tier_of, {SKU: "premium"}, metrics=sink, timeout_s=5.0)
    try:
        assert (await tiers(envelope(entitled=True))).name == "premium"
        assert (await tiers(envelope())).name == "free"
    finally:
        await unreachable.dispose()
    assert sink.total("DatabaseErrors") == 2


async def test_without_an_interaction_the_stored_tier_and_the_last_entitlements_count(
    database: Database,  # noqa: F811
    clock: SettableClock,  # noqa: F811
) -> None:
    """What a leaving player or a finished queue asks: the stored tier, or better what the guild's
    last interaction carried (a purchase not stored yet); a later interaction without it replaces it."""
    billing = BillingService(database, clock, cache_ttl_s=0)
    tiers = StoredTiers(billing.tier_of, {SKU: "premium"})
    assert (await tiers.of_guild(GUILD)).name == "free"
    await tiers(envelope(entitled=True))
    assert (await tiers.of_guild(GUILD)).name == "premium"
    await tiers(envelope())
    assert (await tiers.of_guild(GUILD)).name == "free"
    await billing.start_trial(GUILD, "pro", ADMIN)
    assert (await tiers.of_guild(GUILD)).name == "pro"
