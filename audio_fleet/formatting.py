"""How the fleet writes track names and durations into Discord messages."""

from __future__ import annotations

import discord

from encore.durations import clock_text

__all__ = ["duration", "neutralise", "track_label"]


def duration(milliseconds: int, *, is_stream: bool = False) -> str:
    """``3:33``, ``1:02:03``, or ``LIVE`` for a stream."""
    return "LIVE" if is_stream else clock_text(milliseconds)


def _escape(text: str) -> str:
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


def neutralise(text: str) -> str:
    """``text`` (a title, a lyric line, a playlist name) with its Markdown and mentions made inert."""
    return _escape(text)


def track_label(title: str, author: str, length_ms: int, *, is_stream: bool = False) -> str:
    """**Title** by Author (`3:33`), with Markdown and mentions in the names neutralised."""
    return f"**{_escape(title)}** by {_escape(author)} (`{duration(length_ms, is_stream=is_stream)}`)"
