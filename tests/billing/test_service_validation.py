"""The billing service checks what callers other than the REST API (the fleet, the CLI) hand it:
bad input is a clear error and nothing is stored; a tier with no allowance reads as fully used."""

from __future__ import annotations

from dataclasses import replace

import pytest

from encore.billing.errors import InvalidInputError
from encore.billing.runtime import open_billing
from encore.billing.service import BillingService
from encore.billing.views import GuildSettingsPatch, TrackInput
from encore.db.database import Database, DatabaseUnavailableError
from encore.settings import load_settings
from encore.tiers import DEFAULT_TIERS
from tests.billing_support import ADMIN, SettableClock
from tests.ports import free_port

GUILD = 1_100_000_000_000_000_000


async def test_a_blank_or_overlong_genre_is_refused_and_the_settings_stay(billing: BillingService) -> None:
    await billing.patch_settings(GUILD, GuildSettingsPatch(genre_preferences=["jazz"]), ADMIN)
    for genre in ("", "x" * 33):
        with pytest.raises(InvalidInputError, match="Each genre must be 1 to 32 characters"):
            await billing.patch_settings(GUILD, GuildSettingsPatch(genre_preferences=[genre]), ADMIN)
    assert (await billing.get_settings(GUILD)).genre_preferences == ["jazz"]


async def test_adding_no_tracks_or_too_many_at_once_is_refused(billing: BillingService) -> None:
    playlist = await billing.create_playlist(GUILD, "Mix", ADMIN)
    track = TrackInput(title="Song", uri="https://example.com/song", duration_ms=1000)
    for tracks in ([], [track] * 101):
        with pytest.raises(InvalidInputError, match="Add 1 to 100 tracks at a time"):
            await billing.add_playlist_tracks(GUILD, playlist.id, tracks, ADMIN)
    assert (await billing.get_playlist(GUILD, playlist.id)).tracks == []


async def test_a_tier_without_playlists_reads_as_fully_used(database: Database, clock: SettableClock) -> None:
    tiers = {**DEFAULT_TIERS, "free": replace(DEFAULT_TIERS["free"], playlists=0)}
    billing = BillingService(database, clock, tiers, cache_ttl_s=0)
    usage = await billing.usage(GUILD)
    assert {m.name: m.percent for m in usage.metrics}["playlists"] == 100


async def test_opening_billing_on_an_unreachable_database_names_it() -> None:
    unreachable = Database(f"postgresql+asyncpg://encore:s3cret@127.0.0.1:{free_port()}/encore")
    settings = load_settings(database_url=unreachable.url)
    with pytest.raises(DatabaseUnavailableError, match=r"DATABASE_URL: .*encore:\*\*\*@127\.0\.0\.1"):
        await open_billing(settings, migrate=True)
    with pytest.raises(DatabaseUnavailableError):
        await open_billing(settings, database=unreachable, migrate=True)
    await unreachable.dispose()  # the caller's database is left to the caller to close
