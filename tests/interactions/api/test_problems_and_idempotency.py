"""Every refusal is application/problem+json that says what to fix; a POST needs an
Idempotency-Key, and a retried POST never applies twice."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.interactions.api.conftest import GUILD_A, Api

BASE = f"/api/v1/guilds/{GUILD_A}"


def problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, object] = response.json()
    assert body["status"] == status
    assert isinstance(body["type"], str)
    assert body["type"].startswith("https://")
    assert body["title"]
    assert body["detail"]
    return body


async def test_a_post_without_idempotency_key_is_400_and_changes_nothing(api: Api) -> None:
    answer = await api.post(f"{BASE}/subscription/trial", {"tier": "premium"}, headers=api.admin())
    body = problem(answer, 400)
    assert "Idempotency-Key" in str(body["detail"])
    assert (await api.get(f"{BASE}/subscription")).json()["status"] == "none"


async def test_the_same_key_and_body_gets_the_same_answer_once(api: Api) -> None:
    headers = {**api.admin(), "Idempotency-Key": "trial-1"}
    first = await api.post(f"{BASE}/subscription/trial", {"tier": "premium"}, headers=headers)
    again = await api.post(f"{BASE}/subscription/trial", {"tier": "premium"}, headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert first.json()["status"] == "trialing"
    change = {"tier": "premium", "when": "now"}
    paid = await api.post(
        f"{BASE}/subscription/change", change, headers={**api.admin(), "Idempotency-Key": "p"}
    )
    retried = await api.post(
        f"{BASE}/subscription/change", change, headers={**api.admin(), "Idempotency-Key": "p"}
    )
    assert paid.json() == retried.json()
    charges = [e for e in (await api.get(f"{BASE}/ledger")).json()["items"] if e["kind"] == "charge"]
    assert len(charges) == 1  # charged once, not once per retry


async def test_the_same_request_written_differently_is_still_the_same_request(api: Api) -> None:
    """Key order and whitespace do not make a retry look like another request."""
    headers = {**api.admin(), "Idempotency-Key": "spaced", "Content-Type": "application/json"}
    first = await api.client.post(
        f"{BASE}/subscription/change", content=b'{"tier":"premium","when":"now"}', headers=headers
    )
    again = await api.client.post(
        f"{BASE}/subscription/change", content=b'{ "when": "now",\n  "tier": "premium" }', headers=headers
    )
    assert first.status_code == again.status_code == 200, again.text
    assert first.json() == again.json()


async def test_the_same_key_with_another_body_is_422(api: Api) -> None:
    headers = {**api.admin(), "Idempotency-Key": "reused"}
    assert (await api.post(f"{BASE}/playlists", {"name": "Chill"}, headers=headers)).status_code == 201
    body = problem(await api.post(f"{BASE}/playlists", {"name": "Other"}, headers=headers), 422)
    assert str(body["type"]).endswith("idempotency-key-reused")
    assert [p["name"] for p in (await api.get(f"{BASE}/playlists")).json()] == ["Chill"]


async def test_an_invalid_transition_is_409_and_says_what_is_allowed(api: Api) -> None:
    body = problem(await api.post(f"{BASE}/subscription/reactivate"), 409)
    assert body["allowed"] == ["start_trial", "subscribe"]


async def test_unknown_things_are_404(api: Api) -> None:
    problem(await api.get(f"{BASE}/playlists/123456"), 404)
    problem(await api.get("/api/v1/nothing-here"), 404)


async def test_wrong_method_is_405_problem(api: Api) -> None:
    problem(await api.client.put(f"{BASE}/subscription", headers=api.admin()), 405)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/subscription/trial", {"tier": ""}),  # empty tier
        ("/subscription/trial", {"tier": "premium", "extra": 1}),  # unknown field
        ("/subscription/change", {"tier": "premium", "when": "tomorrow"}),  # not a choice
        ("/playlists", {"name": "x" * 101}),  # over the length limit
        ("/playlists", {}),  # missing field
    ],
)
async def test_invalid_bodies_are_422_naming_the_field(api: Api, path: str, body: object) -> None:
    answer = problem(await api.post(BASE + path, body), 422)
    assert isinstance(answer["errors"], list)
    assert answer["errors"]


@pytest.mark.parametrize("guild", ["0", "-5", "abc", str(2**63)])
async def test_bad_guild_ids_are_422(api: Api, guild: str) -> None:
    problem(await api.get(f"/api/v1/guilds/{guild}/subscription"), 422)


async def test_a_body_that_is_not_json_is_422(api: Api) -> None:
    answer = await api.client.post(
        f"{BASE}/playlists",
        content=b"{not json",
        headers={**api.admin(), **api.key(), "Content-Type": "application/json"},
    )
    problem(answer, 422)


async def test_bodies_over_16_kib_are_413_announced_or_streamed(api: Api) -> None:
    big = json.dumps({"name": "x" * 20_000}).encode()
    headers = {**api.admin(), **api.key(), "Content-Type": "application/json"}
    problem(await api.client.post(f"{BASE}/playlists", content=big, headers=headers), 413)

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: a streamed body
        for _ in range(20):
            yield b" " * 1024

    streamed = await api.client.post(f"{BASE}/playlists", content=chunks(), headers=headers)
    problem(streamed, 413)
    assert (await api.get(f"{BASE}/playlists")).json() == []


async def test_latency_and_errors_are_measured(api: Api) -> None:
    await api.get(f"{BASE}/subscription")
    await api.get(f"{BASE}/subscription", headers={})
    assert len([v for v in api.api_metrics.values if v[0] == "ApiLatency"]) == 2
    assert api.api_metrics.total("ApiErrors", StatusClass="4xx") == 1
