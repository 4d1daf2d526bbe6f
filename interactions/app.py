"""The FastAPI application: a thin HTTP wrapper around :class:`~interactions.core.InteractionsCore`.

``POST /interactions`` is declared here for the API documentation, but requests to it are served by
:func:`~interactions.asgi.serve_interaction` before FastAPI's routing runs (see
:class:`FrontApp`), so the hot path costs the same here as on Lambda.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from encore.settings import Settings, load_settings
from interactions.asgi import INTERACTIONS_PATH, Receive, Scope, Send, serve_interaction
from interactions.bootstrap import build_core
from interactions.core import InteractionsCore

__all__ = ["FrontApp", "create_app"]


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


def create_app(core: InteractionsCore | None = None, settings: Settings | None = None) -> FrontApp:
    """Build the app around ``core`` (or one wired from ``settings``, or from the environment)."""
    if core is None:
        core = build_core(settings if settings is not None else load_settings())
    app = FrontApp(
        core,
        title="Encore interactions",
        summary="Discord's HTTP interactions endpoint for the Encore music bot",
        docs_url=None,
        redoc_url=None,
    )

    @app.post("/interactions", include_in_schema=True)
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
