"""OAuth2 bearer tokens as Discord hands them to a web dashboard (``identify guilds`` scopes).

Not the authorisation-code dance itself: tests and the sandbox *mint* a token for a user with the
guilds (and their permission bitfields) that ``GET /users/@me/guilds`` should then return, which is
what a dashboard sees after the user logged in with Discord. Tokens expire like Discord's (7 days
by default, on the simulator's clock); an unknown or expired token gets ``401: Unauthorized``.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Final

__all__ = ["DEFAULT_EXPIRES_IN", "OAuth2Grant", "OAuth2Store", "UserGuild", "token_key"]

#: Discord's access tokens live 604,800 s (7 days).
DEFAULT_EXPIRES_IN: Final = 604_800

Json = dict[str, Any]


def token_key(token: str) -> str:
    """A short stable digest of a bearer token (rate-limit keys never hold the token itself)."""
    return hashlib.sha256(token.encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class UserGuild:
    """One entry of ``GET /users/@me/guilds`` for the token's user."""

    id: int
    permissions: int
    owner: bool = False
    name: str = ""

    def payload(self) -> Json:
        """The partial guild Discord returns: permissions as a decimal string."""
        return {
            "id": str(self.id),
            "name": self.name or f"Guild {self.id}",
            "icon": None,
            "banner": None,
            "owner": self.owner,
            "permissions": str(self.permissions),
            "features": [],
        }


@dataclass(frozen=True, slots=True)
class OAuth2Grant:
    """What one bearer token stands for."""

    access_token: str
    user_id: int
    scopes: tuple[str, ...]
    expires_at: float
    guilds: tuple[UserGuild, ...] = field(default=())

    def token_response(self, now: float) -> Json:
        """The body of Discord's ``POST /oauth2/token`` answer for this grant."""
        return {
            "access_token": self.access_token,
            "token_type": "Bearer",
            "expires_in": max(0, int(self.expires_at - now)),
            "refresh_token": secrets.token_urlsafe(22),
            "scope": " ".join(self.scopes),
        }


class OAuth2Store:
    """Minted bearer tokens, looked up on every ``Authorization: Bearer`` request."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._grants: dict[str, OAuth2Grant] = {}

    def mint(
        self,
        user_id: int,
        guilds: Iterable[UserGuild] = (),
        *,
        scopes: Iterable[str] = ("identify", "guilds"),
        expires_in: int = DEFAULT_EXPIRES_IN,
    ) -> OAuth2Grant:
        grant = OAuth2Grant(
            access_token=secrets.token_urlsafe(22)[:30],
            user_id=user_id,
            scopes=tuple(scopes),
            expires_at=self._clock() + expires_in,
            guilds=tuple(guilds),
        )
        self._grants[grant.access_token] = grant
        return grant

    def revoke(self, access_token: str) -> bool:
        return self._grants.pop(access_token, None) is not None

    def grant(self, access_token: str) -> OAuth2Grant | None:
        """The live grant of ``access_token``, or None (unknown, revoked or expired)."""
        grant = self._grants.get(access_token)
        if grant is None or grant.expires_at <= self._clock():
            return None
        return grant
