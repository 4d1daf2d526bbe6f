"""``DATABASE_READ_URL`` on PostgreSQL: the reads go to it, and every read the billing service does
there is read-only. The "replica" is the same server reached as a role that can only SELECT, in
read-only transactions: a write that slipped onto it fails loudly instead of going unnoticed."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from encore.billing.service import BillingService
from encore.billing.views import GuildSettingsPatch
from encore.db.database import Database
from tests.billing_support import ADMIN, POSTGRES_URL, SettableClock, _admin, drop_postgres, postgres_database


@pytest.fixture
async def replicated() -> AsyncIterator[tuple[Database, str]]:
    """A migrated schema whose reads go through a read-only role; the role's name."""
    primary, schema = await postgres_database(pool_size=2, max_overflow=0)
    role = f"replica_{uuid.uuid4().hex[:12]}"
    read_url = POSTGRES_URL.replace("postgres@", f"{role}@", 1)
    database = Database(POSTGRES_URL, read_url=read_url, schema=schema, pool_size=2, max_overflow=0)
    await primary.dispose()
    try:
        await _admin(f'CREATE ROLE "{role}" LOGIN')
        await _admin(f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"')
        await _admin(f'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO "{role}"')
        await _admin(f'ALTER ROLE "{role}" SET default_transaction_read_only = on')
        yield database, role
    finally:
        await drop_postgres(database, schema)
        await _admin(f'DROP ROLE IF EXISTS "{role}"')


async def test_reads_are_served_by_the_read_url_and_writes_by_the_primary(
    replicated: tuple[Database, str],
) -> None:
    database, role = replicated
    async with database.read_session() as session:
        assert (await session.execute(text("SELECT current_user"))).scalar_one() == role
        assert (await session.execute(text("SHOW transaction_read_only"))).scalar_one() == "on"
        with pytest.raises(DBAPIError, match="read-only transaction"):
            await session.execute(text("INSERT INTO guilds (id) VALUES (1)"))
    async with database.transaction() as session:
        assert (await session.execute(text("SELECT current_user"))).scalar_one() == "postgres"


async def test_the_billing_service_works_with_its_reads_on_a_read_only_replica(
    replicated: tuple[Database, str],
) -> None:
    database, _role = replicated
    clock = SettableClock()
    billing = BillingService(database, clock, cache_ttl_s=0)
    await billing.patch_settings(7, GuildSettingsPatch(announce_channel_id=70, language="fr"), ADMIN)
    await billing.start_trial(7, "premium", ADMIN)
    await billing.record_play(7, "Song", "https://example.com/song", None)

    assert (await billing.get_settings(7)).language == "fr"
    assert (await billing.get_subscription(7)).status == "trialing"
    assert (await billing.tier_of(7)).name == "premium"
    assert sum(m.used for m in (await billing.usage(7)).metrics) == 1
    assert (await billing.ledger(7)).items == []  # a trial costs nothing
    assert await billing.list_playlists(7) == []
    assert not (await billing.player_modes(7)).always_on
    clock.advance(days=40)
    report = await billing.run_scheduled(clock.now)
    assert report.trials_expired == 1
    assert (await billing.tier_of(7)).name == "free"
