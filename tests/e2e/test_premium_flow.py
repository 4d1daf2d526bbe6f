"""Premium, end to end through the fleet path, on the real PostgreSQL: a guild admin starts a trial
and upgrades through the REST API, a premium-only command then works from the signed interaction
through the front, the queue and the fleet to the Lavalink simulator's player; after cancelling and
the period's end (the scheduled job ran, on the injected clock) it is refused again with the upgrade
prompt and Discord's premium button. Also: ENCORE_TIERS reaches the front's and the fleet's
decisions, every track start is counted, and usage warnings reach the announce channel once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from encore.billing.service import BillingService
from encore.command_line import parse_command_line
from encore.commands import CATALOGUE
from encore.db.database import Database
from encore.settings import load_settings
from encore.simulators.discord.oauth2 import UserGuild
from encore_cli.sandbox import Sandbox, discord_options
from tests.billing_support import ADMIN, SettableClock, drop_postgres, postgres_database

RICK = "/play query:never gonna give you up"
NIGHTCORE = "/filter preset:nightcore"
PREMIUM_SKU = 777_000_000_000_000_002
BUTTON = [{"type": 1, "components": [{"type": 2, "style": 6, "sku_id": str(PREMIUM_SKU)}]}]
PROMPT = "That needs {tier}. Use `/premium upgrade` to unlock it."
APPLIED = "Applied the **Nightcore** effect. Use `/filter preset:Off` to remove it."
MANAGE_GUILD = 1 << 5
DEFERRED, ANSWERED = 5, 4


@pytest.fixture
async def pg() -> AsyncIterator[Database]:
    database, schema = await postgres_database(pool_size=5, max_overflow=0)
    yield database
    await drop_postgres(database, schema)


class Stack:
    """The sandbox on a billing service over ``pg``, and a REST client as the guild's admin."""

    def __init__(
        self, pg: Database, clock: SettableClock, tiers_json: str | None = None, **overrides: Any
    ) -> None:
        overrides["encore_sku_tiers"] = {PREMIUM_SKU: "premium"}
        if tiers_json is not None:
            overrides["encore_tiers"] = tiers_json
        tiers = load_settings(encore_tiers=tiers_json).tiers
        self.clock = clock
        self.billing = BillingService(pg, clock, tiers, {PREMIUM_SKU: "premium"}, cache_ttl_s=0)
        self.sandbox = Sandbox(settings_overrides=overrides, billing=self.billing)
        self.http: httpx.AsyncClient | None = None
        self.admin: dict[str, str] = {}
        self._keys = 0

    async def __aenter__(self) -> Stack:
        await self.sandbox.start()
        base = self.sandbox.front_url.removesuffix("/interactions")
        self.http = httpx.AsyncClient(base_url=f"{base}/api/v1/guilds/{self.sandbox.guild_id}")
        grant = self.sandbox.discord.mint_user_token([UserGuild(self.sandbox.guild_id, MANAGE_GUILD)])
        self.admin = {"Authorization": f"Bearer {grant.access_token}"}
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.http is not None:
            await self.http.aclose()
        await self.sandbox.close()

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        assert self.http is not None
        self._keys += 1
        headers = {**self.admin, "Idempotency-Key": f"e2e-{self._keys}"}
        response = await self.http.post(path, json=body, headers=headers)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    async def patch_settings(self, body: dict[str, Any]) -> None:
        assert self.http is not None
        response = await self.http.patch("/settings", json=body, headers=self.admin)
        assert response.status_code == 200, response.text

    async def run(self, line: str) -> tuple[int, dict[str, Any]]:
        """Type ``line`` as the sandbox user: (the front's answer type, the message the user sees)."""
        box = self.sandbox
        typed = parse_command_line(line, CATALOGUE)
        exchange = await box.discord.send_slash_command(
            box.guild_id, box.text_channel_id, box.user_id, typed.name, discord_options(typed)
        )
        body = exchange.body or {}
        if body.get("type") == ANSWERED:
            return ANSWERED, dict(body.get("data") or {})
        assert body.get("type") == DEFERRED, body
        message = await box.discord.wait_for_original_edit(exchange.token)
        assert message.get("allowed_mentions") == {"parse": []}, message
        return DEFERRED, message

    def timescale(self) -> dict[str, Any] | None:
        player = self.sandbox.lavalink.player(self.sandbox.guild_id)
        assert player is not None
        timescale: dict[str, Any] | None = player.filters.get("timescale")
        return timescale


async def eventually(check: Callable[[], bool], timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.02)


async def test_trial_upgrade_cancel_and_gated_again_through_the_fleet(pg: Database) -> None:
    clock = SettableClock()
    async with Stack(pg, clock) as stack:
        guild = stack.sandbox.guild_id
        kind, played = await stack.run(RICK)
        assert played["content"].startswith("Now playing **Never Gonna Give You Up**")

        # Free: the fleet refuses the effect with the prompt and the premium button; the front
        # refuses /247 the same way.
        kind, refused = await stack.run(NIGHTCORE)
        assert (kind, refused["content"]) == (DEFERRED, PROMPT.format(tier="Premium"))
        assert refused["components"] == BUTTON
        assert stack.timescale() is None
        kind, front_refused = await stack.run("/247")
        assert (kind, front_refused["content"]) == (ANSWERED, PROMPT.format(tier="Premium"))
        assert front_refused["components"] == BUTTON

        trial = await stack.post("/subscription/trial", {"tier": "premium"})
        assert trial["status"] == "trialing"
        upgraded = await stack.post("/subscription/change", {"tier": "premium", "when": "now"})
        assert upgraded["subscription"]["status"] == "active"

        # Premium (stored in the database, no entitlement in the interaction): it plays.
        kind, applied = await stack.run(NIGHTCORE)
        assert applied["content"] == APPLIED
        assert stack.timescale() == {"speed": 1.25, "pitch": 1.25, "rate": 1.0}
        kind, always_on = await stack.run("/247")
        assert kind == DEFERRED
        assert always_on["content"].startswith("24/7 is on")
        assert (await stack.billing.player_modes(guild)).always_on  # kept for the next fleet owner

        canceled = await stack.post("/subscription/cancel", {})
        assert canceled["cancel_at_period_end"] is True
        await stack.run("/filter preset:off")
        kind, still = await stack.run(NIGHTCORE)  # paid until the period ends
        assert still["content"].startswith("Applied the **Nightcore** effect")

        stack.clock.now = stack.clock.now.fromisoformat(canceled["period_end"])
        stack.clock.advance(seconds=1)
        report = await stack.billing.run_scheduled(stack.clock.now)
        assert report.canceled + report.expired == 1
        await stack.run("/filter preset:off")
        kind, gated = await stack.run(NIGHTCORE)
        assert (kind, gated["content"]) == (DEFERRED, PROMPT.format(tier="Premium"))
        assert gated["components"] == BUTTON
        assert stack.timescale() is None
        kind, front_gated = await stack.run("/247")
        assert (kind, front_gated["content"]) == (ANSWERED, PROMPT.format(tier="Premium"))

        usage = await stack.billing.usage(guild)
        assert [m.used for m in usage.metrics if m.name == "tracks"] == [1]  # the one /play


GOLD_TIERS = json.dumps(
    {
        "free": {"features": ["filters"], "tracks_per_period": 2, "volume_cap": 80},
        "premium": {"display_name": "Gold", "price_minor": 599},
    }
)


async def test_encore_tiers_reach_the_front_the_fleet_and_the_usage_warnings(pg: Database) -> None:
    clock = SettableClock()
    async with Stack(pg, clock, GOLD_TIERS) as stack:
        box = stack.sandbox
        await stack.patch_settings({"announce_channel_id": box.text_channel_id})
        await stack.run(RICK)
        # Free here allows effects (fleet), not 24/7 (front), and caps the volume at 80 (fleet).
        kind, applied = await stack.run(NIGHTCORE)
        assert applied["content"].startswith("Applied the **Nightcore** effect")
        kind, refused = await stack.run("/247")
        assert (kind, refused["content"]) == (ANSWERED, PROMPT.format(tier="Gold"))
        kind, autoplay = await stack.run("/autoplay mode:on")
        assert (kind, autoplay["content"]) == (DEFERRED, PROMPT.format(tier="Gold"))
        assert autoplay["components"] == BUTTON
        kind, loud = await stack.run("/volume level:90")
        assert loud["content"].startswith("This server's plan allows a volume up to 80%.")
        # The price reaches billing: the upgrade is charged 5.99 a period, prorated.
        await stack.post("/subscription/trial", {"tier": "premium"})
        change = await stack.post("/subscription/change", {"tier": "premium", "when": "now"})
        assert change["net_minor"] == 599

        # Two plays of the free quota of 2 -> the 80% and the 100% warnings, each posted once.
        await stack.post("/subscription/cancel", {"at_period_end": False})
        await stack.run("/play query:10 hours of rain sounds")
        await stack.run("/skip")

        def posted() -> list[dict[str, Any]]:
            return [
                m
                for m in box.discord.channel_messages.messages(box.text_channel_id)
                if str(m.get("content", "")).startswith("This server has used")
            ]

        await eventually(lambda: len(posted()) >= 2)
        assert [m["content"] for m in posted()] == [
            "This server has used 2 of its 2 tracks this month (80%). Upgrade with `/premium` to play more.",
            "This server has used all 2 of its tracks this month. Upgrade with `/premium` to keep playing.",
        ]
        assert all(m["allowed_mentions"] == {"parse": []} for m in posted())
        assert await stack.billing.pending_usage_warnings() == []


async def test_a_stored_24_7_keeps_the_player_for_a_task_that_never_saw_it_turned_on(pg: Database) -> None:
    async with Stack(pg, SettableClock(), encore_alone_timeout_seconds=0.3) as stack:
        box = stack.sandbox
        guild = box.guild_id
        assert box.fleet is not None

        def bot_in_voice() -> bool:
            return box.discord.voice_state(guild, box.discord.bot_user_id) is not None

        await stack.post("/subscription/trial", {"tier": "premium"})
        await stack.run(RICK)
        _, on = await stack.run("/247")
        assert on["content"].startswith("24/7 is on")
        # Kept in the stored settings, which the guild's next owner (a restarted or new fleet
        # task) reads before leaving -- and so is autoplay, read when a queue runs out.
        assert (await stack.billing.player_modes(guild)).always_on
        await stack.run("/autoplay mode:on")
        assert (await stack.billing.player_modes(guild)).autoplay_channel_id == box.text_channel_id
        await stack.run("/autoplay mode:off")
        assert (await stack.billing.player_modes(guild)).autoplay_channel_id is None
        await box.set_listening(False)
        await asyncio.sleep(1.0)  # well past the 0.3 s alone timeout
        assert bot_in_voice()

        # Turned off in the stored settings (say, by another task): now it leaves when alone.
        await stack.billing.set_player_modes(guild, ADMIN, always_on=False)
        await box.set_listening(True)
        await box.set_listening(False)
        await eventually(lambda: not bot_in_voice())


async def test_a_guild_that_lost_premium_is_not_kept_in_voice_and_can_turn_24_7_off(pg: Database) -> None:
    """The trial ran out and the scheduled job has not run yet: the stored 24/7 no longer keeps the
    bot in voice, and ``/247 mode:off`` gets through the front's premium gate to switch it off."""
    async with Stack(pg, SettableClock(), encore_alone_timeout_seconds=0.3) as stack:
        box = stack.sandbox
        guild = box.guild_id

        def bot_in_voice() -> bool:
            return box.discord.voice_state(guild, box.discord.bot_user_id) is not None

        trial = await stack.post("/subscription/trial", {"tier": "premium"})
        await stack.run(RICK)
        _, on = await stack.run("/247")
        assert on["content"].startswith("24/7 is on")

        stack.clock.now = stack.clock.now.fromisoformat(trial["period_end"])
        stack.clock.advance(seconds=1)  # the trial has ended; its row still says always_on
        assert (await stack.billing.player_modes(guild)).always_on
        kind, off = await stack.run("/247 mode:off")
        assert kind == DEFERRED
        assert off["content"].startswith("24/7 is off")
        assert not (await stack.billing.player_modes(guild)).always_on
        kind, toggled = await stack.run("/247")  # switching it on again is premium
        assert (kind, toggled["content"]) == (ANSWERED, PROMPT.format(tier="Premium"))

        # Left on in the database (the job has not run): the free guild's bot still leaves when alone.
        await stack.billing.set_player_modes(guild, ADMIN, always_on=True)
        await box.set_listening(False)
        await eventually(lambda: not bot_in_voice())
