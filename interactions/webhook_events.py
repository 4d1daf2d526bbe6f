"""``POST /discord/webhook-events``: Discord's App Subscription events, verified and applied.

Framework-free like :class:`~interactions.core.InteractionsCore`: :meth:`WebhookEvents.handle`
takes the raw body and the two signature headers. The signature is checked exactly as for
interactions (:class:`~interactions.signature.SignatureVerifier`, same key, same clock skew);
a PING (type 0) is answered 204; an ENTITLEMENT_CREATE / UPDATE / DELETE event (type 1) is
applied through the billing service, which ignores an event it has already applied, then
answered 204 (Discord retries anything else for up to 10 minutes). Other event types are
acknowledged and ignored. A bad signature is 401, a body that is not a webhook event 400, and a
failure to apply 503 (so Discord retries); all three as problem+json.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from encore.billing.views import EntitlementEvent
from encore.metrics import MetricsSink
from interactions.api.ports import BillingProvider
from interactions.api.problems import ApiProblem
from interactions.signature import InvalidSignatureError, SignatureVerifier

__all__ = ["WEBHOOK_EVENTS_PATH", "WebhookAnswer", "WebhookEvents"]

log = logging.getLogger(__name__)

WEBHOOK_EVENTS_PATH: Final = "/discord/webhook-events"
ENTITLEMENT_EVENTS: Final = ("ENTITLEMENT_CREATE", "ENTITLEMENT_UPDATE", "ENTITLEMENT_DELETE")
Snowflake = int


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore")


class EntitlementData(_Wire):
    """The entitlement object of an ENTITLEMENT_* event (snowflakes arrive as strings)."""

    id: Snowflake = Field(gt=0, lt=2**63)
    sku_id: Snowflake = Field(gt=0, lt=2**63)
    guild_id: Snowflake | None = Field(default=None, gt=0, lt=2**63)
    user_id: Snowflake | None = Field(default=None, gt=0, lt=2**63)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    deleted: bool = False


class EventBody(_Wire):
    type: str = Field(max_length=64)
    timestamp: str | None = Field(default=None, max_length=64)
    data: dict[str, Any] | None = None


class WebhookEventPayload(_Wire):
    version: int
    application_id: Snowflake
    type: Literal[0, 1]
    event: EventBody | None = None


@dataclass(frozen=True, slots=True)
class WebhookAnswer:
    status: int
    problem: ApiProblem | None = None


def _entitlement_event(event_type: str, data: dict[str, Any] | None) -> EntitlementEvent:
    entitlement = EntitlementData.model_validate(data)
    return EntitlementEvent.model_validate(
        {
            "type": event_type,
            "entitlement_id": entitlement.id,
            "sku_id": entitlement.sku_id,
            "guild_id": entitlement.guild_id,
            "user_id": entitlement.user_id,
            "starts_at": entitlement.starts_at,
            "ends_at": entitlement.ends_at,
            "deleted": entitlement.deleted,
        }
    )


class WebhookEvents:
    def __init__(self, verifier: SignatureVerifier, billing: BillingProvider, sink: MetricsSink) -> None:
        self._verifier = verifier
        self._billing = billing
        self._sink = sink

    async def handle(self, body: bytes, signature: str | None, timestamp: str | None) -> WebhookAnswer:
        try:
            self._verifier.verify(body, signature, timestamp)
        except InvalidSignatureError as exc:
            return WebhookAnswer(401, ApiProblem(401, exc.reason, kind="invalid-signature"))
        try:
            payload = WebhookEventPayload.model_validate_json(body)
            if payload.type == 0:
                return WebhookAnswer(204)
            if payload.event is None:
                raise ValueError("a type 1 webhook event needs an event")
            event_type = payload.event.type
            if event_type not in ENTITLEMENT_EVENTS:
                log.info("ignoring webhook event %s", event_type)
                return WebhookAnswer(204)
            event = _entitlement_event(event_type, payload.event.data)
        except (ValidationError, ValueError) as exc:
            return WebhookAnswer(400, ApiProblem(400, f"Not a Discord webhook event: {_first(exc)}"))
        try:
            await (await self._billing()).apply_entitlement_event(event)
        except Exception:
            log.exception("could not apply %s for entitlement %s", event.type, event.entitlement_id)
            self._sink.emit("WebhookEventFailures", 1)
            return WebhookAnswer(503, ApiProblem(503, "The event could not be applied now; retry later."))
        self._sink.emit("WebhookEvents", 1, EventType=event.type)
        return WebhookAnswer(204)


def _first(error: Exception) -> str:
    if isinstance(error, ValidationError):
        first = error.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "body"
        return f"{where}: {first['msg']}"
    return str(error)
