"""Slash commands in the front: check, gate, then answer here or queue for the fleet.

In order: the command exists and is used in a server; its options are valid (told in the caller's
language); a replayed interaction is answered without doing anything twice; the user and the guild
are within their tier's rate; Manage Server, DJ and premium rules hold. Then a command the catalogue
marks ``FRONT`` is answered from stored state (the player snapshot in Redis, static text); when
that state is unavailable, or for everything else, the command goes on the queue *before* Encore
answers "deferred" -- if the queue refuses it, the user gets an ephemeral error, never silence.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from encore.commands import (
    CATALOGUE,
    SUBCOMMAND,
    CommandSpec,
    OptionError,
    OptionValue,
    Where,
    help_text,
    options_from_discord,
    validate_options,
)
from encore.guild_settings import GuildSettingsReader
from encore.i18n import LANGUAGE_NAMES, translate
from encore.player_snapshot import PlayerSnapshot, SnapshotError
from encore.redis_client import CircuitBreaker
from interactions import responses
from interactions.caller import Caller, identify, sku_for
from interactions.payload import Interaction
from interactions.player_views import now_playing_text, queue_view
from interactions.services import FrontServices
from interactions.telemetry import FrontTelemetry

__all__ = ["CommandAnswers"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SnapshotRead:
    """A read of the player snapshot: ``available`` is False when Redis could not say."""

    available: bool
    snapshot: PlayerSnapshot | None = None


_UNAVAILABLE: Final = SnapshotRead(available=False)


class CommandAnswers:
    def __init__(
        self,
        services: FrontServices,
        guild_settings: GuildSettingsReader,
        telemetry: FrontTelemetry,
        catalogue: Mapping[str, CommandSpec] = CATALOGUE,
    ) -> None:
        self._services = services
        self._guild_settings = guild_settings
        self._telemetry = telemetry
        self._catalogue = catalogue
        self._snapshot_breaker = CircuitBreaker(on_fallback=self._snapshot_unavailable)

    async def answer(self, interaction: Interaction) -> dict[str, Any]:
        data = interaction.data
        spec = self._catalogue.get(data.name or "") if data is not None else None
        if data is None or spec is None:
            return self._refuse("unknown_command", translate("front.unknown_command", interaction.locale))
        caller = await identify(interaction, self._services, self._guild_settings)
        if caller is None:
            return self._refuse("guild_only", translate("front.guild_only", interaction.locale))
        try:
            options = validate_options(spec, options_from_discord(data.options), caller.locale)
        except OptionError as exc:
            return self._refuse("invalid_options", str(exc))
        policy = spec.policy(options)
        if not await self._services.replay.first_time(interaction.id):
            # A replayed request: answer like the first time, but do nothing twice.
            self._telemetry.rejected("replay")
            if policy.where is Where.FRONT:
                answer = await self._front_answer(spec.name, options, caller)
                if answer is not None:
                    return answer
            return responses.deferred()
        refusal = await caller.refusal(self._services)
        if refusal is not None:
            self._telemetry.rejected("rate_limited")
            return refusal
        if policy.manage_guild and not caller.manages_guild:
            return self._refuse("manage_guild", caller.say("front.manage_guild"))
        if policy.dj_only and not caller.is_dj:
            return self._refuse("dj_only", caller.say("front.dj_only"))
        if policy.premium_feature is not None:
            premium = caller.premium_refusal(policy.premium_feature, self._services)
            if premium is not None:
                self._telemetry.rejected("premium")
                return premium
        if policy.where is Where.FRONT:
            answer = await self._front_answer(spec.name, options, caller)
            if answer is not None:
                return answer
        return await self._queue(spec.name, options, caller)

    def _refuse(self, reason: str, text: str) -> dict[str, Any]:
        self._telemetry.rejected(reason)
        return responses.ephemeral(text)

    async def _queue(
        self, command: str, options: Mapping[str, OptionValue], caller: Caller
    ) -> dict[str, Any]:
        refused = await caller.enqueue(command, options, self._services, self._telemetry)
        if refused is not None:
            return refused
        if command == "play":
            await self._services.searches.remember(caller.guild_id, str(options.get("query", "")))
        return responses.deferred()

    # -- answered by the front ---------------------------------------------------------------
    async def _front_answer(
        self, command: str, options: Mapping[str, OptionValue], caller: Caller
    ) -> dict[str, Any] | None:
        """The answer to a FRONT command, or None when it needs the fleet after all."""
        subcommand = options.get(SUBCOMMAND)
        match command, subcommand:
            case "help", _:
                return responses.ephemeral(help_text(caller.locale))
            case "nowplaying", _:
                read = await self.snapshot(caller.guild_id)
                if not read.available:
                    return None
                now = self._services.clock()
                return responses.message(now_playing_text(read.snapshot, caller.locale, now))
            case "queue", _:
                read = await self.snapshot(caller.guild_id)
                if not read.available:
                    return None
                page = int(options.get("page", 1))
                now = self._services.clock()
                text, buttons = queue_view(read.snapshot, caller.guild_id, page, caller.locale, now)
                return responses.message(text, buttons or None)
            case "premium", "status":
                return responses.ephemeral(caller.say("front.premium_status", tier=caller.tier.display_name))
            case "premium", "upgrade":
                return self._upgrade(caller)
            case "settings", "view":
                return responses.ephemeral(self._settings_text(caller))
            case _:
                return None  # history, playlist list: stored by the fleet until the data issue

    def _upgrade(self, caller: Caller) -> dict[str, Any]:
        better = sorted(
            (t for t in self._services.tiers.values() if t.rank > caller.tier.rank), key=lambda t: t.rank
        )
        for tier in better:
            sku = sku_for(tier, self._services.sku_tiers)
            if sku is not None:
                return responses.ephemeral(
                    caller.say("front.premium_upgrade"), responses.premium_button_row(sku)
                )
        return responses.ephemeral(caller.say("front.premium_not_on_sale"))

    def _settings_text(self, caller: Caller) -> str:
        prefs = caller.prefs
        none = caller.say("front.none")
        dj_role = (
            caller.say("front.everyone")
            if prefs.dj_role_id in (None, caller.guild_id)
            else f"<@&{prefs.dj_role_id}>"
        )
        channel = f"<#{prefs.announce_channel_id}>" if prefs.announce_channel_id else none
        language = (
            LANGUAGE_NAMES.get(prefs.language, prefs.language)
            if prefs.language
            else caller.say("front.users_language")
        )
        return caller.say(
            "front.settings_view",
            dj_role=dj_role,
            volume=prefs.default_volume,
            channel=channel,
            language=language,
            ratio=prefs.vote_skip_ratio,
        )

    async def snapshot(self, guild_id: int) -> SnapshotRead:
        """The guild's player snapshot, in one Redis round trip (skipped while Redis is down)."""

        async def load() -> SnapshotRead:
            try:
                return SnapshotRead(True, await self._services.snapshots.load(guild_id))
            except SnapshotError:
                log.exception("unreadable player snapshot for guild %s", guild_id)
                return _UNAVAILABLE

        async def unavailable() -> SnapshotRead:
            return _UNAVAILABLE

        return await self._snapshot_breaker.call(load, unavailable)

    def _snapshot_unavailable(self, error: Exception) -> None:
        self._telemetry.rejected("snapshot_unavailable")
        log.warning("player snapshots unavailable, answering through the fleet: %s", error)
