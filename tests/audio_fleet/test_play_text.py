"""What /play writes back from user or source text is inert: no Markdown, no mentions."""

from __future__ import annotations

from audio_fleet.play import MSG_NO_RESULTS, _plain


def test_a_query_cannot_ping_or_format() -> None:
    text = MSG_NO_RESULTS.format(query=_plain("@everyone **loud** <@123456789012345678> `code`"))
    assert "@everyone" not in text
    assert "<@123456789012345678>" not in text
    assert "**loud**" not in text
    assert text.startswith("I found nothing for `")


def test_long_text_is_cut_with_an_ellipsis() -> None:
    assert _plain("x" * 300, limit=10) == "x" * 9 + "…"
