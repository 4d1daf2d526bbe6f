"""Service tiers as data: what a free, premium or pro guild may do, and what it costs.

:data:`DEFAULT_TIERS` are the defaults; ``ENCORE_TIERS`` (JSON, see :func:`parse_tiers`) overrides
any field of a tier (display name, price, limits, features) or adds a tier. Prices are integer minor
units (cents) per period; every priced tier must use the same currency. The limits and the
:class:`Feature` names are what the entitlement function (:mod:`encore.entitlements`) decides on.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, Final

__all__ = ["DEFAULT_TIERS", "FREE", "Feature", "Tier", "TierConfigError", "parse_tiers"]


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
    price_minor: int = 0  #: price per period in minor units (cents); 0 = not for sale
    currency: str = "USD"
    period_days: int = 30
    trial_days: int = 0  #: 0 = no trial on this tier
    tracks_per_period: int = 2_000  #: tracks played per usage period before the 100% warning

    @property
    def paid(self) -> bool:
        return self.price_minor > 0

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
    price_minor=499,
    trial_days=7,
    tracks_per_period=50_000,
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
    price_minor=999,
    trial_days=7,
    tracks_per_period=250_000,
)

DEFAULT_TIERS: Final[Mapping[str, Tier]] = {t.name: t for t in (FREE, PREMIUM, PRO)}


class TierConfigError(ValueError):
    """``ENCORE_TIERS`` is not valid; the message says which tier and field."""


_INT_FIELDS: Final = (
    "rank",
    "queue_length",
    "playlists",
    "playlist_size",
    "volume_cap",
    "user_commands_per_minute",
    "guild_commands_per_minute",
    "price_minor",
    "period_days",
    "trial_days",
    "tracks_per_period",
)
_MAXIMA: Final = {"price_minor": 10_000_000, "period_days": 366, "trial_days": 90, "volume_cap": 1000}


def _tier_from(name: str, fields: Mapping[str, Any], base: Tier | None) -> Tier:
    known = set(_INT_FIELDS) | {"display_name", "currency", "features"}
    unknown = set(fields) - known
    if unknown:
        raise TierConfigError(f"tier {name!r}: unknown field(s) {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {}
    for key in _INT_FIELDS:
        if key in fields:
            value = fields[key]
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise TierConfigError(f"tier {name!r}: {key} must be a whole number >= 0")
            if value > _MAXIMA.get(key, 10**9):
                raise TierConfigError(f"tier {name!r}: {key} must be at most {_MAXIMA.get(key, 10**9)}")
            values[key] = value
    for key in ("display_name", "currency"):
        if key in fields:
            if not isinstance(fields[key], str) or not 1 <= len(fields[key]) <= 40:
                raise TierConfigError(f"tier {name!r}: {key} must be a short text")
            values[key] = fields[key]
    if "currency" in values and not (len(values["currency"]) == 3 and values["currency"].isupper()):
        raise TierConfigError(f"tier {name!r}: currency must be an ISO 4217 code such as USD")
    if "features" in fields:
        try:
            values["features"] = frozenset(Feature(f) for f in fields["features"])
        except (TypeError, ValueError):
            choices = ", ".join(f.value for f in Feature)
            raise TierConfigError(f"tier {name!r}: features must be a list of: {choices}") from None
    if base is not None:
        return replace(base, **values)
    missing = {"rank", *_INT_FIELDS[1:7]} - set(values)
    if missing:
        raise TierConfigError(f"new tier {name!r} needs {', '.join(sorted(missing))}")
    values.setdefault("display_name", name.title())
    values.setdefault("features", frozenset())
    return Tier(name=name, **values)


def parse_tiers(text: str | None, defaults: Mapping[str, Tier] = DEFAULT_TIERS) -> Mapping[str, Tier]:
    """The tiers, with ``text`` (``ENCORE_TIERS``) applied over ``defaults``.

    ``text`` is a JSON object from tier name to the fields to change, e.g.
    ``{"premium": {"display_name": "Gold", "price_minor": 599}}``; a name not in ``defaults``
    defines a new tier and must give its rank and limits. Raises :class:`TierConfigError`.
    """
    if text is None or not text.strip():
        return dict(defaults)
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TierConfigError(f"not valid JSON: {exc.msg}") from None
    if not isinstance(raw, dict) or not all(isinstance(v, dict) for v in raw.values()):
        raise TierConfigError('must be a JSON object of tier name to fields, e.g. {"premium": {...}}')
    tiers = dict(defaults)
    for name, fields in raw.items():
        if not name.isidentifier() or len(name) > 32:
            raise TierConfigError(f"tier name {name!r} must be a short identifier")
        tiers[name] = _tier_from(name, fields, tiers.get(name))
    if "free" not in tiers or tiers["free"].paid:
        raise TierConfigError("a free tier with price_minor 0 is required")
    currencies = {t.currency for t in tiers.values() if t.paid}
    if len(currencies) > 1:
        raise TierConfigError(f"every priced tier must use one currency, got {', '.join(sorted(currencies))}")
    ranks = [t.rank for t in tiers.values()]
    if len(set(ranks)) != len(ranks):
        raise TierConfigError("tier ranks must be distinct")
    if any(t.paid and t.period_days < 1 for t in tiers.values()):
        raise TierConfigError("a priced tier needs period_days >= 1")
    return tiers
