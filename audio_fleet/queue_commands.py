"""Editing the queue: ``/shuffle``, ``/remove position|range``, ``/move`` and ``/clear``.

Positions are 1-based, as the front's ``/queue`` shows them; position 1 is the next song.
"""

from __future__ import annotations

from typing import Final

import wavelink

from audio_fleet.consumer import CommandHandler
from audio_fleet.controls import PlayerControls, label, out_of_range
from encore.envelope import CommandEnvelope

__all__ = ["clear", "move", "queue_handlers", "remove", "shuffle"]

MSG_QUEUE_EMPTY: Final = "The queue is empty."
MSG_SHUFFLED: Final = "Shuffled {count} songs."
MSG_NOTHING_TO_SHUFFLE: Final = "There's nothing to shuffle: the queue has fewer than two songs."
MSG_REMOVED: Final = "Removed {track} from the queue."
MSG_REMOVED_RANGE: Final = "Removed {count} songs (positions {first} to {last}) from the queue."
MSG_BAD_RANGE: Final = "The range must go from the lower position to the higher one."
MSG_MOVED: Final = "Moved {track} to position {position}."
MSG_CLEARED: Final = "Cleared {count} {songs} from the queue."


def _int(envelope: CommandEnvelope, name: str) -> int | None:
    value = envelope.options.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


async def shuffle(player: wavelink.Player, envelope: CommandEnvelope) -> str:
    count = len(player.queue)
    if count < 2:
        return MSG_NOTHING_TO_SHUFFLE
    player.queue.shuffle()
    return MSG_SHUFFLED.format(count=count)


async def remove(player: wavelink.Player, envelope: CommandEnvelope) -> str:
    count = len(player.queue)
    if envelope.options.get("subcommand") == "range":
        first, last = _int(envelope, "from"), _int(envelope, "to")
        if first is None or last is None or first < 1 or first > last:
            return MSG_BAD_RANGE
        for position in (first, last):
            if position > count:
                return out_of_range(position, count)
        del player.queue[first - 1 : last]
        return MSG_REMOVED_RANGE.format(count=last - first + 1, first=first, last=last)
    position = _int(envelope, "position") or 0
    if position < 1 or position > count:
        return out_of_range(position, count)
    track = player.queue.peek(position - 1)
    player.queue.delete(position - 1)
    return MSG_REMOVED.format(track=label(track))


async def move(player: wavelink.Player, envelope: CommandEnvelope) -> str:
    count = len(player.queue)
    first, last = _int(envelope, "from") or 0, _int(envelope, "to") or 0
    for wanted in (first, last):
        if wanted < 1 or wanted > count:
            return out_of_range(wanted, count)
    track = player.queue.peek(first - 1)
    player.queue.delete(first - 1)
    player.queue.put_at(last - 1, track)
    return MSG_MOVED.format(track=label(track), position=last)


async def clear(player: wavelink.Player, envelope: CommandEnvelope) -> str:
    count = len(player.queue)
    if count == 0:
        return MSG_QUEUE_EMPTY
    player.queue.clear()
    return MSG_CLEARED.format(count=count, songs="song" if count == 1 else "songs")


def queue_handlers(controls: PlayerControls) -> dict[str, CommandHandler]:
    """The fleet handlers of the queue commands, by command name."""
    return {
        "shuffle": controls.handler(shuffle),
        "remove": controls.handler(remove),
        "move": controls.handler(move),
        "clear": controls.handler(clear),
    }
