"""A plan: what a tier costs per period, how long a period and its trial last."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from encore.billing.money import Money
from encore.tiers import Tier

__all__ = ["Plan", "plan_for", "plans_for"]


@dataclass(frozen=True, slots=True)
class Plan:
    tier: str
    rank: int
    price: Money  #: per period
    period: timedelta
    trial: timedelta  #: zero = no trial

    @property
    def paid(self) -> bool:
        return self.price.amount > 0


def plan_for(tier: Tier) -> Plan:
    return Plan(
        tier=tier.name,
        rank=tier.rank,
        price=Money(tier.price_minor, tier.currency),
        period=timedelta(days=tier.period_days),
        trial=timedelta(days=tier.trial_days),
    )


def plans_for(tiers: Mapping[str, Tier]) -> dict[str, Plan]:
    return {name: plan_for(tier) for name, tier in tiers.items()}
