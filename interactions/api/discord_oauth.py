"""Who a Discord OAuth2 bearer token belongs to, and which guilds it may manage, asked of Discord.

:class:`DiscordUserDirectory` calls ``GET /users/@me`` and ``GET /users/@me/guilds`` with the
caller's token and keeps the answer for ``ttl_s`` seconds, keyed by a SHA-256 of the token (the
token itself is never stored). Refused tokens are remembered too, so a client retrying a bad
token does not make Discord count invalid requests against us (it bans an IP after 10,000 in ten
minutes). Discord being down or rate-limiting us is not the caller's fault: it is a 502 / 429
problem, not a 401.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Protocol

import httpx

from encore.permissions import can_manage_guild
from interactions.api.problems import ApiProblem

__all__ = ["DiscordUser", "DiscordUserDirectory", "UserDirectory", "manageable_guilds", "token_digest"]

DEFAULT_TTL_S: Final = 60.0
MAX_CACHED: Final = 10_000


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class DiscordUser:
    """A token's user and the guilds they may manage (Manage Server, Administrator or owner)."""

    user_id: int
    manageable: frozenset[int]

    def manages(self, guild_id: int) -> bool:
        return guild_id in self.manageable


class UserDirectory(Protocol):
    async def user(self, token: str) -> DiscordUser:
        """The token's user, or raise ApiProblem (401 refused, 429/502 Discord unavailable)."""
        ...


def manageable_guilds(guilds: Any) -> frozenset[int]:
    """The guild ids of ``GET /users/@me/guilds`` the user owns or holds Manage Server or
    Administrator in (``permissions`` is a decimal string)."""
    if not isinstance(guilds, list):
        raise ValueError("guild list is not a list")
    found: set[int] = set()
    for guild in guilds:
        permissions = int(guild.get("permissions", "0"))
        if guild.get("owner") is True or can_manage_guild(permissions):
            found.add(int(guild["id"]))
    return frozenset(found)


class DiscordUserDirectory:
    def __init__(
        self,
        api_base: str,
        *,
        ttl_s: float = DEFAULT_TTL_S,
        clock: Callable[[], float] = time.monotonic,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout_s: float = 5.0,
    ) -> None:
        self._api_base = api_base.rstrip("/")
        self._ttl_s = ttl_s
        self._clock = clock
        self._transport = transport
        self._timeout_s = timeout_s
        self._client: httpx.AsyncClient | None = None
        self._cache: OrderedDict[str, tuple[float, DiscordUser | None]] = OrderedDict()

    async def user(self, token: str) -> DiscordUser:
        key = token_digest(token)
        now = self._clock()
        cached = self._cache.get(key)
        if cached is not None and cached[0] > now:
            return self._known(cached[1])
        found = await self._ask(token)
        self._cache[key] = (now + self._ttl_s, found)
        self._cache.move_to_end(key)
        while len(self._cache) > MAX_CACHED:
            self._cache.popitem(last=False)
        return self._known(found)

    @staticmethod
    def _known(user: DiscordUser | None) -> DiscordUser:
        if user is None:
            raise ApiProblem(401, "Discord did not accept this OAuth2 token.", kind="unauthorized")
        return user

    async def _ask(self, token: str) -> DiscordUser | None:
        headers = {"Authorization": f"Bearer {token}"}
        me = await self._get("/users/@me", headers)
        if me is None:
            return None
        guilds = await self._get("/users/@me/guilds", headers)
        if guilds is None:
            return None
        try:
            return DiscordUser(int(me["id"]), manageable_guilds(guilds))
        except (KeyError, TypeError, ValueError):
            raise ApiProblem(502, "Discord answered the token check with something unexpected.") from None

    async def _get(self, path: str, headers: dict[str, str]) -> Any:
        """The JSON answer, or None when Discord refused the token."""
        if self._client is None:
            self._client = httpx.AsyncClient(transport=self._transport, timeout=self._timeout_s)
        try:
            response = await self._client.get(self._api_base + path, headers=headers)
        except httpx.HTTPError:
            raise ApiProblem(502, "Discord could not be reached to check the token; try again.") from None
        if response.status_code in (401, 403):
            return None
        if response.status_code == 429:
            retry = response.headers.get("Retry-After", "1")
            detail = "Discord is rate-limiting token checks; try again shortly."
            raise ApiProblem(429, detail, headers={"Retry-After": retry})
        if response.status_code != 200:
            raise ApiProblem(502, f"Discord answered the token check with HTTP {response.status_code}.")
        return response.json()

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
