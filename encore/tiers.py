"""Service tiers as data: what a free, premium or pro guild may do.

These are the defaults until the billing issue stores tiers (names, prices, limits) in the database;
the limits and the :class:`Feature` names are what the entitlement function decides on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

__all__ = ["DEFAULT_TIERS", "FREE", "Feature", "Tier"]


class Feature(StrEnum):
    """Things only some tiers may use."""

    FILTERS = "filters"
    AUTOPLAY = "autoplay"
    ALWAYS_ON = "24/7"
    LYRICS = "lyrics"


@dataclass(frozen=True, slots=True)
class Tier:
    name: str
    rank: int  #: higher is more: used to find the cheapest tier that allows something
    display_name: str
    queue_length: int
    playlists: int
    playlist_size: int
    volume_cap: int
    features: frozenset[Feature]
    user_commands_per_minute: int
    guild_commands_per_minute: int

    def allows(self, feature: Feature) -> bool:
        return feature in self.features


FREE: Final = Tier(
    name="free",
    rank=0,
    display_name="Free",
    queue_length=100,
    playlists=3,
    playlist_size=50,
    volume_cap=100,
    features=frozenset({Feature.LYRICS}),
    user_commands_per_minute=20,
    guild_commands_per_minute=120,
)
PREMIUM: Final = Tier(
    name="premium",
    rank=1,
    display_name="Premium",
    queue_length=1_000,
    playlists=25,
    playlist_size=500,
    volume_cap=150,
    features=frozenset({Feature.LYRICS, Feature.FILTERS, Feature.AUTOPLAY, Feature.ALWAYS_ON}),
    user_commands_per_minute=40,
    guild_commands_per_minute=300,
)
PRO: Final = Tier(
    name="pro",
    rank=2,
    display_name="Pro",
    queue_length=5_000,
    playlists=100,
    playlist_size=2_000,
    volume_cap=200,
    features=frozenset(Feature),
    user_commands_per_minute=60,
    guild_commands_per_minute=600,
)

DEFAULT_TIERS: Final[Mapping[str, Tier]] = {t.name: t for t in (FREE, PREMIUM, PRO)}
