"""How many votes skip a song."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audio_fleet.vote_skip import votes_needed


@pytest.mark.parametrize(
    ("listeners", "ratio", "needed"),
    [
        (3, 50, 2),  # half, rounded up
        (4, 50, 2),
        (1, 50, 1),  # alone: one vote
        (0, 50, 1),  # nobody left (the voter already counts): never zero
        (10, 100, 10),  # everyone
        (10, 1, 1),
    ],
)
def test_examples(listeners: int, ratio: int, needed: int) -> None:
    assert votes_needed(listeners, ratio) == needed


@given(st.integers(0, 500), st.integers(1, 100))
def test_enough_votes_reach_the_ratio_and_never_need_more_than_everyone(listeners: int, ratio: int) -> None:
    needed = votes_needed(listeners, ratio)
    assert needed * 100 >= listeners * ratio
    assert (needed - 1) * 100 < listeners * ratio or needed == 1
    assert 1 <= needed <= max(1, listeners)
