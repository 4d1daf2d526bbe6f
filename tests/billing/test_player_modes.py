"""/247 and autoplay kept in the guild's settings: what the next fleet owner of the guild reads."""

from __future__ import annotations

import pytest

from encore.billing.errors import InvalidInputError
from encore.billing.preferences import StoredGuildSettings
from encore.billing.service import BillingService
from encore.billing.views import GuildSettingsPatch
from tests.billing_support import ADMIN

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
