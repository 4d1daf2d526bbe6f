"""The ``/filter`` presets are exactly what Lavalink v4 accepts, and wavelink sends them unchanged."""

from __future__ import annotations

from typing import Any, cast

import pytest
import wavelink
from hypothesis import given
from hypothesis import strategies as st
from wavelink.types.filters import FilterPayload

from audio_fleet.filters import EQ_BANDS, PRESETS, check_filters, equalizer, filters_for, preset_name
from encore.commands import CATALOGUE


def test_every_filter_choice_has_a_preset_and_every_preset_a_choice() -> None:
    option = CATALOGUE["filter"].option("preset")
    assert option is not None
    assert {str(choice.value) for choice in option.choices} == set(PRESETS)


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_presets_are_valid_lavalink_filters(preset: str) -> None:
    assert check_filters(PRESETS[preset]) == []


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_wavelink_sends_the_preset_as_is(preset: str) -> None:
    # wavelink always sends all 15 equalizer bands; a preset without one gets a flat equalizer.
    sent = wavelink.Filters(data=cast(FilterPayload, PRESETS[preset]))()
    assert sent == {"equalizer": equalizer(), **PRESETS[preset]}


def test_the_named_effects() -> None:
    assert PRESETS["nightcore"] == {"timescale": {"speed": 1.25, "pitch": 1.25, "rate": 1.0}}
    assert PRESETS["8d"] == {"rotation": {"rotationHz": 0.2}}
    assert PRESETS["off"] == {}
    for name in ("bassboost", "eq-pop", "eq-rock", "eq-classical", "eq-electronic"):
        bands = PRESETS[name]["equalizer"]
        assert [b["band"] for b in bands] == list(range(EQ_BANDS))


def test_check_filters_names_what_lavalink_would_refuse() -> None:
    assert check_filters({"equalizer": [{"band": 15, "gain": 0.1}]}) != []
    assert check_filters({"equalizer": [{"band": 3, "gain": 1.5}]}) != []
    assert check_filters({"equalizer": [{"band": 3, "gain": -0.3}]}) != []
    assert check_filters({"equalizer": [{"band": 1, "gain": 0.1}, {"band": 1, "gain": 0.2}]}) != []
    assert check_filters({"timescale": {"speed": 0}}) == ["timescale.speed must be a number above 0"]
    assert check_filters({"vibrato": {"frequency": 15.0, "depth": 0.5}}) == [
        "vibrato.frequency must be at most 14.0"
    ]
    assert check_filters({"tremolo": {"frequency": 2.0, "depth": 1.5}}) == [
        "tremolo.depth must be at most 1.0"
    ]
    assert check_filters({"rotation": {"rotationHz": -1}}) != []


@given(st.lists(st.floats(min_value=-0.25, max_value=1.0), max_size=EQ_BANDS))
def test_any_gains_in_range_make_a_valid_equalizer(gains: list[float]) -> None:
    bands = equalizer(*gains)
    assert len(bands) == EQ_BANDS
    assert check_filters({"equalizer": bands}) == []


@given(st.integers(), st.floats(allow_nan=False))
def test_a_band_outside_the_ranges_is_refused(band: int, gain: float) -> None:
    valid = 0 <= band < EQ_BANDS and -0.25 <= gain <= 1.0
    payload: dict[str, Any] = {"equalizer": [{"band": band, "gain": gain}]}
    assert (check_filters(payload) == []) == valid


def test_preset_names_are_the_catalogues_localised_choice_names() -> None:
    assert preset_name("nightcore", "en-US") == "Nightcore"
    assert preset_name("8d", None) == "8D audio"


def test_speed_and_pitch_set_the_timescale_on_top_of_a_preset() -> None:
    assert filters_for("vaporwave", 90) == {
        "timescale": {"speed": 0.9, "pitch": 0.8, "rate": 1.0},
        "equalizer": PRESETS["vaporwave"]["equalizer"],
    }
    assert filters_for("off", None, 120) == {"timescale": {"speed": 1.0, "pitch": 1.2, "rate": 1.0}}
    assert filters_for("karaoke") == PRESETS["karaoke"]
    assert filters_for("karaoke") is not PRESETS["karaoke"]  # a copy: the preset never changes


@given(
    preset=st.sampled_from(sorted(PRESETS)),
    speed=st.none() | st.integers(min_value=50, max_value=200),
    pitch=st.none() | st.integers(min_value=50, max_value=200),
)
def test_any_allowed_speed_and_pitch_make_valid_filters(
    preset: str, speed: int | None, pitch: int | None
) -> None:
    filters = filters_for(preset, speed, pitch)
    assert check_filters(filters) == []
    if speed is not None:
        assert filters["timescale"]["speed"] == speed / 100
    if pitch is not None:
        assert filters["timescale"]["pitch"] == pitch / 100
