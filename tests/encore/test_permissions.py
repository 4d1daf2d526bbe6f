"""DJ-only and Manage-Server-only actions: who counts as a DJ."""

from __future__ import annotations

import pytest

from encore.permissions import ADMINISTRATOR, MANAGE_GUILD, can_manage_guild, is_dj

GUILD, DJ_ROLE, OTHER_ROLE = 100, 200, 300


@pytest.mark.parametrize(
    ("roles", "permissions", "dj_role", "expected"),
    [
        ((), 0, None, True),  # no DJ role configured: everyone controls the music
        ((), 0, GUILD, True),  # the DJ role is @everyone
        ((DJ_ROLE,), 0, DJ_ROLE, True),  # holds the DJ role
        ((OTHER_ROLE,), 0, DJ_ROLE, False),  # a listener without it
        ((), MANAGE_GUILD, DJ_ROLE, True),  # server managers always may
        ((), ADMINISTRATOR, DJ_ROLE, True),
    ],
)
def test_is_dj(roles: tuple[int, ...], permissions: int, dj_role: int | None, expected: bool) -> None:
    assert is_dj(roles, permissions, dj_role, GUILD) is expected


def test_manage_guild() -> None:
    assert can_manage_guild(MANAGE_GUILD | 1)
    assert can_manage_guild(ADMINISTRATOR)
    assert not can_manage_guild(1 << 10)
