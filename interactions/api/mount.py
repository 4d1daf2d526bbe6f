"""Put the API on a FastAPI app: routes, webhook events, errors, limits and metrics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import FastAPI, Header, Request, Response

from encore.metrics import MetricsSink
from interactions.api.access import AccessPolicy
from interactions.api.middleware import DEFAULT_MAX_BODY_BYTES, ApiMetrics, BodyLimit
from interactions.api.ports import BillingProvider
from interactions.api.problems import PROBLEM_RESPONSES, install_problem_handlers, problem_response
from interactions.api.routes import API_PREFIX, build_router
from interactions.webhook_events import WEBHOOK_EVENTS_PATH, WebhookEvents

__all__ = ["ApiServices", "mount_api"]

_WEBHOOK_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {**PROBLEM_RESPONSES[400], "description": "Not a Discord webhook event."},
    401: {**PROBLEM_RESPONSES[401], "description": "Missing, stale or invalid Ed25519 signature."},
    413: PROBLEM_RESPONSES[413],
    422: PROBLEM_RESPONSES[422],
    503: {**PROBLEM_RESPONSES[502], "description": "The event could not be applied now; Discord retries."},
}


@dataclass(frozen=True, slots=True)
class ApiServices:
    """Everything the API answers from."""

    billing: BillingProvider
    access: AccessPolicy
    webhook_events: WebhookEvents
    sink: MetricsSink
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES


def mount_api(app: FastAPI, api: ApiServices) -> None:
    install_problem_handlers(app)
    app.include_router(build_router(api.billing, api.access))

    @app.post(
        WEBHOOK_EVENTS_PATH,
        status_code=204,
        tags=["discord"],
        responses=_WEBHOOK_RESPONSES,
    )
    async def webhook_events(
        request: Request,
        x_signature_ed25519: Annotated[str | None, Header()] = None,
        x_signature_timestamp: Annotated[str | None, Header()] = None,
    ) -> Response:
        """Discord's webhook events (Ed25519-signed): PING and ENTITLEMENT_CREATE/UPDATE/DELETE."""
        answer = await api.webhook_events.handle(
            await request.body(), x_signature_ed25519, x_signature_timestamp
        )
        if answer.problem is not None:
            return problem_response(answer.problem.problem())
        return Response(status_code=answer.status)

    # The last added runs first: metrics see every answer, the 413s of the size limit included.
    app.add_middleware(BodyLimit, limit=api.max_body_bytes, prefixes=(API_PREFIX + "/", WEBHOOK_EVENTS_PATH))
    app.add_middleware(ApiMetrics, sink=api.sink, prefix=API_PREFIX + "/")
