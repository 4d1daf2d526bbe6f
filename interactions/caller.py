"""Who is asking, from where, in which language, on which tier -- and whether they may, right now.

Built once per interaction from the payload, the guild's preferences and the entitlements it
carries -- and, when the front has a billing service, the guild's stored subscription (the better
tier of the two counts; if the database cannot say, the interaction's entitlements decide alone).
Shared by commands, components and autocomplete.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from encore.commands import OptionValue
from encore.entitlements import EntitlementGrant, decide, tier_from_entitlements
from encore.envelope import CommandEnvelope, EntitlementRef
from encore.errors import QueueError
from encore.guild_settings import GuildPreferences, GuildSettingsReader
from encore.i18n import resolve_locale, translate
from encore.permissions import can_manage_guild, is_dj
from encore.ratelimit import RateLimit
from encore.tiers import Feature, Tier
from interactions import responses
from interactions.payload import Interaction
from interactions.services import FrontServices
from interactions.telemetry import FrontTelemetry

__all__ = ["Caller", "identify"]

log = logging.getLogger(__name__)

#: How long an interaction waits for the guild's stored tier (cached, so usually far less).
STORED_TIER_TIMEOUT_S: Final = 1.0


@dataclass(frozen=True, slots=True)
class Caller:
    interaction: Interaction
    guild_id: int
    channel_id: int
    user_id: int
    roles: tuple[int, ...]
    permissions: int
    locale: str
    tier: Tier
    prefs: GuildPreferences

    def say(self, key: str, **params: object) -> str:
        return translate(key, self.locale, **params)

    @property
    def is_dj(self) -> bool:
        return is_dj(self.roles, self.permissions, self.prefs.dj_role_id, self.guild_id)

    @property
    def manages_guild(self) -> bool:
        return can_manage_guild(self.permissions)

    def envelope(
        self, command: str, options: Mapping[str, OptionValue], services: FrontServices
    ) -> CommandEnvelope:
        interaction = self.interaction
        return CommandEnvelope(
            interaction_id=interaction.id,
            interaction_token=interaction.token,
            application_id=interaction.application_id,
            guild_id=self.guild_id,
            channel_id=self.channel_id,
            user_id=self.user_id,
            locale=self.locale,
            guild_locale=interaction.guild_locale,
            command=command,
            options=dict(options),
            member_permissions=self.permissions,
            member_roles=self.roles,
            entitlements=tuple(
                EntitlementRef(id=e.id, sku_id=e.sku_id, ends_at=e.ends_at) for e in interaction.entitlements
            ),
            received_at=services.clock(),
        )

    async def enqueue(
        self,
        command: str,
        options: Mapping[str, OptionValue],
        services: FrontServices,
        telemetry: FrontTelemetry,
    ) -> dict[str, Any] | None:
        """Queue the command for the fleet; None once queued, else the ephemeral "try again"."""
        try:
            await services.queue.send(self.envelope(command, options, services))
        except QueueError:
            telemetry.queue_failed()
            log.exception("queue write failed for interaction %s", self.interaction.id)
            return responses.ephemeral(self.say("front.queue_down"))
        return None

    async def refusal(self, services: FrontServices) -> dict[str, Any] | None:
        """An ephemeral "slow down" when the user or the guild is over its tier's rate, else None."""
        for key, per_minute in (
            (f"user:{self.user_id}", self.tier.user_commands_per_minute),
            (f"guild:{self.guild_id}", self.tier.guild_commands_per_minute),
        ):
            decision = await services.limiter.hit(key, RateLimit.per(per_minute, 60))
            if not decision.allowed:
                seconds = max(1, round(decision.retry_after_s + 0.499))
                return responses.ephemeral(self.say("front.rate_limited", seconds=seconds))
        return None

    def premium_refusal(self, feature: str, services: FrontServices) -> dict[str, Any] | None:
        """The upgrade prompt (with Discord's premium button when that tier is on sale), or None."""
        decision = decide(self.tier, Feature(feature), services.tiers)
        if decision.allowed:
            return None
        if decision.upgrade_to is None:
            return responses.ephemeral(self.say("front.premium_unavailable"))
        text = self.say("front.premium_required", tier=decision.upgrade_to.display_name)
        sku = sku_for(decision.upgrade_to, services.sku_tiers)
        return responses.ephemeral(text, responses.premium_button_row(sku) if sku else None)


def sku_for(tier: Tier, sku_tiers: Mapping[int, str]) -> int | None:
    return next((sku for sku, name in sku_tiers.items() if name == tier.name), None)


async def identify(
    interaction: Interaction, services: FrontServices, guild_settings: GuildSettingsReader
) -> Caller | None:
    """The caller of a guild interaction, or None for a DM (Encore works in servers only)."""
    user = interaction.invoking_user
    if interaction.guild_id is None or interaction.channel_id is None or user is None:
        return None
    prefs = await guild_settings.get(interaction.guild_id)
    member = interaction.member
    grants = [EntitlementGrant(e.sku_id, e.ends_at) for e in interaction.entitlements]
    tier = tier_from_entitlements(grants, services.sku_tiers, services.clock(), services.tiers)
    stored = await _stored_tier(interaction.guild_id, services)
    if stored is not None and stored.rank > tier.rank:
        tier = stored
    return Caller(
        interaction=interaction,
        guild_id=interaction.guild_id,
        channel_id=interaction.channel_id,
        user_id=user.id,
        roles=member.roles if member else (),
        permissions=member.permissions if member else 0,
        locale=resolve_locale(prefs.language, interaction.locale),
        tier=tier,
        prefs=prefs,
    )


async def _stored_tier(guild_id: int, services: FrontServices) -> Tier | None:
    """The stored tier, or None when there is no billing or it cannot say within
    :data:`STORED_TIER_TIMEOUT_S` (the ACK must go out well inside Discord's 3 s)."""
    if services.billing is None:
        return None
    try:
        async with asyncio.timeout(STORED_TIER_TIMEOUT_S):
            return await (await services.billing()).tier_of(guild_id)
    except TimeoutError:
        log.warning("stored tier of guild %s too slow; using the interaction's entitlements", guild_id)
        return None
    except Exception:
        log.exception("stored tier of guild %s unavailable; using the interaction's entitlements", guild_id)
        return None
