"""The guild's queue: fair (round-robin by requester), with a bounded history and a length limit.

Pure: no I/O, no clock. :func:`fair_position` decides where a new track goes; :class:`FairQueue` is
the wavelink :class:`~wavelink.Queue` every fleet player uses, adding :meth:`FairQueue.add` (fair),
:meth:`FairQueue.add_next` (front of the queue) and :meth:`FairQueue.room` (the tier's limit), and
keeping only the last :data:`HISTORY_WINDOW` played tracks (all of them while the whole queue loops,
because looping the queue replays the history).

Round-robin: a requester's k-th upcoming track (counting the track playing now as their first)
belongs to round k. Rounds play in order, and within a round requesters keep the order they had in
the round before, so nobody gets two songs in a row while somebody else is waiting. A DJ's manual
reordering (move, shuffle, remove) is respected: later additions slot in around it.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Final, TypeVar

import wavelink

__all__ = [
    "HISTORY_WINDOW",
    "IDLE",
    "FairQueue",
    "QueueFullError",
    "fair_position",
    "fair_queue_of",
    "requester_of",
]

#: How many played tracks a guild's history keeps (``/history``, ``/previous``).
HISTORY_WINDOW: Final = 50

R = TypeVar("R", bound=Hashable)


class _Idle:
    """Nothing is playing (distinct from a track whose requester is unknown, None)."""

    def __repr__(self) -> str:
        return "IDLE"


IDLE: Final = _Idle()


class QueueFullError(Exception):
    """The queue already holds as many tracks as the guild's tier allows."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the queue is full ({limit} tracks)")
        self.limit = limit


def fair_position(upcoming: Sequence[R], requester: R, playing: R | _Idle = IDLE) -> int:
    """The index at which ``requester``'s new track goes into ``upcoming`` (requesters, in order).

    ``playing`` is the requester of the track playing now, or :data:`IDLE`.
    """
    rounds: list[int] = []
    seen: dict[R, int] = {}
    # order_in[n][who] = who's place among the requesters of round n (the player counts as round 0).
    order_in: list[dict[R, int]] = [{} if isinstance(playing, _Idle) else {playing: -1}]
    for index, who in enumerate(upcoming):
        count = seen.get(who, 0) + (1 if who == playing else 0)
        seen[who] = seen.get(who, 0) + 1
        rounds.append(count)
        while len(order_in) <= count:
            order_in.append({})
        order_in[count].setdefault(who, index)
    new_round = seen.get(requester, 0) + (1 if requester == playing else 0)
    position = 0
    for index, round_of in enumerate(rounds):
        if round_of < new_round:
            position = index + 1
    # Within its round, the new track follows the requesters who came before its requester in the
    # round before (a newcomer, in round 0, follows everyone already there).
    before = order_in[new_round - 1] if 0 < new_round <= len(order_in) else {}
    mine = before.get(requester, len(upcoming))  # unknown there: after everyone who was
    for index in range(position, len(upcoming)):
        if rounds[index] != new_round:
            continue
        if before.get(upcoming[index], -2) < mine:
            position = index + 1
        else:
            break
    return position


def requester_of(track: wavelink.Playable) -> int | None:
    """Who asked for ``track`` (the ``requester_id`` the fleet stores in its extras), if known."""
    raw = getattr(track.extras, "requester_id", None)
    try:
        return int(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None


class _History(wavelink.Queue):
    """Played tracks; keeps the last ``window`` unless ``keep_all()`` says the queue loops."""

    def __init__(self, owner: FairQueue, window: int) -> None:
        super().__init__(history=False)
        self._owner = owner
        self._window = window

    def put(
        self, item: list[wavelink.Playable] | wavelink.Playable | wavelink.Playlist, /, *, atomic: bool = True
    ) -> int:
        added = super().put(item, atomic=atomic)
        if self._owner.mode is not wavelink.QueueMode.loop_all and len(self) > self._window:
            del self[: len(self) - self._window]
        return added


class FairQueue(wavelink.Queue):
    """A wavelink queue with fair insertion, a length limit and a bounded history."""

    def __init__(self, *, history_window: int = HISTORY_WINDOW) -> None:
        super().__init__(history=True)
        self._history = _History(self, history_window)

    def room(self, limit: int) -> int:
        """How many more tracks fit under ``limit``."""
        return max(0, limit - len(self))

    def add(self, track: wavelink.Playable, playing: wavelink.Playable | None, limit: int) -> int:
        """Queue ``track`` at its fair place; its 1-based position. QueueFullError at ``limit``."""
        if self.room(limit) < 1:
            raise QueueFullError(limit)
        index = fair_position(
            [requester_of(t) for t in self],
            requester_of(track),
            requester_of(playing) if playing is not None else IDLE,
        )
        self.put_at(index, track)
        return index + 1

    def add_next(self, track: wavelink.Playable, limit: int) -> None:
        """Queue ``track`` to play next (a DJ's choice overrides fairness). QueueFullError at ``limit``."""
        if self.room(limit) < 1:
            raise QueueFullError(limit)
        self.put_at(0, track)


def fair_queue_of(player: wavelink.Player) -> FairQueue:
    """The player's queue as a :class:`FairQueue`, replacing wavelink's plain one (tracks, history
    and loop mode carried over) the first time."""
    queue = player.queue
    if isinstance(queue, FairQueue):
        return queue
    fair = FairQueue()
    fair.put(list(queue))
    if queue.history is not None and fair.history is not None:
        fair.history.put(list(queue.history))
    fair.mode = queue.mode
    fair.loaded = queue.loaded
    player.queue = fair
    return fair
