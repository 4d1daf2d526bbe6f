"""Premium features in the fleet: may this guild use a feature, and if not, the upgrade prompt.

:class:`FeatureGate` asks :func:`encore.entitlements.decide` with the guild's tier (from a
:class:`~audio_fleet.guild_rules.TierLookup`: by default the App Subscription entitlements the
interaction carried). When the tier does not allow the feature, the refusal is the localised
upgrade prompt with Discord's premium button (component style 6) for the SKU of the cheapest tier
that would allow it, when such a SKU is configured (``ENCORE_SKU_TIERS``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from audio_fleet.guild_rules import EnvelopeTiers, TierLookup
from audio_fleet.replies import Reply
from encore.entitlements import decide
from encore.envelope import CommandEnvelope
from encore.i18n import translate
from encore.tiers import DEFAULT_TIERS, Feature, Tier

__all__ = ["FeatureGate", "premium_button_row"]


def premium_button_row(sku_id: int) -> list[dict[str, Any]]:
    """One action row holding Discord's premium button, which buys ``sku_id`` in the client."""
    return [{"type": 1, "components": [{"type": 2, "style": 6, "sku_id": str(sku_id)}]}]


class FeatureGate:
    def __init__(
        self,
        sku_tiers: Mapping[int, str] | None = None,
        *,
        tiers: TierLookup | None = None,
        tier_table: Mapping[str, Tier] = DEFAULT_TIERS,
    ) -> None:
        """``sku_tiers`` maps SKU ids to tier names (the premium button's SKU); ``tiers`` finds a
        guild's tier (default: from the interaction's entitlements and ``sku_tiers``)."""
        self._sku_tiers = dict(sku_tiers or {})
        self._tiers: TierLookup = tiers or EnvelopeTiers(self._sku_tiers, tiers=tier_table)
        self._tier_table = tier_table

    async def refusal(self, envelope: CommandEnvelope, feature: Feature) -> str | None:
        """None when the guild may use ``feature``; else the upgrade prompt to reply with."""
        decision = decide(await self._tiers(envelope), feature, self._tier_table)
        if decision.allowed:
            return None
        if decision.upgrade_to is None:
            return translate("front.premium_unavailable", envelope.locale)
        text = translate("front.premium_required", envelope.locale, tier=decision.upgrade_to.display_name)
        sku = next((s for s, name in self._sku_tiers.items() if name == decision.upgrade_to.name), None)
        return text if sku is None else Reply(text, premium_button_row(sku))
