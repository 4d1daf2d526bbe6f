"""Discord snowflake ids and the guild-to-shard rule.

A snowflake is ``(ms since 2015-01-01) << 22 | worker << 17 | process << 12 | increment``, and
Discord routes a guild to shard ``(guild_id >> 22) % shard_count``. Every id the simulator hands
out carries a real timestamp. Guild ids come from their own ``consecutive`` generator whose
millisecond advances by exactly one per guild (starting at the clock), so consecutive guilds land
on consecutive shards: with N shards, any N guilds created in a row cover every shard.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

__all__ = ["DISCORD_EPOCH_MS", "SnowflakeGenerator", "shard_id_for", "snowflake_time"]

DISCORD_EPOCH_MS: Final = 1_420_070_400_000


def shard_id_for(guild_id: int, shard_count: int) -> int:
    """The shard that owns ``guild_id`` when the bot runs ``shard_count`` shards."""
    return (guild_id >> 22) % shard_count


def snowflake_time(snowflake: int) -> float:
    """Unix time (seconds) encoded in a snowflake."""
    return ((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000.0


class SnowflakeGenerator:
    """Hands out unique, strictly increasing snowflakes with real timestamp bits."""

    def __init__(
        self,
        clock: Callable[[], float],
        *,
        worker_id: int = 1,
        process_id: int = 0,
        consecutive: bool = False,
    ) -> None:
        self._clock = clock
        self._worker = worker_id & 0x1F
        self._process = process_id & 0x1F
        self._consecutive = consecutive
        self._last_ms = 0
        self._increment = 0

    def next(self) -> int:
        """A new id, at least one millisecond after the previous one (exactly one when
        ``consecutive``, after the first)."""
        now_ms = int(self._clock() * 1000) - DISCORD_EPOCH_MS
        if self._consecutive and self._last_ms:
            self._last_ms += 1
        else:
            self._last_ms = max(now_ms, self._last_ms + 1)
        self._increment = (self._increment + 1) & 0xFFF
        return (self._last_ms << 22) | (self._worker << 17) | (self._process << 12) | self._increment
