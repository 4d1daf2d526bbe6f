"""Options are checked against the catalogue before anything is queued."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from encore.commands import CATALOGUE, CommandSpec, OptionSpec, OptionType, validate_options

PLAY = CATALOGUE["play"]
VOLUME = CommandSpec(
    "volume",
    "Set the volume",
    (OptionSpec("level", "0-150", OptionType.INTEGER, required=True, min_value=0, max_value=150),),
)
FLAGS = CommandSpec(
    "flags",
    "t",
    (OptionSpec("on", "b", OptionType.BOOLEAN), OptionSpec("speed", "x", OptionType.NUMBER, max_value=2)),
)


def test_play_query_is_trimmed() -> None:
    assert validate_options(PLAY, {"query": "  rick astley  "}) == {"query": "rick astley"}


@pytest.mark.parametrize(
    ("spec", "options", "says"),
    [
        (PLAY, {}, "needs `query`"),
        (PLAY, {"query": "   "}, "can't be empty"),
        (PLAY, {"query": "x" * 201}, "too long (at most 200"),
        (PLAY, {"query": 5}, "must be text"),
        (PLAY, {"query": "x", "volume": 3}, "no option called `volume`"),
        (VOLUME, {"level": 151}, "at most 150"),
        (VOLUME, {"level": -1}, "at least 0"),
        (VOLUME, {"level": 1.5}, "whole number"),
        (VOLUME, {"level": True}, "must be a number"),
        (VOLUME, {"level": "loud"}, "must be a number"),
        (FLAGS, {"on": "yes"}, "true or false"),
        (FLAGS, {"speed": 2.5}, "at most 2"),
        (FLAGS, {"speed": float("-inf")}, "must be a number"),  # json.loads accepts -Infinity
    ],
)
def test_bad_options_get_a_message_for_the_user(
    spec: CommandSpec, options: dict[str, object], says: str
) -> None:
    with pytest.raises(ValueError, match=r"`|/") as caught:
        validate_options(spec, options)
    assert says in str(caught.value)


@given(st.integers(min_value=0, max_value=150))
def test_integer_in_range_is_accepted(level: int) -> None:
    assert validate_options(VOLUME, {"level": level}) == {"level": level}


def test_flags_typed() -> None:
    assert validate_options(FLAGS, {"on": False, "speed": 1}) == {"on": False, "speed": 1.0}


def test_catalogue_matches_discords_registration_format() -> None:
    body = PLAY.to_discord()
    assert body["name"] == "play"
    assert body["options"] == [
        {
            "name": "query",
            "description": "A song name, or a link to a track or playlist",
            "type": 3,
            "required": True,
            "min_length": 1,
            "max_length": 200,
        }
    ]
    assert body["contexts"] == [0]  # guild only
