"""Controlling the player: ``/pause``, ``/resume``, ``/skip``, ``/previous``, ``/seek``, ``/replay``,
``/stop``, ``/leave``, ``/volume``, ``/loop``, and the now-playing buttons (command ``np``).

Every handler goes through :class:`~audio_fleet.controls.PlayerControls` (the guild has a player, the
user is in its channel) and the snapshot is saved after it acted. Skipping plays the next song
directly (a ``replaced`` end, which wavelink's autoplay ignores), so the reply can name it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Final

import wavelink

from audio_fleet.consumer import CommandHandler
from audio_fleet.controls import MSG_NOTHING_PLAYING, PlayerAction, PlayerControls, label, out_of_range
from audio_fleet.formatting import duration
from audio_fleet.guild_rules import EnvelopeTiers, TierLookup
from audio_fleet.queue_commands import queue_handlers, shuffle
from encore.commands.seek import parse_seek
from encore.entitlements import decide_volume
from encore.envelope import CommandEnvelope
from encore.tiers import DEFAULT_TIERS, Tier

__all__ = ["PlayerCommands", "skip"]

MSG_PAUSED: Final = "Paused {track}."
MSG_ALREADY_PAUSED: Final = "The music is already paused. Use `/resume` to continue."
MSG_RESUMED: Final = "Resumed {track}."
MSG_NOT_PAUSED: Final = "The music isn't paused."
MSG_SKIPPED_TO: Final = "Skipped {skipped}. Now playing {track}"
MSG_SKIPPED_LAST: Final = "Skipped {skipped}. The queue is empty now."
MSG_NO_PREVIOUS: Final = "There's no previous song to go back to."
MSG_PREVIOUS: Final = "Playing the previous song again: {track}"
MSG_BAD_SEEK: Final = "I don't understand that time. Use something like 1:23, 83, +10 or -1:30."
MSG_STREAM_SEEK: Final = "You can't seek in a live stream."
MSG_NOT_SEEKABLE: Final = "This song can't be seeked."
MSG_SEEKED: Final = "Jumped to `{position}` in {track}"
MSG_REPLAYED: Final = "Playing {track} from the beginning."
MSG_STOPPED: Final = "Stopped the music and cleared the queue."
MSG_LEFT: Final = "Left {channel}. See you next time!"
MSG_VOLUME: Final = "Volume set to {level}%."
MSG_VOLUME_CAPPED: Final = "This server's plan allows a volume up to {cap}%. {prompt}"
MSG_LOOP: Final = {
    wavelink.QueueMode.normal: "Looping is off.",
    wavelink.QueueMode.loop: "Looping the current song.",
    wavelink.QueueMode.loop_all: "Looping the whole queue.",
}
MSG_UNKNOWN_BUTTON: Final = "That button doesn't do anything any more."

_LOOP_MODES: Final = {
    "off": wavelink.QueueMode.normal,
    "track": wavelink.QueueMode.loop,
    "queue": wavelink.QueueMode.loop_all,
}
#: The now-playing loop button cycles off → song → queue → off.
_NEXT_LOOP: Final = {
    wavelink.QueueMode.normal: wavelink.QueueMode.loop,
    wavelink.QueueMode.loop: wavelink.QueueMode.loop_all,
    wavelink.QueueMode.loop_all: wavelink.QueueMode.normal,
}


def _same(first: wavelink.Playable | None, second: wavelink.Playable | None) -> bool:
    return first is not None and second is not None and first.encoded == second.encoded


async def pause(player: wavelink.Player, envelope: CommandEnvelope) -> str:
    if player.current is None:
        return MSG_NOTHING_PLAYING
    if player.paused:
        return MSG_ALREADY_PAUSED
    await player.pause(True)
    return MSG_PAUSED.format(track=label(player.current))


async def resume(player: wavelink.Player, envelope: CommandEnvelope) -> str:
    if player.current is None:
        return MSG_NOTHING_PLAYING
    if not player.paused:
        return MSG_NOT_PAUSED
    await player.pause(False)
    return MSG_RESUMED.format(track=label(player.current))


async def skip(player: wavelink.Player, envelope: CommandEnvelope) -> str:
    current = player.current
    if current is None:
        return MSG_NOTHING_PLAYING
    target = envelope.options.get("to")
    position = target if isinstance(target, int) and not isinstance(target, bool) else 1
    count = len(player.queue)
    if position < 1 or (position > count and (count > 0 or "to" in envelope.options)):
        return out_of_range(position, count)
    if count == 0:
        await player.skip(force=True)
        return MSG_SKIPPED_LAST.format(skipped=label(current))
    del player.queue[: position - 1]
    track = player.queue.get_at(0)
    await player.play(track)
    return MSG_SKIPPED_TO.format(skipped=label(current), track=label(track))


async def previous(player: wavelink.Player, envelope: CommandEnvelope) -> str:
    history = player.queue.history
    if history is None:
        return MSG_NO_PREVIOUS
    current = player.current
    # The song playing now is the last one in the history: the previous song is the one before.
    skip_current = 1 if len(history) > 0 and _same(history.peek(len(history) - 1), current) else 0
    if len(history) <= skip_current:
        return MSG_NO_PREVIOUS
    track = history.peek(len(history) - 1 - skip_current)
    del history[len(history) - 1 - skip_current :]
    if current is not None:
        player.queue.put_at(0, current)
    await player.play(track)
    return MSG_PREVIOUS.format(track=label(track))


async def seek(player: wavelink.Player, envelope: CommandEnvelope) -> str:
    current = player.current
    if current is None:
        return MSG_NOTHING_PLAYING
    try:
        target = parse_seek(str(envelope.options.get("position", "")), envelope.locale)
    except ValueError:
        return MSG_BAD_SEEK
    if current.is_stream:
        return MSG_STREAM_SEEK
    if not current.is_seekable:
        return MSG_NOT_SEEKABLE
    position = target.resolve(player.position, current.length)
    await player.seek(position)
    return MSG_SEEKED.format(position=duration(position), track=label(current))


async def replay(player: wavelink.Player, envelope: CommandEnvelope) -> str:
    current = player.current
    if current is None:
        return MSG_NOTHING_PLAYING
    if current.is_stream:
        return MSG_STREAM_SEEK
    if not current.is_seekable:
        return MSG_NOT_SEEKABLE
    await player.seek(0)
    return MSG_REPLAYED.format(track=label(current))


async def stop(player: wavelink.Player, envelope: CommandEnvelope) -> str:
    player.queue.clear()
    # A queue loop would refill the queue from the history when the stopped song ends.
    player.queue.mode = wavelink.QueueMode.normal
    if player.current is not None:
        await player.skip(force=True)
    return MSG_STOPPED


async def loop(player: wavelink.Player, envelope: CommandEnvelope) -> str:
    mode = _LOOP_MODES.get(str(envelope.options.get("mode", "")), wavelink.QueueMode.normal)
    player.queue.mode = mode
    return MSG_LOOP[mode]


async def _cycle_loop(player: wavelink.Player, envelope: CommandEnvelope) -> str:
    player.queue.mode = _NEXT_LOOP.get(player.queue.mode, wavelink.QueueMode.normal)
    return MSG_LOOP[player.queue.mode]


#: What each now-playing button does (custom id actions, :class:`encore.custom_ids.NowPlayingAction`).
_BUTTONS: Final[Mapping[str, PlayerAction]] = {
    "pause": pause,
    "resume": resume,
    "skip": skip,
    "previous": previous,
    "loop": _cycle_loop,
    "shuffle": shuffle,
    "stop": stop,
}


class PlayerCommands:
    """Every fleet command but ``/play``, with the tiers that cap ``/volume``.

    ``skip`` replaces the plain skip for ``/skip`` and the skip button (the fleet passes its
    vote-skip, :class:`~audio_fleet.vote_skip.VoteSkip`).
    """

    def __init__(
        self,
        controls: PlayerControls,
        *,
        sku_tiers: Mapping[int, str] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        tiers: TierLookup | None = None,
        skip: PlayerAction = skip,
        tier_table: Mapping[str, Tier] = DEFAULT_TIERS,
    ) -> None:
        """``tier_table`` is the configured tiers (ENCORE_TIERS): what ``/volume`` may reach."""
        self._controls = controls
        self._tiers: TierLookup = tiers or EnvelopeTiers(sku_tiers, clock=clock, tiers=tier_table)
        self._tier_table = tier_table
        self._skip = skip
        self._buttons: Mapping[str, PlayerAction] = {**_BUTTONS, "skip": skip}

    async def now_playing_button(self, player: wavelink.Player, envelope: CommandEnvelope) -> str:
        action = self._buttons.get(str(envelope.options.get("action", "")))
        if action is None:
            return MSG_UNKNOWN_BUTTON
        # A button carries only its action: skip's optional "to" must not leak in from elsewhere.
        return await action(player, envelope.model_copy(update={"options": {}}))

    async def volume(self, player: wavelink.Player, envelope: CommandEnvelope) -> str:
        raw = envelope.options.get("level")
        level = raw if isinstance(raw, int) and not isinstance(raw, bool) else player.volume
        tier = await self._tiers(envelope)
        decision = decide_volume(tier, level, self._tier_table)
        if not decision.allowed:
            return MSG_VOLUME_CAPPED.format(cap=tier.volume_cap, prompt=decision.prompt)
        await player.set_volume(level)
        return MSG_VOLUME.format(level=level)

    async def leave(self, envelope: CommandEnvelope) -> str:
        found = self._controls.find(envelope)
        if isinstance(found, str):
            return found
        channel = found.channel.mention if found.channel is not None else "the voice channel"
        found.queue.reset()
        await found.disconnect()
        await self._controls.forget(envelope.guild_id)
        return MSG_LEFT.format(channel=channel)

    def handlers(self) -> dict[str, CommandHandler]:
        """The fleet handlers, by command name (``np`` is the now-playing buttons)."""
        handle = self._controls.handler
        return {
            "pause": handle(pause),
            "resume": handle(resume),
            "skip": handle(self._skip),
            "previous": handle(previous),
            "seek": handle(seek),
            "replay": handle(replay),
            "stop": handle(stop),
            "leave": self.leave,
            "volume": handle(self.volume),
            "loop": handle(loop),
            "np": handle(self.now_playing_button),
            **queue_handlers(self._controls),
        }
