"""The FastAPI application: a thin HTTP wrapper around :class:`~interactions.core.InteractionsCore`."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from encore.settings import Settings, load_settings
from interactions.bootstrap import build_core
from interactions.core import InteractionsCore

__all__ = ["create_app"]


def create_app(core: InteractionsCore | None = None, settings: Settings | None = None) -> FastAPI:
    """Build the app around ``core`` (or one wired from ``settings``, or from the environment)."""
    if core is None:
        core = build_core(settings if settings is not None else load_settings())
    app = FastAPI(
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
