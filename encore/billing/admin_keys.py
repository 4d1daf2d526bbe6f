"""Back-office API keys: hashed, scoped, shown in plain text once.

A key is ``enc_`` + 32 random bytes (URL-safe base64). Only its SHA-256 is stored (a key has 256
bits of entropy, so a fast hash is enough; there is nothing to brute-force), and a lookup is by that
hash, so verifying costs one indexed query. Scopes are short names such as ``billing:read``.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from encore.billing.errors import InvalidInputError
from encore.db.database import Database
from encore.db.models import AdminKey as AdminKeyRow

__all__ = ["PREFIX", "AdminKey", "AdminKeys", "CreatedKey", "create", "verify"]

PREFIX = "enc_"
_SCOPE = re.compile(r"^[a-z][a-z0-9_.-]{0,31}(:[a-z][a-z0-9_.-]{0,31})?$")


@dataclass(frozen=True, slots=True)
class AdminKey:
    id: int
    name: str
    scopes: frozenset[str]

    def allows(self, scope: str) -> bool:
        return scope in self.scopes or "*" in self.scopes


@dataclass(frozen=True, slots=True)
class CreatedKey:
    key: AdminKey
    plaintext: str  #: shown once; only its hash is stored


def _hash(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


class AdminKeys:
    def __init__(self, database: Database, clock: Callable[[], datetime]) -> None:
        self._db = database
        self._clock = clock

    async def create(self, name: str, scopes: Iterable[str]) -> CreatedKey:
        wanted = frozenset(scopes)
        if not 1 <= len(name) <= 100:
            raise InvalidInputError("A key name must be 1 to 100 characters.")
        bad = [s for s in wanted if s != "*" and not _SCOPE.match(s)]
        if not wanted or bad:
            raise InvalidInputError(f"Scopes must look like billing:read; refused: {', '.join(sorted(bad))}")
        plaintext = PREFIX + secrets.token_urlsafe(32)
        row = AdminKeyRow(
            name=name, key_hash=_hash(plaintext), scopes=sorted(wanted), created_at=self._clock()
        )
        async with self._db.transaction() as session:
            session.add(row)
            await session.flush()
        return CreatedKey(AdminKey(row.id, name, wanted), plaintext)

    async def verify(self, plaintext: str) -> AdminKey | None:
        """The key's scopes, or None for an unknown, malformed or revoked key."""
        if not plaintext.startswith(PREFIX) or len(plaintext) > 200:
            return None
        async with self._db.read_session() as session:
            stmt = select(AdminKeyRow).where(
                AdminKeyRow.key_hash == _hash(plaintext), AdminKeyRow.revoked_at.is_(None)
            )
            row = (await session.execute(stmt)).scalar_one_or_none()
        if row is None:
            return None
        return AdminKey(row.id, row.name, frozenset(row.scopes))

    async def revoke(self, key_id: int) -> bool:
        async with self._db.transaction() as session:
            result = await session.execute(
                update(AdminKeyRow)
                .where(AdminKeyRow.id == key_id, AdminKeyRow.revoked_at.is_(None))
                .values(revoked_at=self._clock())
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]


async def verify(database: Database, plaintext: str) -> AdminKey | None:
    """:meth:`AdminKeys.verify` without building the object (verifying needs no clock)."""
    return await AdminKeys(database, _no_clock).verify(plaintext)


async def create(database: Database, name: str, scopes: Iterable[str], now: datetime) -> CreatedKey:
    """:meth:`AdminKeys.create` with the creation time given."""
    return await AdminKeys(database, lambda: now).create(name, scopes)


def _no_clock() -> datetime:
    raise AssertionError("verifying a key reads no clock")
