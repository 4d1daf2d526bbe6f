"""The scheduled billing job (``encore.billing.jobs``): expire and renew on the injected clock, then
post the usage warnings still pending through Discord's REST API (the simulator), once each."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest

from encore.billing.jobs import handler, run_jobs
from encore.billing.service import BillingService
from encore.billing.views import GuildSettingsPatch
from encore.db.database import Database
from encore.db.migrate import upgrade
from encore.simulators.discord import DiscordSimulator
from encore.tiers import DEFAULT_TIERS
from tests.billing_support import ADMIN, SettableClock
from tests.ports import free_port

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


async def test_while_discord_is_down_the_warnings_stay_pending_and_the_report_says_so(
    database: Database, clock: SettableClock, discord_sim: DiscordSimulator
) -> None:
    billing = BillingService(database, clock, TIERS, cache_ttl_s=0)
    guild = discord_sim.add_guild(name="Outage")
    channel = discord_sim.add_text_channel(guild.id, name="music")
    await billing.patch_settings(guild.id, GuildSettingsPatch(announce_channel_id=channel), ADMIN)
    for n in range(4):
        await billing.record_play(guild.id, f"Song {n}", f"https://example.com/{n}", None)
    discord_sim.faults.server_error("/messages", count=1, status=503)

    async with aiohttp.ClientSession() as session:
        down = await run_jobs(
            billing,
            clock.now,
            session=session,
            api_base=discord_sim.api_base,
            bot_token=discord_sim.bot_token,
        )
        assert (down.warnings_posted, down.warnings_pending) == (0, True)
        assert [w.threshold for w in await billing.pending_usage_warnings()] == [80]
        assert discord_sim.channel_messages.messages(channel) == []

        back = await run_jobs(
            billing,
            clock.now,
            session=session,
            api_base=discord_sim.api_base,
            bot_token=discord_sim.bot_token,
        )
    assert (back.warnings_posted, back.warnings_pending) == (1, False)
    assert await billing.pending_usage_warnings() == []
    assert len(discord_sim.channel_messages.messages(channel)) == 1


async def test_a_warning_for_a_guild_without_an_announce_channel_is_not_kept_pending(
    database: Database, clock: SettableClock, discord_sim: DiscordSimulator
) -> None:
    billing = BillingService(database, clock, TIERS, cache_ttl_s=0)
    for n in range(4):
        await billing.record_play(77, f"Song {n}", f"https://example.com/{n}", None)
    async with aiohttp.ClientSession() as session:
        report = await run_jobs(
            billing,
            clock.now,
            session=session,
            api_base=discord_sim.api_base,
            bot_token=discord_sim.bot_token,
        )
    # nowhere to post it: the REST usage view shows it, and no run retries it forever
    assert (report.warnings_posted, report.warnings_pending) == (1, False)
    assert await billing.pending_usage_warnings() == []


def test_the_scheduled_lambda_reports_the_warnings_discord_did_not_take(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'jobs.db'}"

    async def seed() -> None:
        database = Database(url)
        try:
            await upgrade(database)
            # now: the job closes past usage periods, and their warnings with them
            billing = BillingService(database, SettableClock(datetime.now(UTC)), TIERS, cache_ttl_s=0)
            await billing.patch_settings(9, GuildSettingsPatch(announce_channel_id=900), ADMIN)
            for n in range(4):
                await billing.record_play(9, f"Song {n}", f"https://example.com/{n}", None)
        finally:
            await database.dispose()

    asyncio.run(seed())
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DISCORD_BOT_TOKEN", "token")
    monkeypatch.setenv("DISCORD_API_BASE", f"http://127.0.0.1:{free_port()}/api/v10")  # Discord unreachable
    root = logging.getLogger()
    monkeypatch.setattr(root, "level", root.level)  # the handler sets the level from the settings

    report = handler({}, None)

    assert report["warnings_posted"] == 0
    assert report["warnings_pending"] is True
    assert report["scheduled"]["expired"] == 0
