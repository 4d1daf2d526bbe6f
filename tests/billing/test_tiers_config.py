"""Tiers as data: ENCORE_TIERS overrides names, prices and limits, and bad JSON names what to fix."""

from __future__ import annotations

import pytest

from encore.entitlements import decide
from encore.errors import SettingsError
from encore.settings import load_settings
from encore.tiers import DEFAULT_TIERS, FREE, Feature, TierConfigError, parse_tiers


def test_defaults_have_prices_and_trials() -> None:
    tiers = parse_tiers(None)
    assert (tiers["premium"].price_minor, tiers["pro"].price_minor, tiers["free"].paid) == (499, 999, False)
    assert tiers["premium"].trial_days == 7


def test_a_rename_and_a_new_price_keep_the_rest() -> None:
    tiers = parse_tiers('{"premium": {"display_name": "Gold", "price_minor": 599}}')
    assert tiers["premium"].display_name == "Gold"
    assert tiers["premium"].price_minor == 599
    assert tiers["premium"].volume_cap == DEFAULT_TIERS["premium"].volume_cap
    assert (
        decide(FREE, Feature.ALWAYS_ON, tiers).prompt
        == "That needs Gold. Use `/premium upgrade` to unlock it."
    )


def test_a_new_tier_needs_its_limits() -> None:
    tiers = parse_tiers(
        '{"studio": {"rank": 3, "queue_length": 9000, "playlists": 500, "playlist_size": 5000,'
        ' "volume_cap": 200, "user_commands_per_minute": 90, "guild_commands_per_minute": 900,'
        ' "price_minor": 1999, "features": ["filters", "24/7"]}}'
    )
    assert tiers["studio"].display_name == "Studio"
    assert tiers["studio"].allows(Feature.FILTERS)
    with pytest.raises(TierConfigError, match="new tier 'studio' needs"):
        parse_tiers('{"studio": {"rank": 3}}')


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{", "not valid JSON"),
        ("[1]", "JSON object"),
        ('{"premium": {"price_minor": 4.99}}', "whole number"),
        ('{"premium": {"price_minor": -1}}', "whole number"),
        ('{"premium": {"currency": "EUR"}}', "one currency"),
        ('{"premium": {"currency": "euro"}}', "ISO 4217"),
        ('{"premium": {"colour": "gold"}}', "unknown field"),
        ('{"premium": {"features": ["teleport"]}}', "features must be"),
        ('{"free": {"price_minor": 100}}', "free tier"),
        ('{"pro": {"rank": 1}}', "ranks must be distinct"),
    ],
)
def test_bad_tier_config_is_refused_with_a_reason(text: str, problem: str) -> None:
    with pytest.raises(TierConfigError, match=problem):
        parse_tiers(text)


def test_settings_refuse_bad_tiers_at_start_up() -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings(encore_tiers='{"premium": {"price_minor": 4.99}}')
    assert refused.value.variable == "ENCORE_TIERS"
    assert load_settings(encore_tiers='{"pro": {"price_minor": 1299}}').tiers["pro"].price_minor == 1299
