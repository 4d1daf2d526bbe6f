"""AWS Lambda entry point: the FastAPI app through Mangum, built once per container.

The app (and with it the boto3 client) is built on the first invocation, not at import, and then
reused by every warm invocation of the same container.
"""

from __future__ import annotations

from typing import Any

from mangum import Mangum

from interactions.app import create_app

__all__ = ["handler"]

_adapter: Mangum | None = None


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global _adapter  # the per-container cache is the point of this module
    if _adapter is None:
        _adapter = Mangum(create_app(), lifespan="off")
    result: dict[str, Any] = _adapter(event, context)
    return result
