"""The OpenAPI document of the front, generated from the FastAPI app, deterministic.

``python -m interactions.api.openapi > docs/api/openapi.json`` writes it; a test fails when the
checked-in copy differs from what the code generates. On top of what FastAPI derives, every error
answer is declared as ``application/problem+json`` (what the API sends) and the two ways to
authenticate are declared as security schemes.
"""

from __future__ import annotations

import json
import sys
from typing import Any, Final

from fastapi import FastAPI

from interactions.api.problems import PROBLEM_JSON

__all__ = ["REGENERATE", "openapi_document", "render"]

REGENERATE: Final = "python -m interactions.api.openapi > docs/api/openapi.json"

_SECURITY_SCHEMES: Final = {
    "DiscordBearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "A Discord OAuth2 access token (scopes identify guilds) of a user with Manage "
        "Server on the guild, or its owner.",
    },
    "AdminKey": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Admin-Key",
        "description": "A back-office admin key (also accepted as `Authorization: Admin <key>`); "
        "scopes billing:read and billing:write.",
    },
}


def _problem_content(responses: dict[str, Any]) -> None:
    for status, response in responses.items():
        content = response.get("content")
        if not status.startswith(("4", "5")) or not content:
            continue
        schema = content.get("application/json", {}).get("schema") or content.get(PROBLEM_JSON, {}).get(
            "schema"
        )
        response["content"] = {PROBLEM_JSON: {"schema": schema or {"$ref": "#/components/schemas/Problem"}}}


def openapi_document(app: FastAPI) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(json.dumps(app.openapi()))  # a deep copy we may change
    for path, operations in document["paths"].items():
        for operation in operations.values():
            if path.startswith(("/api/", "/discord/")):  # /interactions answers Discord's way
                _problem_content(operation.get("responses", {}))
            if path.startswith("/api/"):
                operation["security"] = [{"DiscordBearer": []}, {"AdminKey": []}]
    components = document.setdefault("components", {})
    components["securitySchemes"] = _SECURITY_SCHEMES
    text = json.dumps(document["paths"])
    for unused in ("HTTPValidationError", "ValidationError"):
        if f"#/components/schemas/{unused}" not in text:
            components.get("schemas", {}).pop(unused, None)
    return document


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _documentation_app() -> FastAPI:
    """The app as deployed, with a placeholder key and no connections (none is made to document)."""
    from encore.queue.memory import InMemoryQueue
    from encore.routing import ShardLayout
    from encore.settings import Settings
    from interactions.app import create_app
    from interactions.core import InteractionsCore
    from interactions.signature import SignatureVerifier

    verifier = SignatureVerifier("00" * 32)
    settings = Settings(_env_file=None)
    return create_app(InteractionsCore(verifier, InMemoryQueue(ShardLayout())), settings)


def main() -> int:
    sys.stdout.write(render(openapi_document(_documentation_app())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
