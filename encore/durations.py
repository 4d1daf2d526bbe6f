"""How Encore writes a play time: ``0:59``, ``3:33``, ``1:02:03`` (the front and the fleet alike)."""

from __future__ import annotations

__all__ = ["clock_text"]


def clock_text(milliseconds: int) -> str:
    """``m:ss`` under an hour, ``h:mm:ss`` from one; negative times read as ``0:00``."""
    seconds = max(0, milliseconds) // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
