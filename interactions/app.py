"""The FastAPI application: a thin HTTP wrapper around :class:`~interactions.core.InteractionsCore`.

``POST /interactions`` is declared here for the API documentation, but requests to it are served by
:func:`~interactions.asgi.serve_interaction` before FastAPI's routing runs (see
:class:`FrontApp`), so the hot path costs the same here as on Lambda. Everything else goes through
FastAPI: ``/health``, the REST billing API under ``/api/v1`` and ``POST /discord/webhook-events``
(:mod:`interactions.api`).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from encore.settings import Settings, load_settings
from interactions.api.mount import ApiServices, mount_api
from interactions.api.wiring import build_api_services
from interactions.asgi import INTERACTIONS_PATH, Receive, Scope, Send, serve_interaction
from interactions.bootstrap import build_core
from interactions.core import InteractionsCore

__all__ = ["FrontApp", "create_app"]


class InteractionRefusal(BaseModel):
    """Why a request to ``/interactions`` was refused."""

    error: str


def _refusal(description: str) -> dict[str, Any]:
    return {"model": InteractionRefusal, "description": description}


_INTERACTION_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The interaction response (PONG, a message, deferred, autocomplete choices)."},
    400: _refusal("Not an interaction (invalid JSON or fields)."),
    401: _refusal("Missing, stale or invalid Ed25519 signature."),
    413: _refusal("Body over 1 MiB."),
}


class FrontApp(FastAPI):
    """FastAPI, except that ``POST /interactions`` is answered straight from ASGI."""

    def __init__(self, core: InteractionsCore, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.core = core

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == INTERACTIONS_PATH:
            await serve_interaction(self.core, scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def create_app(
    core: InteractionsCore | None = None,
    settings: Settings | None = None,
    api: ApiServices | None = None,
) -> FrontApp:
    """Build the app around ``core`` (or one wired from ``settings``, or from the environment).

    ``api`` serves the billing API and webhook events; by default it is wired from the settings
    (its database is opened on the first request that needs it)."""
    if core is None or api is None:
        settings = settings if settings is not None else load_settings()
    if core is None:
        assert settings is not None
        core = build_core(settings)
    app = FrontApp(
        core,
        title="Encore",
        summary="Discord's interactions endpoint and the REST billing API of the Encore music bot",
        version="1",
        docs_url=None,
        redoc_url=None,
    )
    if api is None:
        assert settings is not None
        api = build_api_services(settings, core.verifier, billing=core.services.billing)
    mount_api(app, api)

    @app.post("/interactions", include_in_schema=True, tags=["discord"], responses=_INTERACTION_RESPONSES)
    async def interactions(request: Request) -> JSONResponse:
        """Discord POSTs every slash command, component and autocomplete here (Ed25519-signed)."""
        result = await core.handle(
            await request.body(),
            request.headers.get("x-signature-ed25519"),
            request.headers.get("x-signature-timestamp"),
        )
        return JSONResponse(result.body, status_code=result.status)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
