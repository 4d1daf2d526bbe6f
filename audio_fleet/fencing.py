"""Group-scoped writes that only the current lease holder may make.

:class:`FencedSnapshotStore` saves and deletes a guild's player snapshot only while this task holds
the lease of the guild's shard group (token included), checked in the same Lua script as the write.
:class:`FencedSource` wraps a group's command source: it neither hands out nor acknowledges a
message once the lease is gone, so the new owner gets it (redelivery) instead.

A write refused by the fence raises :class:`LeaseLostError`; the snapshot keeper logs it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from audio_fleet.leases import Lease, LeaseStore
from encore.errors import EncoreError, QueueError, QueueUnavailableError
from encore.player_snapshot import SNAPSHOT_TTL_S, PlayerSnapshot, SnapshotStore
from encore.queue import CommandSource, ReceivedMessage
from encore.redis_client import RedisUnavailableError
from encore.routing import ShardLayout

__all__ = ["FencedSnapshotStore", "FencedSource", "LeaseLostError"]

#: The key prefix :class:`~encore.player_snapshot.RedisSnapshotStore` uses by default.
SNAPSHOT_PREFIX: Final = "encore:player:"


class LeaseLostError(EncoreError):
    """This task no longer holds ``group``'s lease: a group-scoped write was refused."""

    def __init__(self, group: int, action: str) -> None:
        super().__init__(f"{action} refused: this task no longer holds shard group {group}")
        self.group = group
        self.action = action


LeaseLookup = Callable[[int], Lease | None]


class FencedSnapshotStore:
    """A :class:`~encore.player_snapshot.SnapshotStore` whose writes are fenced by group leases.

    ``reader`` serves loads (any task may read); ``lease_for(group)`` is this task's current lease
    of a group, or None.
    """

    def __init__(
        self,
        leases: LeaseStore,
        reader: SnapshotStore,
        layout: ShardLayout,
        lease_for: LeaseLookup,
        *,
        prefix: str = SNAPSHOT_PREFIX,
        ttl_s: int = SNAPSHOT_TTL_S,
    ) -> None:
        self._leases = leases
        self._reader = reader
        self._layout = layout
        self._lease_for = lease_for
        self._prefix = prefix
        self._ttl_s = ttl_s

    def _lease(self, guild_id: int, action: str) -> Lease:
        group = self._layout.group_for_guild(guild_id)
        lease = self._lease_for(group)
        if lease is None:
            raise LeaseLostError(group, action)
        return lease

    async def load(self, guild_id: int) -> PlayerSnapshot | None:
        return await self._reader.load(guild_id)

    async def save(self, snapshot: PlayerSnapshot) -> None:
        lease = self._lease(snapshot.guild_id, "snapshot save")
        key = f"{self._prefix}{snapshot.guild_id}"
        if not await self._leases.fenced_set(lease, key, snapshot.to_json(), self._ttl_s):
            raise LeaseLostError(lease.group, "snapshot save")

    async def delete(self, guild_id: int) -> None:
        lease = self._lease(guild_id, "snapshot delete")
        if not await self._leases.fenced_delete(lease, f"{self._prefix}{guild_id}"):
            raise LeaseLostError(lease.group, "snapshot delete")


class FencedSource:
    """A group's command source that stops at the fence: no receive or ack without the lease."""

    def __init__(self, source: CommandSource, leases: LeaseStore, lease: Lease) -> None:
        self._source = source
        self._leases = leases
        self._lease = lease

    @property
    def group(self) -> int:
        return self._lease.group

    async def _holds(self, action: str) -> None:
        try:
            held = await self._leases.holds(self._lease)
        except RedisUnavailableError as exc:
            # Not knowing is not owning: the consumer backs off and asks again.
            raise QueueUnavailableError(f"shard group {self._lease.group}: lease unknown ({exc})") from exc
        if not held:
            raise QueueError(f"shard group {self._lease.group}: lease lost, {action}")

    async def receive(
        self, max_messages: int, wait_seconds: float, visibility_timeout: float | None = None
    ) -> list[ReceivedMessage]:
        await self._holds("not receiving")
        return await self._source.receive(max_messages, wait_seconds, visibility_timeout)

    async def ack(self, message: ReceivedMessage) -> None:
        await self._holds("message left for the new owner")
        await self._source.ack(message)

    async def extend(self, message: ReceivedMessage, seconds: float) -> None:
        await self._source.extend(message, seconds)
