"""Discord App Subscription entitlements: the test ones a developer creates, and real-looking ones.

``POST /applications/{id}/entitlements {sku_id, owner_id, owner_type}`` creates a test entitlement
(type 4, ``TEST_MODE_PURCHASE``; owner type 1 is a guild, 2 a user) with no start or end, as
Discord does; ``DELETE .../entitlements/{id}`` deletes a test one; ``GET`` lists them. A
subscription entitlement has ``ends_at: null`` until it ends. :meth:`EntitlementStore.payload`
renders the wire object the webhook events and interactions carry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from .payloads import iso_time

__all__ = [
    "OWNER_GUILD",
    "OWNER_USER",
    "TYPE_APPLICATION_SUBSCRIPTION",
    "TYPE_TEST_MODE_PURCHASE",
    "EntitlementStore",
    "SimEntitlement",
]

OWNER_GUILD: Final = 1
OWNER_USER: Final = 2
TYPE_APPLICATION_SUBSCRIPTION: Final = 8
TYPE_TEST_MODE_PURCHASE: Final = 4

Json = dict[str, Any]


@dataclass
class SimEntitlement:
    id: int
    sku_id: int
    application_id: int
    type: int
    guild_id: int | None = None
    user_id: int | None = None
    starts_at: float | None = None
    ends_at: float | None = None
    deleted: bool = False

    def payload(self) -> Json:
        body: Json = {
            "id": str(self.id),
            "sku_id": str(self.sku_id),
            "application_id": str(self.application_id),
            "type": self.type,
            "deleted": self.deleted,
            "starts_at": None if self.starts_at is None else iso_time(self.starts_at),
            "ends_at": None if self.ends_at is None else iso_time(self.ends_at),
            "consumed": False,
        }
        if self.user_id is not None:
            body["user_id"] = str(self.user_id)
        if self.guild_id is not None:
            body["guild_id"] = str(self.guild_id)
        return body


class EntitlementStore:
    def __init__(self, application_id: int, new_id: Callable[[], int]) -> None:
        self._application_id = application_id
        self._new_id = new_id
        self.entitlements: dict[int, SimEntitlement] = {}

    def create(
        self,
        sku_id: int,
        *,
        guild_id: int | None = None,
        user_id: int | None = None,
        kind: int = TYPE_TEST_MODE_PURCHASE,
        starts_at: float | None = None,
        ends_at: float | None = None,
    ) -> SimEntitlement:
        if (guild_id is None) == (user_id is None):
            raise ValueError("an entitlement belongs to exactly one guild or one user")
        entitlement = SimEntitlement(
            id=self._new_id(),
            sku_id=sku_id,
            application_id=self._application_id,
            type=kind,
            guild_id=guild_id,
            user_id=user_id,
            starts_at=starts_at,
            ends_at=ends_at,
        )
        self.entitlements[entitlement.id] = entitlement
        return entitlement

    def get(self, entitlement_id: int) -> SimEntitlement | None:
        return self.entitlements.get(entitlement_id)

    def delete(self, entitlement_id: int) -> SimEntitlement | None:
        """Mark deleted (Discord keeps deleted ones out of listings)."""
        entitlement = self.entitlements.get(entitlement_id)
        if entitlement is None or entitlement.deleted:
            return None
        entitlement.deleted = True
        return entitlement

    def listing(self, *, guild_id: int | None = None, user_id: int | None = None) -> list[Json]:
        return [
            e.payload()
            for e in self.entitlements.values()
            if not e.deleted
            and (guild_id is None or e.guild_id == guild_id)
            and (user_id is None or e.user_id == user_id)
        ]
