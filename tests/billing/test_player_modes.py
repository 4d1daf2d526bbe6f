"""/247 and autoplay kept in the guild's settings: what the next fleet owner of the guild reads."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from encore.billing.errors import InvalidInputError
from encore.billing.preferences import StoredGuildSettings
from encore.billing.service import BillingService
from encore.billing.views import GuildSettingsPatch
from encore.db.database import Database
from encore.db.models import AuditEntry
from tests.billing_support import ADMIN, SettableClock

GUILD = 81_000_000_000_000_001
CHANNEL = 81_000_000_000_000_002


async def test_player_modes_survive_a_new_reader(billing: BillingService) -> None:
    writer = StoredGuildSettings(billing)
    await writer.set_always_on(GUILD, True)
    await writer.set_autoplay(GUILD, CHANNEL)
    # Another fleet task (a new reader, nothing cached) sees both.
    prefs = await StoredGuildSettings(billing).get(GUILD)
    assert prefs.always_on
    assert prefs.autoplay_channel_id == CHANNEL
    await writer.set_autoplay(GUILD, None)
    await writer.set_always_on(GUILD, False)
    prefs = await StoredGuildSettings(billing).get(GUILD)
    assert not prefs.always_on
    assert prefs.autoplay_channel_id is None


async def test_a_writer_sees_its_own_change_at_once_and_settings_are_kept(billing: BillingService) -> None:
    await billing.patch_settings(GUILD, GuildSettingsPatch(genre_preferences=["jazz", "lofi"]), ADMIN)
    reader = StoredGuildSettings(billing)
    assert not (await reader.get(GUILD)).always_on  # now cached
    await reader.set_always_on(GUILD, True)
    prefs = await reader.get(GUILD)
    assert prefs.always_on
    assert prefs.genre_preferences == ("jazz", "lofi")
    settings = await billing.get_settings(GUILD)
    assert settings.genre_preferences == ["jazz", "lofi"]


async def test_autoplay_on_needs_its_channel(billing: BillingService) -> None:
    with pytest.raises(InvalidInputError):
        await billing.set_player_modes(GUILD, ADMIN, autoplay=True)
    assert (await billing.player_modes(GUILD)).autoplay_channel_id is None


async def _mode_audits(database: Database, guild_id: int) -> list[AuditEntry]:
    async with database.read_session() as session:
        stmt = select(AuditEntry).where(
            AuditEntry.guild_id == guild_id, AuditEntry.action == "settings.player_modes"
        )
        return list((await session.execute(stmt.order_by(AuditEntry.id))).scalars())


async def test_an_expired_trial_turns_24_7_and_autoplay_off(
    billing: BillingService, clock: SettableClock, database: Database
) -> None:
    """The guild lost premium: the scheduled job turns the premium player modes off (audited, by the
    system), so no fleet task keeps the bot in voice for a free guild."""
    await billing.start_trial(GUILD, "premium", ADMIN)
    await billing.set_player_modes(GUILD, ADMIN, always_on=True, autoplay=True, autoplay_channel_id=CHANNEL)
    await billing.run_scheduled(clock.advance(days=1))  # still trialing: nothing changes
    assert (await billing.player_modes(GUILD)).always_on

    report = await billing.run_scheduled(clock.advance(days=30))
    assert report.trials_expired == 1
    modes = await billing.player_modes(GUILD)
    assert (modes.always_on, modes.autoplay_channel_id) == (False, None)
    cleared = (await _mode_audits(database, GUILD))[-1]
    assert (cleared.actor_id, cleared.actor_kind) == ("scheduler", "system")
    assert (cleared.before or {}).get("always_on") is True
    assert (cleared.after or {}).get("always_on") is False


async def test_a_downgrade_keeps_the_modes_its_new_tier_allows(
    billing: BillingService, clock: SettableClock, database: Database
) -> None:
    """Pro down to premium at the period's end: premium has 24/7, so it stays on; a renewal too."""
    await billing.change_plan(GUILD, "pro", "now", ADMIN)
    await billing.set_player_modes(GUILD, ADMIN, always_on=True)
    await billing.change_plan(GUILD, "premium", "period_end", ADMIN)
    report = await billing.run_scheduled(clock.advance(days=30))
    assert report.downgraded == 1
    assert (await billing.player_modes(GUILD)).always_on
    assert [a.actor_id for a in await _mode_audits(database, GUILD)] == ["user:42"]  # only ours


async def test_canceling_now_turns_24_7_off_at_once(billing: BillingService) -> None:
    await billing.change_plan(GUILD, "premium", "now", ADMIN)
    await billing.set_player_modes(GUILD, ADMIN, always_on=True)
    await billing.cancel(GUILD, ADMIN, at_period_end=False)
    assert (await billing.tier_of(GUILD)).name == "free"
    assert not (await billing.player_modes(GUILD)).always_on


async def test_the_fleets_reader_counts_the_modes_only_while_the_tier_allows_them(
    billing: BillingService,
) -> None:
    """Stored on, but the guild is free (premium lost before the job ran): the fleet reads both off."""
    await billing.set_player_modes(GUILD, ADMIN, always_on=True, autoplay=True, autoplay_channel_id=CHANNEL)
    reader = StoredGuildSettings(billing, ttl_s=0, tier_of=billing.tier_of)
    prefs = await reader.get(GUILD)
    assert (prefs.always_on, prefs.autoplay_channel_id) == (False, None)
    await billing.start_trial(GUILD, "premium", ADMIN)
    prefs = await reader.get(GUILD)
    assert (prefs.always_on, prefs.autoplay_channel_id) == (True, CHANNEL)
