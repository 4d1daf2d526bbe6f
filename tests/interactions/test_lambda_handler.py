"""The Lambda entry point answers API Gateway HTTP API (v2) events like the HTTP server does."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from interactions import lambda_handler
from tests.signing import DiscordSigner, encode, play_interaction

EVENTS = Path(__file__).parent.parent / "events"


def event_for(body: bytes, headers: dict[str, str], *, base64_body: bool = False) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / "apigw_v2_interactions_post.json").read_text())
    event["headers"]["x-signature-ed25519"] = headers["X-Signature-Ed25519"]
    event["headers"]["x-signature-timestamp"] = headers["X-Signature-Timestamp"]
    event["headers"]["content-length"] = str(len(body))
    event["body"] = base64.b64encode(body).decode() if base64_body else body.decode()
    event["isBase64Encoded"] = base64_body
    return event


class LambdaContext:
    function_name = "encore-interactions"
    aws_request_id = "req-1"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:encore-interactions"


@pytest.fixture
def configured(monkeypatch: pytest.MonkeyPatch, signer: DiscordSigner) -> Iterator[None]:
    monkeypatch.setenv("DISCORD_PUBLIC_KEY", signer.public_key_hex)
    monkeypatch.setattr(lambda_handler, "_adapter", None)
    # Mangum runs the app on the thread's event loop (a Lambda container keeps one for its
    # lifetime); give it one we close, so no loop outlives the test.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    yield
    asyncio.set_event_loop(None)
    loop.close()


@pytest.mark.usefixtures("configured")
@pytest.mark.parametrize("base64_body", [False, True])  # API Gateway may base64 the body
def test_signed_play_is_deferred(signer: DiscordSigner, base64_body: bool) -> None:
    body = encode(play_interaction())
    event = event_for(body, signer.headers(body), base64_body=base64_body)
    result = lambda_handler.handler(event, LambdaContext())
    assert result["statusCode"] == 200
    assert json.loads(result["body"]) == {"type": 5}


@pytest.mark.usefixtures("configured")
def test_bad_signature_is_401_and_app_is_built_once(signer: DiscordSigner) -> None:
    body = encode(play_interaction())
    headers = DiscordSigner().headers(body)
    first = lambda_handler.handler(event_for(body, headers), LambdaContext())
    adapter = lambda_handler._adapter
    second = lambda_handler.handler(event_for(body, headers), LambdaContext())
    assert first["statusCode"] == second["statusCode"] == 401
    assert json.loads(first["body"]) == {"error": "invalid signature"}
    assert lambda_handler._adapter is adapter  # warm invocations reuse the container's app


@pytest.mark.usefixtures("configured")
def test_health_is_served_by_the_full_app(signer: DiscordSigner) -> None:
    event = event_for(b"", {"X-Signature-Ed25519": "", "X-Signature-Timestamp": ""})
    event["routeKey"] = event["requestContext"]["routeKey"] = "GET /health"
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/health"
    event["requestContext"]["http"]["method"] = "GET"
    result = lambda_handler.handler(event, LambdaContext())
    assert (result["statusCode"], json.loads(result["body"])) == (200, {"status": "ok"})


def emf_documents(output: str) -> list[dict[str, Any]]:
    documents = []
    for line in output.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            documents.append(json.loads(line))
    return documents


def metric_values(documents: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    """Each document that carries metric ``name`` (its dimensions are top-level keys)."""
    found = []
    for document in documents:
        names = [m["Name"] for d in document["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]]
        if name in names:
            found.append(document)
    return found


@pytest.mark.usefixtures("configured")
def test_metrics_are_emitted_as_emf(signer: DiscordSigner, capsys: pytest.CaptureFixture[str]) -> None:
    body = encode(play_interaction(interaction_id=1180000000000000777))
    lambda_handler.handler(event_for(body, signer.headers(body)), LambdaContext())
    forged = DiscordSigner().headers(body)
    lambda_handler.handler(event_for(body, forged), LambdaContext())
    documents = emf_documents(capsys.readouterr().out)

    assert all(d["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Encore" for d in documents)
    latencies = metric_values(documents, "AckLatency")
    assert len(latencies) == 2  # one per invocation: the refused request was answered too
    for document in latencies:
        values = document["AckLatency"]
        assert document["Service"] == "front"
        assert all(v >= 0 for v in (values if isinstance(values, list) else [values]))
    (command,) = metric_values(documents, "Commands")
    assert (command["Command"], command["Commands"]) == ("play", [1.0])
    (reject,) = metric_values(documents, "Rejects")
    assert reject["Reason"] == "signature"
    assert lambda_handler.logger.get_correlation_id() == "1180000000000000777"
