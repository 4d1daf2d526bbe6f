"""The entitlement function: what a guild may do, and the upgrade that would unlock the rest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from encore.entitlements import EntitlementGrant, decide, decide_volume, tier_from_entitlements
from encore.tiers import DEFAULT_TIERS, FREE, Feature, Tier

PREMIUM, PRO = DEFAULT_TIERS["premium"], DEFAULT_TIERS["pro"]
NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)
SKUS = {111: "premium", 222: "pro"}


def test_free_guild_is_pointed_at_the_cheapest_plan_with_the_feature() -> None:
    decision = decide(FREE, Feature.ALWAYS_ON)
    assert not decision.allowed
    assert decision.upgrade_to == PREMIUM
    assert decision.prompt == "That needs Premium. Use `/premium upgrade` to unlock it."


def test_allowed_feature_has_no_prompt() -> None:
    assert decide(PREMIUM, Feature.FILTERS).allowed
    assert decide(PREMIUM, Feature.FILTERS).prompt is None


def test_volume_is_capped_by_tier() -> None:
    assert decide_volume(FREE, 100).allowed
    assert decide_volume(FREE, 150).upgrade_to == PREMIUM
    assert decide_volume(FREE, 180).upgrade_to == PRO
    assert decide_volume(PRO, 201).prompt == "That isn't available on any plan."


@given(st.sampled_from(list(DEFAULT_TIERS.values())), st.sampled_from(list(DEFAULT_TIERS.values())))
def test_a_higher_tier_never_takes_anything_away(low: Tier, high: Tier) -> None:
    if low.rank > high.rank:
        low, high = high, low
    assert low.features <= high.features
    for limit in ("queue_length", "playlists", "playlist_size", "volume_cap", "user_commands_per_minute"):
        assert getattr(low, limit) <= getattr(high, limit)


@pytest.mark.parametrize(
    ("grants", "tier"),
    [
        ([], FREE),  # no subscription
        ([EntitlementGrant(111)], PREMIUM),  # an active subscription has no end yet
        ([EntitlementGrant(111), EntitlementGrant(222)], PRO),  # the best one wins
        ([EntitlementGrant(222, NOW - timedelta(seconds=1))], FREE),  # ended
        ([EntitlementGrant(222, NOW + timedelta(days=3))], PRO),  # canceled, paid until then
        ([EntitlementGrant(999)], FREE),  # an SKU we do not sell
    ],
)
def test_tier_from_discord_entitlements(grants: list[EntitlementGrant], tier: Tier) -> None:
    assert tier_from_entitlements(grants, SKUS, NOW) == tier
