"""The raw-ASGI hot path: what Lambda runs in front of (and instead of importing) FastAPI."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from encore.queue.memory import InMemoryQueue
from interactions.asgi import MAX_BODY_BYTES, InteractionsEndpoint
from interactions.core import InteractionsCore
from tests.signing import DiscordSigner, encode, play_interaction


@pytest.fixture
async def endpoint(core: InteractionsCore) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=InteractionsEndpoint(core))
    async with httpx.AsyncClient(transport=transport, base_url="http://front") as client:
        yield client


async def test_signed_play_is_deferred_and_queued(
    endpoint: httpx.AsyncClient, signer: DiscordSigner, queue: InMemoryQueue
) -> None:
    body = encode(play_interaction())
    response = await endpoint.post("/interactions", content=body, headers=signer.headers(body))
    assert response.json() == {"type": 5}
    assert response.headers["content-type"] == "application/json"
    assert int(response.headers["content-length"]) == len(response.content)
    assert queue.depth(0) == 1


async def test_oversized_body_is_refused_unread(endpoint: httpx.AsyncClient, signer: DiscordSigner) -> None:
    body = b"{" + b" " * MAX_BODY_BYTES + b"}"
    response = await endpoint.post("/interactions", content=body, headers=signer.headers(body))
    assert response.status_code == 413
    assert response.json() == {"error": "body too large"}


async def test_wrong_method_and_unknown_path(endpoint: httpx.AsyncClient) -> None:
    got = await endpoint.get("/interactions")
    assert (got.status_code, got.json()) == (405, {"error": "method not allowed: use POST"})
    missing = await endpoint.get("/nowhere")
    assert (missing.status_code, missing.json()) == (404, {"error": "not found"})


async def test_other_paths_reach_the_full_app_built_on_first_use(core: InteractionsCore) -> None:
    from interactions.app import create_app

    built: list[int] = []

    def full_app() -> object:
        built.append(1)
        return create_app(core)

    endpoint = InteractionsEndpoint(core, full_app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=endpoint), base_url="http://f") as c:
        assert built == []
        assert (await c.get("/health")).json() == {"status": "ok"}
        assert (await c.get("/health")).json() == {"status": "ok"}
    assert built == [1]
