"""Build the API's services from the settings, without importing SQLAlchemy until it is needed.

The billing service (and its database engine) is built by :class:`~.ports.DatabaseBilling` on the
first request that needs it; admin keys are checked against the same database. Discord is asked
about bearer tokens at ``DISCORD_API_BASE``.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final

from encore.metrics import MetricsSink, NullSink
from encore.settings import Settings
from interactions.api.access import AccessPolicy, AdminGrant, AdminKeyVerifier
from interactions.api.discord_oauth import DiscordUserDirectory, UserDirectory
from interactions.api.mount import ApiServices
from interactions.api.ports import BillingProvider, DatabaseBilling
from interactions.signature import SignatureVerifier
from interactions.webhook_events import WebhookEvents

if TYPE_CHECKING:
    from encore.billing.admin_keys import AdminKeys
    from encore.db.database import Database

__all__ = ["ADMIN_KEY_TTL_S", "DatabaseAdminKeys", "build_api_services"]

#: How long a verified (or refused) admin key is remembered: revoking one takes effect within this.
ADMIN_KEY_TTL_S: Final = 10.0
MAX_CACHED_KEYS: Final = 1_000


def _utcnow() -> datetime:
    return datetime.now(UTC)


class DatabaseAdminKeys:
    """Admin keys as :class:`encore.billing.admin_keys.AdminKeys` stores them (hashed), on the
    billing database (built on first use). A verdict is remembered for ``ttl_s`` seconds under a
    SHA-256 of the key (never the key), so a revoked key stops working within that time."""

    def __init__(
        self,
        database: Callable[[], Database],
        clock: Callable[[], datetime] = _utcnow,
        *,
        ttl_s: float = ADMIN_KEY_TTL_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._database = database
        self._clock = clock
        self._ttl_s = ttl_s
        self._monotonic = monotonic
        self._keys: AdminKeys | None = None
        self._cache: OrderedDict[str, tuple[float, AdminGrant | None]] = OrderedDict()

    async def verify(self, plaintext: str) -> AdminGrant | None:
        digest = hashlib.sha256(plaintext.encode()).hexdigest()
        now = self._monotonic()
        cached = self._cache.get(digest)
        if cached is not None and cached[0] > now:
            return cached[1]
        grant = await self._lookup(plaintext)
        self._cache[digest] = (now + self._ttl_s, grant)
        self._cache.move_to_end(digest)
        while len(self._cache) > MAX_CACHED_KEYS:
            self._cache.popitem(last=False)
        return grant

    async def _lookup(self, plaintext: str) -> AdminGrant | None:
        if self._keys is None:
            from encore.billing.admin_keys import AdminKeys

            self._keys = AdminKeys(self._database(), self._clock)
        key = await self._keys.verify(plaintext)
        if key is None:
            return None
        return AdminGrant(key_id=str(key.id), scopes=key.scopes)


def build_api_services(
    settings: Settings,
    verifier: SignatureVerifier,
    *,
    billing: BillingProvider | None = None,
    users: UserDirectory | None = None,
    admin_keys: AdminKeyVerifier | None = None,
    api_sink: MetricsSink | None = None,
    webhook_sink: MetricsSink | None = None,
) -> ApiServices:
    """The API wired from ``settings``. ``billing`` is the front's (one service per process, so a
    change through the API is seen by the front's tier check at once); tests pass their own parts."""
    chosen = billing if billing is not None else DatabaseBilling(settings)
    if admin_keys is None:
        # Admin keys live in the billing database: the provider's own when it is ours, else one
        # opened (on first use) from DATABASE_URL.
        keys_home = chosen if isinstance(chosen, DatabaseBilling) else DatabaseBilling(settings)
        admin_keys = DatabaseAdminKeys(keys_home.database)
    directory = users if users is not None else DiscordUserDirectory(settings.discord_api_base)
    return ApiServices(
        billing=chosen,
        access=AccessPolicy(directory, admin_keys),
        webhook_events=WebhookEvents(verifier, chosen, webhook_sink or NullSink()),
        sink=api_sink or NullSink(),
    )
