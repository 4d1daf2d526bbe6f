"""The front's guild preferences from the stored settings, and the defaults when the database
cannot answer (the ACK must not wait on it)."""

from __future__ import annotations

from datetime import UTC, datetime

from encore.billing.service import BillingService
from encore.billing.views import GuildSettingsPatch
from encore.db.database import Database
from encore.guild_settings import GuildPreferences
from interactions.api.ports import Billing
from interactions.stored_prefs import StoredFrontSettings
from tests.billing_support import ADMIN, SettableClock, clock, database  # noqa: F401

GUILD = 92_000_000_000_000_001


async def test_the_front_reads_the_stored_settings(
    database: Database,  # noqa: F811
    clock: SettableClock,  # noqa: F811
) -> None:
    service = BillingService(database, clock)

    async def provide() -> Billing:
        return service

    await service.patch_settings(
        GUILD, GuildSettingsPatch(dj_role_id=7, language="pt-BR", genre_preferences=["jazz"]), ADMIN
    )
    prefs = await StoredFrontSettings(provide).get(GUILD)
    assert prefs == GuildPreferences(dj_role_id=7, language="pt-BR", genre_preferences=("jazz",))


async def test_a_database_that_cannot_answer_gives_the_defaults() -> None:
    unreachable = Database("postgresql+asyncpg://postgres@127.0.0.1:9/nowhere", pool_size=1, max_overflow=0)
    service = BillingService(unreachable, lambda: datetime.now(UTC))

    async def provide() -> Billing:
        return service

    try:
        assert await StoredFrontSettings(provide, timeout_s=5.0).get(GUILD) == GuildPreferences()
    finally:
        await unreachable.dispose()
