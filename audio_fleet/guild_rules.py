"""What the fleet asks about a guild before acting: its tier, its preferences, who is a DJ.

:class:`TierLookup` is the one way the fleet learns a guild's tier (queue length, volume cap,
premium features). The default, :class:`EnvelopeTiers`, reads the Discord App Subscriptions the
interaction carried, as the front does; a database-backed lookup (billing) plugs in with the same
signature. Preferences (DJ role, vote-skip ratio, announce channel) come from a
:class:`~encore.guild_settings.GuildSettingsReader`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Protocol

from encore.entitlements import EntitlementGrant, tier_from_entitlements
from encore.envelope import CommandEnvelope
from encore.guild_settings import GuildPreferences
from encore.permissions import is_dj
from encore.tiers import DEFAULT_TIERS, Tier

__all__ = ["EnvelopeTiers", "TierLookup", "caller_is_dj"]


class TierLookup(Protocol):
    async def __call__(self, envelope: CommandEnvelope) -> Tier:
        """The tier of the envelope's guild, now."""
        ...


class EnvelopeTiers:
    """The best tier any active entitlement in the interaction grants (``sku_tiers``: SKU → tier)."""

    def __init__(
        self,
        sku_tiers: Mapping[int, str] | None = None,
        *,
        tiers: Mapping[str, Tier] = DEFAULT_TIERS,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._sku_tiers = dict(sku_tiers or {})
        self._tiers = tiers
        self._clock = clock

    async def __call__(self, envelope: CommandEnvelope) -> Tier:
        grants = (EntitlementGrant(e.sku_id, e.ends_at) for e in envelope.entitlements)
        return tier_from_entitlements(grants, self._sku_tiers, self._clock(), self._tiers)


def caller_is_dj(envelope: CommandEnvelope, prefs: GuildPreferences) -> bool:
    """Whether the envelope's user may control the music (the DJ role, Manage Server, or no DJ role)."""
    return is_dj(envelope.member_roles, envelope.member_permissions, prefs.dj_role_id, envelope.guild_id)
