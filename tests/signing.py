"""Signing requests the way Discord does, for tests of the front."""

from __future__ import annotations

import json
import time
from typing import Any

from nacl.signing import SigningKey


class DiscordSigner:
    """Holds an Ed25519 key pair and signs interaction bodies like Discord."""

    def __init__(self) -> None:
        self.key = SigningKey.generate()
        self.public_key_hex = self.key.verify_key.encode().hex()

    def headers(self, body: bytes, timestamp: int | None = None) -> dict[str, str]:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        signature = self.key.sign(stamp.encode() + body).signature.hex()
        return {
            "X-Signature-Ed25519": signature,
            "X-Signature-Timestamp": stamp,
            "Content-Type": "application/json",
        }


def play_interaction(
    query: str = "never gonna give you up",
    *,
    interaction_id: int = 1_180_000_000_000_000_001,
    guild_id: int = 1_100_000_000_000_000_000,
    channel_id: int = 1_100_000_000_000_000_100,
    user_id: int = 1_100_000_000_000_000_200,
    application_id: int = 1_000_000_000_000_000_001,
) -> dict[str, Any]:
    """A guild /play interaction as Discord sends it (trimmed to realistic fields)."""
    return {
        "id": str(interaction_id),
        "application_id": str(application_id),
        "type": 2,
        "token": f"aW50ZXJhY3Rpb246{interaction_id}",
        "version": 1,
        "guild_id": str(guild_id),
        "channel_id": str(channel_id),
        "locale": "en-GB",
        "guild_locale": "en-US",
        "app_permissions": "2248473465835073",
        "entitlements": [],
        "member": {
            "user": {"id": str(user_id), "username": "listener", "global_name": "Listener"},
            "roles": ["1100000000000000300"],
            "permissions": "2248473465835073",
            "joined_at": "2024-01-01T00:00:00.000000+00:00",
        },
        "data": {
            "id": "1180000000000000999",
            "name": "play",
            "type": 1,
            "options": [{"name": "query", "type": 3, "value": query}],
        },
    }


def encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()
