"""What Discord does towards an HTTP interactions endpoint: build, sign, POST, judge the answer.

* :class:`Signer` holds the application's Ed25519 key (PyNaCl) and signs
  ``X-Signature-Timestamp + body`` into ``X-Signature-Ed25519``, as Discord does.
* ``*_payload`` functions build interaction payloads (API v10) from the simulated world.
* :func:`deliver` POSTs one signed payload and turns the front's answer into an
  :class:`InteractionExchange`; a missing, late (after the deadline), non-2xx or invalid answer
  marks the interaction failed in the :class:`~.interaction_store.InteractionStore`.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
import nacl.signing

from .interaction_store import InteractionState, InteractionStore, InvalidResponseError
from .payloads import channel_payload, member_payload, user_payload
from .world import SimChannel, SimGuild, SimUser

__all__ = [
    "InteractionExchange",
    "Signer",
    "application_command_payload",
    "autocomplete_payload",
    "component_payload",
    "deliver",
    "infer_option_type",
    "new_interaction_token",
    "ping_payload",
]

Json = dict[str, Any]

STRING, INTEGER, BOOLEAN, NUMBER = 3, 4, 5, 10
CONTEXT_GUILD, CONTEXT_BOT_DM = 0, 1
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024


class Signer:
    """The application's Ed25519 key pair."""

    def __init__(self, seed: bytes | None = None) -> None:
        self._key = nacl.signing.SigningKey(seed) if seed else nacl.signing.SigningKey.generate()

    @property
    def public_key_hex(self) -> str:
        return self._key.verify_key.encode().hex()

    def signature(self, body: bytes, timestamp: str) -> str:
        return self._key.sign(timestamp.encode() + body).signature.hex()

    def headers(self, body: bytes, timestamp: str) -> dict[str, str]:
        return {
            "Content-Type": "application/json",
            "User-Agent": "Discord-Interactions/1.0 (+https://discord.com)",
            "X-Signature-Ed25519": self.signature(body, timestamp),
            "X-Signature-Timestamp": timestamp,
        }


@dataclass
class InteractionExchange:
    """One interaction POSTed to the front and what came back."""

    id: int
    token: str
    payload: Json
    status: int | None = None  #: HTTP status of the front's answer (None: no answer in time)
    body: Any = None  #: the answer parsed as JSON (None if absent or not JSON)
    elapsed: float = 0.0  #: seconds until the answer (or until we gave up)
    failed: bool = True  #: no valid initial response within the deadline
    error: str | None = None  #: why it failed
    acknowledged_via: str | None = None  #: "http" (response body) or "callback"


def new_interaction_token() -> str:
    """An opaque interaction token (real ones are ~200 url-safe characters)."""
    return "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(96)


def infer_option_type(value: Any) -> int:
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        return INTEGER
    if isinstance(value, float):
        return NUMBER
    return STRING


def _normalise_options(options: list[Json] | None) -> list[Json]:
    result: list[Json] = []
    for option in options or []:
        item = dict(option)
        if "type" not in item:
            item["type"] = infer_option_type(item.get("value"))
        result.append(item)
    return result


def _base(
    *,
    interaction_type: int,
    interaction_id: int,
    application_id: int,
    token: str,
    guild: SimGuild | None,
    channel: SimChannel | None,
    channel_id: int,
    user: SimUser,
    locale: str,
    app_permissions: int,
    entitlements: list[Json] | None,
) -> Json:
    payload: Json = {
        "id": str(interaction_id),
        "application_id": str(application_id),
        "type": interaction_type,
        "token": token,
        "version": 1,
        "channel_id": str(channel_id),
        "locale": locale,
        "app_permissions": str(app_permissions),
        "entitlements": list(entitlements or []),
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
    }
    if guild is not None:
        member = guild.members[user.id]
        payload.update(
            guild_id=str(guild.id),
            guild={"id": str(guild.id), "locale": guild.preferred_locale, "features": []},
            guild_locale=guild.preferred_locale,
            member=member_payload(member, guild),
            context=CONTEXT_GUILD,
            authorizing_integration_owners={"0": str(guild.id)},
        )
        if channel is not None:
            channel_json = channel_payload(channel)
            channel_json["permissions"] = str(guild.member_permissions(member))
            payload["channel"] = channel_json
    else:
        payload.update(
            user=user_payload(user),
            context=CONTEXT_BOT_DM,
            authorizing_integration_owners={"1": str(user.id)},
            channel={"id": str(channel_id), "type": 1, "flags": 0, "recipients": [user_payload(user)]},
        )
    return payload


def ping_payload(*, interaction_id: int, application_id: int, token: str) -> Json:
    return {
        "id": str(interaction_id),
        "application_id": str(application_id),
        "type": 1,
        "token": token,
        "version": 1,
        "user": None,
    }


def application_command_payload(
    *,
    interaction_id: int,
    application_id: int,
    token: str,
    guild: SimGuild | None,
    channel: SimChannel | None,
    channel_id: int,
    user: SimUser,
    command_id: int,
    name: str,
    options: list[Json] | None,
    locale: str = "en-US",
    app_permissions: int = 0,
    entitlements: list[Json] | None = None,
    command_guild_id: int | None = None,
    interaction_type: int = 2,
) -> Json:
    """A CHAT_INPUT application command (type 2) or, with ``interaction_type=4``, autocomplete."""
    payload = _base(
        interaction_type=interaction_type,
        interaction_id=interaction_id,
        application_id=application_id,
        token=token,
        guild=guild,
        channel=channel,
        channel_id=channel_id,
        user=user,
        locale=locale,
        app_permissions=app_permissions,
        entitlements=entitlements,
    )
    data: Json = {"id": str(command_id), "name": name, "type": 1}
    normalised = _normalise_options(options)
    if normalised:
        data["options"] = normalised
    if command_guild_id is not None:
        data["guild_id"] = str(command_guild_id)
    payload["data"] = data
    return payload


def autocomplete_payload(**kwargs: Any) -> Json:
    """An APPLICATION_COMMAND_AUTOCOMPLETE (type 4); mark one option ``"focused": True``."""
    return application_command_payload(interaction_type=4, **kwargs)


def component_payload(
    *,
    interaction_id: int,
    application_id: int,
    token: str,
    guild: SimGuild | None,
    channel: SimChannel | None,
    channel_id: int,
    user: SimUser,
    message: Json,
    custom_id: str,
    component_type: int = 2,
    values: list[str] | None = None,
    locale: str = "en-US",
    app_permissions: int = 0,
) -> Json:
    """A MESSAGE_COMPONENT (type 3) on ``message`` (a button by default, 3 for a select)."""
    payload = _base(
        interaction_type=3,
        interaction_id=interaction_id,
        application_id=application_id,
        token=token,
        guild=guild,
        channel=channel,
        channel_id=channel_id,
        user=user,
        locale=locale,
        app_permissions=app_permissions,
        entitlements=None,
    )
    data: Json = {"custom_id": custom_id, "component_type": component_type}
    if values is not None:
        data["values"] = list(values)
    payload["data"] = data
    payload["message"] = message
    return payload


async def deliver(
    *,
    session: aiohttp.ClientSession,
    url: str,
    signer: Signer,
    store: InteractionStore,
    payload: Json,
    timestamp: str,
    timeout: float,
    tamper_signature: bool = False,
) -> InteractionExchange:
    """POST one interaction to the front and record the outcome in ``store``."""
    record = store.get(str(payload["token"])) or store.register(payload)
    exchange = InteractionExchange(id=record.id, token=record.token, payload=payload)
    body = json.dumps(payload, separators=(",", ":")).encode()
    headers = signer.headers(body, timestamp)
    if tamper_signature:
        signature = headers["X-Signature-Ed25519"]
        headers["X-Signature-Ed25519"] = ("0" if signature[0] != "0" else "1") + signature[1:]
    started = time.perf_counter()
    try:
        async with session.post(
            url, data=body, headers=headers, timeout=aiohttp.ClientTimeout(total=timeout)
        ) as response:
            raw = await response.read()
            exchange.status = response.status
            if response.content_type == "application/json" and raw:
                try:
                    exchange.body = json.loads(raw)
                except ValueError:
                    exchange.body = None
    except TimeoutError:
        exchange.error = f"no answer within {timeout:.2f} s"
    except aiohttp.ClientError as exc:
        exchange.error = f"request failed: {exc!r}"
    exchange.elapsed = time.perf_counter() - started

    if record.state is InteractionState.ACKNOWLEDGED:  # answered through the callback route
        exchange.failed = False
        exchange.acknowledged_via = record.acknowledged_via
        return exchange
    if exchange.error is None:
        if exchange.elapsed > store.ack_deadline:
            exchange.error = f"answered after {exchange.elapsed:.2f} s (deadline {store.ack_deadline} s)"
        elif exchange.status is None or not 200 <= exchange.status < 300:
            exchange.error = f"front answered HTTP {exchange.status}"
        else:
            try:
                store.acknowledge(record, exchange.body, via="http")
            except InvalidResponseError as exc:
                exchange.error = str(exc)
    if exchange.error is not None:
        store.fail(record, exchange.error)
        return exchange
    exchange.failed = False
    exchange.acknowledged_via = "http"
    return exchange
