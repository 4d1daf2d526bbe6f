"""Bodies of Discord's interaction callback responses that the front sends.

Every message goes out with ``allowed_mentions: {"parse": []}``: nothing Encore says can ping.
"""

from __future__ import annotations

from typing import Any, Final

__all__ = [
    "EPHEMERAL",
    "autocomplete",
    "deferred",
    "deferred_update",
    "ephemeral",
    "message",
    "pong",
    "premium_button_row",
    "update_message",
]

#: Message flag: only the invoking user sees the message.
EPHEMERAL: Final = 1 << 6
_NO_MENTIONS: Final[dict[str, list[str]]] = {"parse": []}

Components = list[dict[str, Any]]


def pong() -> dict[str, Any]:
    return {"type": 1}


def deferred() -> dict[str, Any]:
    """Type 5: "Encore is thinking..."; the fleet edits the original response later."""
    return {"type": 5}


def deferred_update() -> dict[str, Any]:
    """Type 6: acknowledge a component; the fleet edits the message it belongs to later."""
    return {"type": 6}


def _data(content: str, components: Components | None, flags: int) -> dict[str, Any]:
    data: dict[str, Any] = {"content": content, "allowed_mentions": _NO_MENTIONS}
    if components is not None:
        data["components"] = components
    if flags:
        data["flags"] = flags
    return data


def message(content: str, components: Components | None = None) -> dict[str, Any]:
    """Type 4: an immediate reply everyone in the channel sees."""
    return {"type": 4, "data": _data(content, components, 0)}


def ephemeral(content: str, components: Components | None = None) -> dict[str, Any]:
    """Type 4 with the EPHEMERAL flag: an immediate reply only the user sees."""
    return {"type": 4, "data": _data(content, components, EPHEMERAL)}


def update_message(content: str, components: Components | None = None) -> dict[str, Any]:
    """Type 7: replace the message the component belongs to, in the front."""
    return {"type": 7, "data": _data(content, components, 0)}


def autocomplete(choices: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": 8, "data": {"choices": choices[:25]}}


def premium_button_row(sku_id: int) -> Components:
    """Discord's premium button (style 6): buys the SKU without leaving the client."""
    return [{"type": 1, "components": [{"type": 2, "style": 6, "sku_id": str(sku_id)}]}]
