"""Who may do what in a guild, from the member's roles and permission bits (pure)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

__all__ = ["ADMINISTRATOR", "MANAGE_GUILD", "can_manage_guild", "is_dj"]

ADMINISTRATOR: Final = 1 << 3
MANAGE_GUILD: Final = 1 << 5


def can_manage_guild(permissions: int) -> bool:
    return bool(permissions & (ADMINISTRATOR | MANAGE_GUILD))


def is_dj(roles: Iterable[int], permissions: int, dj_role_id: int | None, guild_id: int) -> bool:
    """A DJ: anyone when no DJ role is set (or it is @everyone), holders of it, and server managers."""
    if dj_role_id is None or dj_role_id == guild_id or can_manage_guild(permissions):
        return True
    return dj_role_id in set(roles)
