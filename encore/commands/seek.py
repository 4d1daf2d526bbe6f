"""``/seek`` positions: what a listener types (``1:23``, ``83``, ``+10``, ``-1:30``) as a
:class:`SeekTarget`, and where that lands in a track."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from encore.commands.option_error import OptionError

__all__ = ["MAX_SEEK_MS", "SeekTarget", "parse_seek"]

#: The furthest ``/seek`` goes, either way: 99:59:59.
MAX_SEEK_MS: Final = (99 * 3600 + 59 * 60 + 59) * 1000

_DIGITS: Final = re.compile(r"[0-9]{1,6}")


@dataclass(frozen=True, slots=True)
class SeekTarget:
    """Where ``/seek`` goes: exactly one of an absolute position or a move from the current one."""

    absolute_ms: int | None = None
    relative_ms: int | None = None

    def __post_init__(self) -> None:
        if (self.absolute_ms is None) == (self.relative_ms is None):
            raise ValueError("a seek target is absolute or relative, exactly one")

    def resolve(self, position_ms: int, length_ms: int) -> int:
        """The position to seek to in a track of ``length_ms``, clamped to the track."""
        target = self.absolute_ms if self.absolute_ms is not None else position_ms + (self.relative_ms or 0)
        return max(0, min(target, length_ms))


def _clock(ms: int) -> str:
    seconds = ms // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


def parse_seek(text: str, locale: str | None = None) -> SeekTarget:
    """Read a ``/seek`` position: ``83`` or ``1:23`` or ``1:02:03`` (absolute), ``+10``/``-1:30``
    (relative, in seconds or the same clock forms). Raises OptionError (a ValueError) with a
    message for the user when the text is not one of those, or goes past :data:`MAX_SEEK_MS`."""
    raw = text.strip()
    sign = raw[:1] if raw[:1] in ("+", "-") else ""
    parts = raw[len(sign) :].split(":")
    if len(parts) > 3 or not all(_DIGITS.fullmatch(p) for p in parts):
        raise OptionError("error.bad_seek", locale)
    numbers = [int(p) for p in parts]
    if any(n > 59 for n in numbers[1:]) or any(len(p) > 2 for p in parts[1:]):
        raise OptionError("error.bad_seek", locale)
    seconds = 0
    for number in numbers:
        seconds = seconds * 60 + number
    ms = seconds * 1000
    if ms > MAX_SEEK_MS:
        raise OptionError("error.seek_too_far", locale, max=_clock(MAX_SEEK_MS))
    if sign:
        return SeekTarget(relative_ms=-ms if sign == "-" else ms)
    return SeekTarget(absolute_ms=ms)
