"""Track names in replies: durations read naturally, and titles can't format or ping."""

from __future__ import annotations

import pytest

from audio_fleet.formatting import duration, neutralise, track_label


@pytest.mark.parametrize(
    ("ms", "text"),
    [(0, "0:00"), (213_000, "3:33"), (59_999, "0:59"), (3_723_000, "1:02:03"), (-5, "0:00")],
)
def test_duration(ms: int, text: str) -> None:
    assert duration(ms) == text


def test_streams_are_live() -> None:
    assert duration(0, is_stream=True) == "LIVE"


def test_markdown_and_mentions_in_titles_are_neutralised() -> None:
    label = track_label("**Bold** _Title_ ~~x~~ @everyone", "DJ `tick`", 61_000)
    assert label.startswith("**\\*\\*Bold\\*\\* \\_Title\\_ \\~\\~x\\~\\~ @\u200beveryone** by ")
    assert "(`1:01`)" in label


def test_neutralise_makes_markdown_and_mentions_inert() -> None:
    assert (
        neutralise("**x** @here <@123456789012345678>")
        == "\\*\\*x\\*\\* @\u200bhere <@\u200b123456789012345678>"
    )
