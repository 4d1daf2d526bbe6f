"""The one entitlement function: may this guild do X, and if not, which upgrade would allow it.

The front and the fleet both ask :func:`decide` (features) and :func:`decide_volume`; the guild's
tier comes from :func:`tier_from_entitlements` (Discord App Subscriptions carried by the interaction)
until the billing issue adds the database's subscriptions. Everything here is pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from encore.tiers import DEFAULT_TIERS, FREE, Feature, Tier

__all__ = ["Decision", "EntitlementGrant", "decide", "decide_volume", "tier_from_entitlements"]


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    upgrade_to: Tier | None = None  #: the cheapest tier that would allow it, when not allowed

    @property
    def prompt(self) -> str | None:
        """A short English upgrade prompt (the front localises its own messages)."""
        if self.allowed:
            return None
        if self.upgrade_to is None:
            return "That isn't available on any plan."
        return f"That needs {self.upgrade_to.display_name}. Use `/premium upgrade` to unlock it."


@dataclass(frozen=True, slots=True)
class EntitlementGrant:
    """The part of a Discord entitlement that decides a tier."""

    sku_id: int
    ends_at: datetime | None = None


def _cheapest(candidates: Iterable[Tier]) -> Tier | None:
    return min(candidates, key=lambda t: t.rank, default=None)


def decide(tier: Tier, feature: Feature, tiers: Mapping[str, Tier] = DEFAULT_TIERS) -> Decision:
    if tier.allows(feature):
        return Decision(True)
    better = (t for t in tiers.values() if t.rank > tier.rank and t.allows(feature))
    return Decision(False, _cheapest(better))


def decide_volume(tier: Tier, level: int, tiers: Mapping[str, Tier] = DEFAULT_TIERS) -> Decision:
    if level <= tier.volume_cap:
        return Decision(True)
    better = (t for t in tiers.values() if t.rank > tier.rank and level <= t.volume_cap)
    return Decision(False, _cheapest(better))


def tier_from_entitlements(
    grants: Iterable[EntitlementGrant],
    sku_tiers: Mapping[int, str],
    now: datetime,
    tiers: Mapping[str, Tier] = DEFAULT_TIERS,
) -> Tier:
    """The best tier any active entitlement grants (a subscription has no end until it ends)."""
    best = tiers.get("free", FREE)
    for grant in grants:
        if grant.ends_at is not None and grant.ends_at <= now:
            continue
        tier = tiers.get(sku_tiers.get(grant.sku_id, ""))
        if tier is not None and tier.rank > best.rank:
            best = tier
    return best
