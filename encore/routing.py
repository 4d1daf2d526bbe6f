"""Which shard and which shard group own a guild.

Discord assigns a guild to shard ``(guild_id >> 22) % shard_count``; Encore runs shards in groups
of ``shards_per_group`` consecutive shards, and every group has its own command queue, so a command
lands on the one fleet task that holds the guild's gateway connection (and its voice state).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ShardLayout"]


@dataclass(frozen=True, slots=True)
class ShardLayout:
    """How many shards exist and how they are grouped into fleet units."""

    shard_count: int = 1
    shards_per_group: int = 1

    def __post_init__(self) -> None:
        if self.shard_count < 1:
            raise ValueError("shard_count must be at least 1")
        if self.shards_per_group < 1:
            raise ValueError("shards_per_group must be at least 1")

    @property
    def group_count(self) -> int:
        """Number of shard groups (the last one may hold fewer shards)."""
        return -(-self.shard_count // self.shards_per_group)

    def shard_for_guild(self, guild_id: int) -> int:
        return (guild_id >> 22) % self.shard_count

    def group_for_shard(self, shard_id: int) -> int:
        if not 0 <= shard_id < self.shard_count:
            raise ValueError(f"shard {shard_id} is outside 0..{self.shard_count - 1}")
        return shard_id // self.shards_per_group

    def group_for_guild(self, guild_id: int) -> int:
        return self.group_for_shard(self.shard_for_guild(guild_id))

    def shards_in_group(self, group: int) -> tuple[int, ...]:
        if not 0 <= group < self.group_count:
            raise ValueError(f"shard group {group} is outside 0..{self.group_count - 1}")
        first = group * self.shards_per_group
        return tuple(range(first, min(first + self.shards_per_group, self.shard_count)))
