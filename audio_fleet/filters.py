"""``/filter``: audio effects, as the Lavalink v4 ``filters`` object each preset sends.

:data:`PRESETS` is pure data: for each ``/filter preset`` choice, the exact ``filters`` payload the
player is PATCHed with (Lavalink replaces the whole filter set, so choosing a preset replaces the one
before, and ``off`` clears them). :func:`check_filters` holds every payload to Lavalink's ranges
(equalizer bands 0-14 with gains -0.25..1.0, positive timescale values, depths in (0, 1], ...).
Effects are a premium feature; turning them off is allowed on every plan, so a guild whose
subscription ended can still get rid of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final, cast

import wavelink
from wavelink.types.filters import FilterPayload

from audio_fleet.consumer import CommandHandler
from audio_fleet.controls import PlayerControls
from audio_fleet.premium import FeatureGate
from encore.commands import CATALOGUE
from encore.commands.spec import text_key
from encore.envelope import CommandEnvelope
from encore.i18n import command_text, translate
from encore.tiers import Feature

__all__ = ["EQ_BANDS", "PRESETS", "FilterCommand", "check_filters", "equalizer", "filters_for", "preset_name"]

EQ_BANDS: Final = 15
Json = dict[str, Any]


def equalizer(*gains: float) -> list[Json]:
    """All 15 bands (wavelink ignores a partial list), the ones not given at gain 0."""
    padded = [*gains, *([0.0] * (EQ_BANDS - len(gains)))]
    return [{"band": band, "gain": gain} for band, gain in enumerate(padded[:EQ_BANDS])]


def _timescale(speed: float = 1.0, pitch: float = 1.0, rate: float = 1.0) -> Json:
    return {"speed": speed, "pitch": pitch, "rate": rate}


#: The ``filters`` object each preset PATCHes the player with.
PRESETS: Final[Mapping[str, Json]] = {
    "off": {},
    "nightcore": {"timescale": _timescale(speed=1.25, pitch=1.25)},
    "vaporwave": {"timescale": _timescale(speed=0.85, pitch=0.8), "equalizer": equalizer(0.3, 0.3)},
    "bassboost": {"equalizer": equalizer(0.25, 0.2, 0.15, 0.1, 0.05)},
    "8d": {"rotation": {"rotationHz": 0.2}},
    "karaoke": {"karaoke": {"level": 1.0, "monoLevel": 1.0, "filterBand": 220.0, "filterWidth": 100.0}},
    "tremolo": {"tremolo": {"frequency": 4.0, "depth": 0.75}},
    "vibrato": {"vibrato": {"frequency": 4.0, "depth": 0.75}},
    "speed-up": {"timescale": _timescale(speed=1.25)},
    "slow-down": {"timescale": _timescale(speed=0.75)},
    "pitch-up": {"timescale": _timescale(pitch=1.25)},
    "pitch-down": {"timescale": _timescale(pitch=0.75)},
    "soft": {"lowPass": {"smoothing": 20.0}},
    "eq-pop": {
        "equalizer": equalizer(
            -0.02, -0.01, 0.08, 0.1, 0.15, 0.1, 0.03, -0.02, -0.035, -0.05, -0.05, -0.05, -0.05, -0.05, -0.05
        )
    },
    "eq-rock": {
        "equalizer": equalizer(
            0.3, 0.25, 0.2, 0.1, 0.05, -0.05, -0.15, -0.2, -0.1, -0.05, 0.05, 0.1, 0.2, 0.25, 0.3
        )
    },
    "eq-classical": {
        "equalizer": equalizer(
            0.375, 0.35, 0.125, 0.0, 0.0, 0.125, 0.55, 0.05, 0.125, 0.25, 0.2, 0.25, 0.3, 0.25, 0.3
        )
    },
    "eq-electronic": {
        "equalizer": equalizer(
            0.375, 0.35, 0.125, 0.0, 0.0, -0.125, -0.125, 0.0, 0.25, 0.125, 0.15, 0.2, 0.25, 0.35, 0.4
        )
    },
}


def _positive(errors: list[str], where: str, value: Any, *, at_most: float | None = None) -> None:
    if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
        errors.append(f"{where} must be a number above 0")
    elif at_most is not None and value > at_most:
        errors.append(f"{where} must be at most {at_most}")


def _check_bands(errors: list[str], bands: Any) -> None:
    if not isinstance(bands, list):
        errors.append("equalizer must be a list of bands")
        return
    seen: set[int] = set()
    for entry in bands:
        band, gain = (entry.get("band"), entry.get("gain")) if isinstance(entry, dict) else (None, None)
        if not isinstance(band, int) or not 0 <= band < EQ_BANDS or band in seen:
            errors.append(f"equalizer band {band!r} must be a distinct whole number from 0 to 14")
        elif not isinstance(gain, int | float) or not -0.25 <= gain <= 1.0:
            errors.append(f"equalizer band {band} gain must be from -0.25 to 1.0")
        else:
            seen.add(band)


def check_filters(filters: Mapping[str, Any]) -> list[str]:
    """What Lavalink would refuse in ``filters`` (empty when it is valid)."""
    errors: list[str] = []
    if "equalizer" in filters:
        _check_bands(errors, filters["equalizer"])
    for name in ("timescale",):
        for key, value in (filters.get(name) or {}).items():
            _positive(errors, f"{name}.{key}", value)
    for name, max_frequency in (("tremolo", None), ("vibrato", 14.0)):
        if name in filters:
            effect = filters[name]
            _positive(errors, f"{name}.frequency", effect.get("frequency"), at_most=max_frequency)
            _positive(errors, f"{name}.depth", effect.get("depth"), at_most=1.0)
    if "rotation" in filters:
        rotation = filters["rotation"].get("rotationHz")
        if not isinstance(rotation, int | float) or rotation < 0:
            errors.append("rotation.rotationHz must be a number of at least 0")
    if "lowPass" in filters:
        _positive(errors, "lowPass.smoothing", filters["lowPass"].get("smoothing"))
    return errors


def filters_for(preset: str, speed_percent: int | None = None, pitch_percent: int | None = None) -> Json:
    """The ``filters`` of ``preset`` with the timescale's speed and pitch set to the given percentages
    (``/filter preset:vaporwave speed:90``); None keeps the preset's value. Raises KeyError for an
    unknown preset."""
    filters = _copy(PRESETS[preset])
    if speed_percent is None and pitch_percent is None:
        return filters
    timescale = dict(filters.get("timescale") or _timescale())
    if speed_percent is not None:
        timescale["speed"] = speed_percent / 100
    if pitch_percent is not None:
        timescale["pitch"] = pitch_percent / 100
    filters["timescale"] = timescale
    return filters


def preset_name(preset: str, locale: str | None) -> str:
    """The preset's name as ``/filter`` shows it, in ``locale``."""
    option = CATALOGUE["filter"].option("preset")
    english = next((str(c.name) for c in option.choices if c.value == preset), preset) if option else preset
    return command_text(text_key("filter", "preset", "choice", preset), locale) or english


class FilterCommand:
    """The fleet handler of ``/filter preset:<name>``."""

    def __init__(self, controls: PlayerControls, gate: FeatureGate) -> None:
        self._controls = controls
        self._gate = gate

    async def __call__(self, envelope: CommandEnvelope) -> str:
        preset = str(envelope.options.get("preset", ""))
        locale = envelope.locale
        if preset not in PRESETS:
            return translate("fleet.filter_unknown", locale, preset=preset.replace("`", "'")[:40])
        speed, pitch = _percent(envelope, "speed"), _percent(envelope, "pitch")
        payload = filters_for(preset, speed, pitch)
        if payload:
            refusal = await self._gate.refusal(envelope, Feature.FILTERS)
            if refusal is not None:
                return refusal
        found = self._controls.find(envelope)
        if isinstance(found, str):
            return found
        await found.set_filters(wavelink.Filters(data=cast(FilterPayload, payload)))
        await self._controls.save(found)
        if not payload:
            return translate("fleet.filter_off", locale)
        reply = translate("fleet.filter_applied", locale, name=preset_name(preset, locale))
        if speed is None and pitch is None:
            return reply
        timescale = payload["timescale"]
        percents = {"speed": round(timescale["speed"] * 100), "pitch": round(timescale["pitch"] * 100)}
        return f"{reply} {translate('fleet.filter_timescale', locale, **percents)}"

    def handlers(self) -> dict[str, CommandHandler]:
        return {"filter": self}


def _percent(envelope: CommandEnvelope, name: str) -> int | None:
    value = envelope.options.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _copy(payload: Mapping[str, Any]) -> Json:
    """A deep copy, so wavelink's filter objects never share the preset's dictionaries."""

    def copy(value: Any) -> Any:
        if isinstance(value, Mapping):
            return {k: copy(v) for k, v in value.items()}
        if isinstance(value, Sequence) and not isinstance(value, str):
            return [copy(v) for v in value]
        return value

    return cast(Json, copy(payload))
