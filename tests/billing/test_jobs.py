"""The scheduled billing job (``encore.billing.jobs``): expire and renew on the injected clock, then
post the usage warnings still pending through Discord's REST API (the simulator), once each."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import aiohttp
import pytest

from encore.billing.jobs import run_jobs
from encore.billing.service import BillingService
from encore.billing.views import GuildSettingsPatch
from encore.db.database import Database
from encore.simulators.discord import DiscordSimulator
from encore.tiers import DEFAULT_TIERS
from tests.billing_support import ADMIN, SettableClock

TIERS = {**DEFAULT_TIERS, "free": replace(DEFAULT_TIERS["free"], tracks_per_period=5)}


@pytest.fixture
async def discord_sim() -> AsyncIterator[DiscordSimulator]:
    async with DiscordSimulator() as simulator:
        yield simulator


async def test_the_job_expires_trials_and_posts_each_pending_warning_once(
    database: Database, clock: SettableClock, discord_sim: DiscordSimulator
) -> None:
    billing = BillingService(database, clock, TIERS, cache_ttl_s=0)
    guild = discord_sim.add_guild(name="Jobs")
    channel = discord_sim.add_text_channel(guild.id, name="music")
    await billing.patch_settings(
        guild.id, GuildSettingsPatch(announce_channel_id=channel, language="fr"), ADMIN
    )
    for n in range(4):  # 4 of 5 tracks: the 80% warning, recorded but (no fleet here) not posted
        await billing.record_play(guild.id, f"Song {n} @everyone", f"https://example.com/{n}", None)
    other = discord_sim.add_guild(name="Trial").id
    trial = await billing.start_trial(other, "premium", ADMIN)
    assert trial.period_end is not None
    clock.now = trial.period_end
    clock.advance(seconds=1)

    async with aiohttp.ClientSession() as session:
        first = await run_jobs(
            billing,
            clock.now,
            session=session,
            api_base=discord_sim.api_base,
            bot_token=discord_sim.bot_token,
        )
        again = await run_jobs(
            billing,
            clock.now,
            session=session,
            api_base=discord_sim.api_base,
            bot_token=discord_sim.bot_token,
        )

    assert first.scheduled.trials_expired == 1
    assert (await billing.tier_of(other)).name == "free"
    assert first.warnings_posted == 1
    assert again.warnings_posted == 0
    assert again.scheduled.trials_expired == 0
    messages = discord_sim.channel_messages.messages(channel)
    assert [m["content"] for m in messages] == [
        "Ce serveur a utilisé 4 de ses 5 morceaux ce mois-ci (80 %). "
        "Passez à une offre supérieure avec `/premium` pour en écouter plus."
    ]
    assert messages[0]["allowed_mentions"] == {"parse": []}


async def test_without_a_bot_token_the_warnings_wait_for_the_next_run(
    database: Database, clock: SettableClock
) -> None:
    billing = BillingService(database, clock, TIERS, cache_ttl_s=0)
    for n in range(4):
        await billing.record_play(42, f"Song {n}", f"https://example.com/{n}", None)
    report = await run_jobs(billing, clock.now, session=None, api_base="http://unused", bot_token=None)
    assert report.warnings_pending
    assert [w.threshold for w in await billing.pending_usage_warnings()] == [80]
