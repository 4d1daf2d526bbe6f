"""Lyrics replies: the plugin's object read right, Markdown and mentions neutralised, one message."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audio_fleet.lyrics import MAX_MESSAGE, Lyrics, lyrics_message

CUT = "… (cut)"


def test_lines_and_text_forms() -> None:
    timed = Lyrics.from_json(
        {
            "sourceName": "spotify",
            "provider": "MusixMatch",
            "text": None,
            "lines": [{"timestamp": 0, "duration": None, "line": "one", "plugin": {}}, {"line": "two"}],
            "plugin": {},
        }
    )
    assert timed.lines == ("one", "two")
    assert timed.credit == "spotify (MusixMatch)"
    plain = Lyrics.from_json({"sourceName": "youtube", "provider": "youtube", "text": "a\nb", "lines": []})
    assert plain.lines == ("a", "b")
    assert plain.credit == "youtube"
    assert Lyrics.from_json({"sourceName": "x", "lines": [{"line": " "}]}).empty
    with pytest.raises(ValueError, match="neither text nor lines"):
        Lyrics.from_json({"sourceName": "x", "lines": "not a list"})


def test_short_lyrics_are_whole_and_neutralised() -> None:
    lyrics = Lyrics("youtube", "", ("**bold** @everyone", "<@123456789012345678> hi"))
    message = lyrics_message("Title:", lyrics, CUT)
    assert message.splitlines()[0] == "Title:"
    assert "@everyone" not in message
    assert "\\*\\*bold\\*\\*" in message
    assert "<@123456789012345678>" not in message
    assert not message.endswith(CUT)


def test_long_lyrics_are_cut_at_a_line() -> None:
    lyrics = Lyrics("youtube", "", tuple(f"line {n:03d} " + "x" * 40 for n in range(100)))
    message = lyrics_message("Title:", lyrics, CUT)
    assert len(message) <= MAX_MESSAGE
    assert message.endswith("\n" + CUT)
    body = message.splitlines()[1:-1]
    assert body == list(lyrics.lines[: len(body)])


@given(
    title=st.text(max_size=120),
    lines=st.lists(st.text(max_size=300), max_size=60),
    limit=st.integers(min_value=50, max_value=MAX_MESSAGE),
)
def test_the_message_always_fits(title: str, lines: list[str], limit: int) -> None:
    message = lyrics_message(title, Lyrics("s", "p", tuple(lines)), CUT, limit)
    assert len(message) <= limit
    assert message.startswith(title[:limit])
