"""Bodies of Discord's interaction callback responses that the front sends."""

from __future__ import annotations

from typing import Any, Final

__all__ = ["EPHEMERAL", "autocomplete", "deferred", "ephemeral", "pong"]

#: Message flag: only the invoking user sees the message.
EPHEMERAL: Final = 1 << 6
_NO_MENTIONS: Final[dict[str, list[str]]] = {"parse": []}


def pong() -> dict[str, Any]:
    return {"type": 1}


def deferred() -> dict[str, Any]:
    """Type 5: "Encore is thinking..."; the fleet edits the original response later."""
    return {"type": 5}


def ephemeral(content: str) -> dict[str, Any]:
    """Type 4 with the EPHEMERAL flag: an immediate reply only the user sees."""
    return {
        "type": 4,
        "data": {"content": content, "flags": EPHEMERAL, "allowed_mentions": _NO_MENTIONS},
    }


def autocomplete(choices: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": 8, "data": {"choices": choices[:25]}}
