"""Where the fleet persists player snapshots (JSON) so a restarted task can pick a guild back up."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from encore.billing.store import ensure_guild, insert_for
from encore.db.database import Database
from encore.db.models import PlayerState

__all__ = ["PlayerStateRepository"]


class PlayerStateRepository:
    def __init__(self, database: Database, clock: Callable[[], datetime]) -> None:
        self._db = database
        self._clock = clock

    async def save(self, guild_id: int, snapshot: dict[str, Any]) -> None:
        """Store (or replace) the guild's snapshot."""
        now = self._clock()
        async with self._db.transaction() as session:
            await ensure_guild(session, guild_id, now)
            stmt = insert_for(session)(PlayerState).values(
                guild_id=guild_id, snapshot=snapshot, updated_at=now
            )
            await session.execute(
                stmt.on_conflict_do_update(
                    index_elements=["guild_id"], set_={"snapshot": snapshot, "updated_at": now}
                )
            )

    async def load(self, guild_id: int) -> dict[str, Any] | None:
        async with self._db.read_session() as session:
            stmt = select(PlayerState.snapshot).where(PlayerState.guild_id == guild_id)
            return (await session.execute(stmt)).scalar_one_or_none()

    async def delete(self, guild_id: int) -> bool:
        """Forget the guild's snapshot; False when there was none."""
        async with self._db.transaction() as session:
            result = await session.execute(delete(PlayerState).where(PlayerState.guild_id == guild_id))
            return bool(result.rowcount)  # type: ignore[attr-defined]
