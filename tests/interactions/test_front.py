"""POST /interactions: verify, answer within the deadline, queue what needs audio, lose nothing."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from encore.envelope import CommandEnvelope
from encore.queue.memory import InMemoryQueue
from interactions.app import create_app
from interactions.core import InteractionsCore
from interactions.signature import SignatureVerifier
from tests.interactions.conftest import BrokenQueue
from tests.signing import DiscordSigner, encode, play_interaction


async def post(
    front: httpx.AsyncClient, signer: DiscordSigner, payload: Any, **kwargs: Any
) -> httpx.Response:
    body = payload if isinstance(payload, bytes) else encode(payload)
    return await front.post("/interactions", content=body, headers=signer.headers(body, **kwargs))


async def queued(queue: InMemoryQueue) -> list[CommandEnvelope]:
    return [CommandEnvelope.from_json(m.body) for m in await queue.source(0).receive(10, 0)]


async def test_ping_gets_pong(front: httpx.AsyncClient, signer: DiscordSigner) -> None:
    response = await post(front, signer, {"id": "1", "application_id": "2", "type": 1, "token": "t"})
    assert response.status_code == 200
    assert response.json() == {"type": 1}
    assert response.headers["content-type"] == "application/json"


async def test_play_is_queued_before_the_deferred_answer(
    front: httpx.AsyncClient, signer: DiscordSigner, queue: InMemoryQueue
) -> None:
    response = await post(front, signer, play_interaction("  rick astley  "))
    assert response.status_code == 200
    assert response.json() == {"type": 5}
    (envelope,) = await queued(queue)
    assert envelope.command == "play"
    assert envelope.options == {"query": "rick astley"}
    assert envelope.guild_id == 1_100_000_000_000_000_000
    assert envelope.user_id == 1_100_000_000_000_000_200
    assert envelope.locale == "en-US"  # the reply language: en-GB users read the en-US catalogue
    assert envelope.guild_locale == "en-US"
    assert envelope.member_permissions == 2248473465835073
    assert envelope.interaction_token.startswith("aW50ZXJhY3Rpb246")


async def test_entitlements_travel_with_the_command(
    front: httpx.AsyncClient, signer: DiscordSigner, queue: InMemoryQueue
) -> None:
    payload = play_interaction()
    payload["entitlements"] = [{"id": "111", "sku_id": "222", "ends_at": None, "type": 8}]
    await post(front, signer, payload)
    (envelope,) = await queued(queue)
    assert [(e.id, e.sku_id) for e in envelope.entitlements] == [(111, 222)]


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "missing signature headers"),
        ({"X-Signature-Timestamp": "1700000000"}, "missing signature headers"),
        ({"X-Signature-Ed25519": "zz" * 64, "X-Signature-Timestamp": "NOW"}, "malformed signature"),
        ({"X-Signature-Ed25519": "ab" * 10, "X-Signature-Timestamp": "1"}, "malformed signature"),
    ],
)
async def test_missing_or_malformed_signature_is_401(
    front: httpx.AsyncClient, queue: InMemoryQueue, headers: dict[str, str], reason: str
) -> None:
    response = await front.post("/interactions", content=encode(play_interaction()), headers=headers)
    assert response.status_code == 401
    assert response.json() == {"error": reason}
    assert queue.depth(0) == 0


async def test_signature_by_another_key_is_401(front: httpx.AsyncClient, queue: InMemoryQueue) -> None:
    # Discord's endpoint check sends deliberately bad signatures: they must be refused.
    impostor = DiscordSigner()
    response = await post(front, impostor, play_interaction())
    assert response.status_code == 401
    assert response.json() == {"error": "invalid signature"}
    assert queue.depth(0) == 0


async def test_tampered_body_is_401(front: httpx.AsyncClient, signer: DiscordSigner) -> None:
    body = encode(play_interaction("a"))
    headers = signer.headers(body)
    tampered = body.replace(b'"value":"a"', b'"value":"b"')
    response = await front.post("/interactions", content=tampered, headers=headers)
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("skew", "status"),
    [(-301, 401), (301, 401), (-10_000, 401), (-300, 200), (300, 200)],  # 5 minutes either way
)
async def test_stale_or_future_timestamp_is_401(
    signer: DiscordSigner, queue: InMemoryQueue, skew: int, status: int
) -> None:
    now = 1_795_780_800
    core = InteractionsCore(SignatureVerifier(signer.public_key_hex, clock=lambda: now), queue)
    body = encode(play_interaction())
    headers = signer.headers(body, timestamp=now + skew)
    result = await core.handle(body, headers["X-Signature-Ed25519"], headers["X-Signature-Timestamp"])
    assert result.status == status
    assert queue.depth(0) == (1 if status == 200 else 0)
    if status == 401:
        assert result.body == {"error": "stale timestamp"}


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"{not json", "body is not valid JSON"),
        (b"\xff\xfe", "body is not valid JSON"),
        (b"[1, 2]", "body must be a JSON object"),
        (b'{"type": 2}', "invalid interaction: id"),
        (b'{"id": "x", "application_id": "2", "type": 1, "token": "t"}', "invalid interaction: id"),
        (b'{"id": "1", "application_id": "2", "type": 99, "token": "t"}', "invalid interaction: type"),
    ],
)
async def test_malformed_payload_is_400(
    front: httpx.AsyncClient, signer: DiscordSigner, body: bytes, error: str
) -> None:
    response = await post(front, signer, body)
    assert response.status_code == 400
    assert response.json()["error"].startswith(error)


async def test_queue_failure_gives_an_ephemeral_error_not_silence(signer: DiscordSigner) -> None:
    broken = BrokenQueue()
    app = create_app(InteractionsCore(SignatureVerifier(signer.public_key_hex), broken))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://f") as front:
        response = await post(front, signer, play_interaction())
    assert broken.attempts == 1
    body = response.json()
    assert response.status_code == 200
    assert body["type"] == 4
    assert body["data"]["flags"] == 64
    assert "try again" in body["data"]["content"]


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda p: p.pop("guild_id"), "in a server"),  # a DM
        (lambda p: p["data"].update(name="dance"), "don't know that command"),
        (lambda p: p["data"].update(options=[]), "needs `query`"),
        (
            lambda p: p["data"].update(options=[{"name": "query", "type": 3, "value": "x" * 201}]),
            "too long",
        ),
    ],
)
async def test_unusable_commands_get_an_ephemeral_message_and_are_not_queued(
    front: httpx.AsyncClient, signer: DiscordSigner, queue: InMemoryQueue, change: Any, says: str
) -> None:
    payload = play_interaction()
    change(payload)
    response = await post(front, signer, payload)
    body = response.json()
    assert (response.status_code, body["type"], body["data"]["flags"]) == (200, 4, 64)
    assert says in body["data"]["content"]
    assert body["data"]["allowed_mentions"] == {"parse": []}
    assert queue.depth(0) == 0


async def test_autocomplete_answers_without_the_queue(
    front: httpx.AsyncClient, signer: DiscordSigner, queue: InMemoryQueue
) -> None:
    payload = play_interaction("never")
    payload["type"] = 4
    response = await post(front, signer, payload)
    assert response.json() == {"type": 8, "data": {"choices": []}}
    assert queue.depth(0) == 0


async def test_health(front: httpx.AsyncClient) -> None:
    assert (await front.get("/health")).json() == {"status": "ok"}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
interaction_like = st.fixed_dictionaries(
    {"type": st.sampled_from([1, 2, 3, 4, 5]), "id": st.sampled_from(["1", 1, "x", None])},
    optional={
        "application_id": st.sampled_from(["2", 2, -1]),
        "token": st.text(max_size=10),
        "guild_id": st.sampled_from(["3", "0", 3.5, None]),
        "channel_id": st.sampled_from(["4", None]),
        "member": json_values,
        "user": json_values,
        "data": st.fixed_dictionaries(
            {"name": st.sampled_from(["play", "x", ""])},
            optional={
                "options": st.lists(
                    st.fixed_dictionaries(
                        {"name": st.text(max_size=6), "type": st.integers(1, 11), "value": json_values}
                    ),
                    max_size=3,
                )
            },
        ),
        "locale": json_values,
        "entitlements": json_values,
    },
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(payload=st.one_of(interaction_like, json_values))
async def test_no_signed_payload_ever_gets_a_5xx(
    signer: DiscordSigner, core: InteractionsCore, payload: Any
) -> None:
    body = json.dumps(payload).encode()
    headers = signer.headers(body)
    result = await core.handle(body, headers["X-Signature-Ed25519"], headers["X-Signature-Timestamp"])
    assert result.status in (200, 400)
    if result.status == 200:
        assert result.body["type"] in (1, 4, 5, 8)


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.binary(max_size=300) | st.builds(lambda p: json.dumps(p).encode(), interaction_like),
    signature=st.one_of(st.none(), st.text(max_size=130), st.binary(min_size=64, max_size=64).map(bytes.hex)),
    timestamp=st.one_of(st.none(), st.text(max_size=12), st.integers(0, 2**40).map(str)),
)
async def test_no_forged_request_is_ever_accepted(
    signer: DiscordSigner,
    core: InteractionsCore,
    queue: InMemoryQueue,
    body: bytes,
    signature: str | None,
    timestamp: str | None,
) -> None:
    # Whatever an attacker sends without Discord's private key: 401, and nothing reaches the queue.
    result = await core.handle(body, signature, timestamp)
    assert result.status == 401
    assert queue.depth(0) == 0


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=interaction_like, flip=st.integers(0, 10_000))
async def test_a_signed_body_changed_in_one_byte_is_refused(
    signer: DiscordSigner, core: InteractionsCore, payload: Any, flip: int
) -> None:
    body = bytearray(json.dumps(payload).encode())
    headers = signer.headers(bytes(body))
    body[flip % len(body)] ^= 0x01
    result = await core.handle(bytes(body), headers["X-Signature-Ed25519"], headers["X-Signature-Timestamp"])
    assert result.status == 401
