"""Who is calling the API, and may they do this to that guild.

Two kinds of caller:

* a guild admin, with ``Authorization: Bearer <Discord OAuth2 token>``: Discord says who they are
  and which guilds they own or hold Manage Server (or Administrator) in; anything else is 403;
* the back office, with ``Authorization: Admin <key>`` or ``X-Admin-Key: <key>``: a hashed,
  scoped admin key (``billing:read`` for GETs, ``billing:write`` for changes) on every guild.

No credentials, or credentials nobody recognises, is 401 with ``WWW-Authenticate``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal, Protocol

from encore.billing.views import Actor
from interactions.api.discord_oauth import UserDirectory
from interactions.api.problems import ApiProblem

__all__ = [
    "READ",
    "WRITE",
    "AccessPolicy",
    "AdminGrant",
    "AdminKeyVerifier",
    "Principal",
]

READ: Final = "billing:read"
WRITE: Final = "billing:write"
MAX_CREDENTIAL: Final = 512
_CREDENTIAL: Final = re.compile(r"^[\x21-\x7e]{1,512}$")  # visible ASCII, MAX_CREDENTIAL at most
_CHALLENGE: Final = {"WWW-Authenticate": 'Bearer realm="encore", Admin realm="encore"'}


@dataclass(frozen=True, slots=True)
class AdminGrant:
    """A verified admin key: its id (never the key) and scopes."""

    key_id: str
    scopes: frozenset[str]

    def allows(self, scope: str) -> bool:
        return scope in self.scopes or "*" in self.scopes


class AdminKeyVerifier(Protocol):
    async def verify(self, plaintext: str) -> AdminGrant | None: ...


@dataclass(frozen=True, slots=True)
class Principal:
    kind: Literal["user", "admin_key"]
    id: str

    @property
    def name(self) -> str:
        """Stable and unique across kinds: idempotency keys are scoped by it."""
        return f"{self.kind}:{self.id}"

    def actor(self, ip: str | None) -> Actor:
        return Actor(id=self.id, kind=self.kind, source="api", ip=ip)


def _unauthorized(detail: str) -> ApiProblem:
    return ApiProblem(401, detail, kind="unauthorized", headers=_CHALLENGE)


class AccessPolicy:
    def __init__(self, users: UserDirectory, admin_keys: AdminKeyVerifier) -> None:
        self._users = users
        self._admin_keys = admin_keys

    async def authorize(
        self, authorization: str | None, admin_key: str | None, guild_id: int, scope: str
    ) -> Principal:
        """The caller, if they may use ``scope`` on ``guild_id``; else raise 401 / 403."""
        if admin_key is None and authorization is not None:
            scheme, _, credential = authorization.strip().partition(" ")
            if scheme.lower() == "admin":
                admin_key = credential.strip()
            elif scheme.lower() == "bearer" and credential.strip():
                return await self._user(credential.strip(), guild_id)
            else:
                raise _unauthorized("Use 'Authorization: Bearer <Discord OAuth2 token>' or an admin key.")
        if admin_key is None:
            raise _unauthorized("Credentials are required: a Discord OAuth2 bearer token or an admin key.")
        return await self._admin(admin_key, scope)

    async def _user(self, token: str, guild_id: int) -> Principal:
        if not _CREDENTIAL.match(token):
            raise _unauthorized("Discord did not accept this OAuth2 token.")
        user = await self._users.user(token)
        if not user.manages(guild_id):
            raise ApiProblem(403, "You need Manage Server (or to own the server) on this guild.")
        return Principal("user", str(user.user_id))

    async def _admin(self, key: str, scope: str) -> Principal:
        if not _CREDENTIAL.match(key):
            raise _unauthorized("This admin key is not valid.")
        grant = await self._admin_keys.verify(key)
        if grant is None:
            raise _unauthorized("This admin key is not valid.")
        if not grant.allows(scope):
            raise ApiProblem(403, f"This admin key does not have the {scope} scope.")
        return Principal("admin_key", grant.key_id)
