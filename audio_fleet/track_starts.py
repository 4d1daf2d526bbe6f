"""Where the track a player plays now started, and whether that start replays one already counted.

wavelink's ``Player.position`` comes from Lavalink's ``playerUpdate``s: it is 0 until a new player's
first one, and for a later track it is the previous track's position moved on until the first
update after the new start. :func:`position_of` trusts it only once Lavalink has updated the player
since the current track started; until then the position is where the track started (0, or the
saved position a restore or a node move resumed it at), so a snapshot taken right after a start
never sends a restore back to the beginning of the song.

A restore (after a restart or a handoff) and a node move replay a track whose start the fleet
already counted (play history, usage). They call :func:`replaying` before ``player.play``; the
track start that follows is then marked :attr:`TrackStart.replay` and
:class:`~audio_fleet.play_usage.PlayUsage` does not count it again. The mark is for that one start:
the same track played again later (a loop, ``/replay``) counts.

:func:`started` is called for every TrackStartEvent, before the player's observers hear of it.
"""

from __future__ import annotations

import time
import weakref
from dataclasses import dataclass
from typing import Final

import wavelink

__all__ = ["TrackStart", "current_start", "position_of", "replaying", "started"]

#: A replay whose TrackStartEvent has not come within this long is forgotten (the play failed).
PENDING_FOR_NS: Final = 30 * 1_000_000_000


@dataclass(frozen=True, slots=True)
class TrackStart:
    encoded: str
    position_ms: int  #: where the track started
    at_ns: int  #: ``time.monotonic_ns()`` when the start was seen (or asked for, while pending)
    replay: bool = False  #: replays a start already counted (a restore, a node move)
    pending: bool = False  #: asked for; its TrackStartEvent has not come yet


_starts: weakref.WeakKeyDictionary[wavelink.Player, TrackStart] = weakref.WeakKeyDictionary()


def replaying(player: wavelink.Player, track: wavelink.Playable, position_ms: int) -> None:
    """``player`` is about to replay ``track`` from ``position_ms``: a start already counted."""
    _starts[player] = TrackStart(track.encoded, position_ms, time.monotonic_ns(), replay=True, pending=True)


def started(player: wavelink.Player, track: wavelink.Playable) -> TrackStart:
    """Lavalink says ``track`` started on ``player`` (a replay if :func:`replaying` asked for it)."""
    now = time.monotonic_ns()
    asked = _starts.get(player)
    awaited = asked is not None and asked.pending and now - asked.at_ns < PENDING_FOR_NS
    if asked is not None and awaited and asked.encoded == track.encoded:
        start = TrackStart(track.encoded, asked.position_ms, now, replay=True)
    else:
        start = TrackStart(track.encoded, 0, now)
    _starts[player] = start
    return start


def current_start(player: wavelink.Player) -> TrackStart | None:
    """The start of the track ``player`` plays now, when this process saw it (or asked for it)."""
    current = player.current
    start = _starts.get(player)
    if current is None or start is None or start.encoded != current.encoded:
        return None
    return start


def position_of(player: wavelink.Player) -> int:
    """The current track's position in ms: wavelink's once Lavalink updated the player after the
    track started, else where it started."""
    start = current_start(player)
    if start is None:
        return player.position
    updated = player._last_update  # wavelink keeps no public "updated since" (monotonic ns)
    if updated is not None and updated >= start.at_ns and not start.pending:
        return player.position
    return start.position_ms
