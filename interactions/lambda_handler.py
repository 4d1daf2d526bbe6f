"""AWS Lambda entry point: the front through Mangum, built once per container.

Lambda runs :class:`~interactions.asgi.InteractionsEndpoint`, not the FastAPI app: Discord's
interactions take the raw-ASGI hot path, and FastAPI is imported and built only when another path
(health, later the billing API) is first requested. The core (and its queue client, itself built on
first use) is built on the first invocation and reused by every warm invocation of the container.
"""

from __future__ import annotations

from typing import Any

from mangum import Mangum

from encore.settings import load_settings
from interactions.asgi import ASGIApp, InteractionsEndpoint
from interactions.bootstrap import build_core

__all__ = ["build_endpoint", "handler"]

_adapter: Mangum | None = None


def build_endpoint() -> InteractionsEndpoint:
    core = build_core(load_settings())

    def full_app() -> ASGIApp:
        from interactions.app import create_app

        return create_app(core)

    return InteractionsEndpoint(core, full_app)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global _adapter  # the per-container cache is the point of this module
    if _adapter is None:
        _adapter = Mangum(build_endpoint(), lifespan="off")
    result: dict[str, Any] = _adapter(event, context)
    return result
