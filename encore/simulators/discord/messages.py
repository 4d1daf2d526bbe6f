"""Messages sent through interaction webhooks: body validation, creation, edits, mentions.

Validated like Discord does (errors are 400 ``50035 Invalid Form Body`` pointing at the field):
content at most 2,000 characters; at most 10 embeds with title 256, description 4,096, 25 fields
(name 256, value 1,024), footer 2,048, author name 256 and 6,000 characters in total; without
the ``IS_COMPONENTS_V2`` flag at most 5 top-level action rows of at most 5 components. A new
message with nothing to show is ``50006 Cannot send an empty message``. ``allowed_mentions`` may
only ``parse`` roles, users and everyone, list at most 100 users and 100 roles, and must not both
parse a kind and list ids of it (``MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE``).

Mentions follow ``allowed_mentions``; when absent, interaction messages parse user mentions only.
The stored message keeps ``allowed_mentions`` for assertions; :func:`public_view` drops it for
REST answers, which Discord never echoes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Final

from .errors import RestError, field_error

__all__ = [
    "EPHEMERAL",
    "IS_COMPONENTS_V2",
    "LOADING",
    "MAX_CONTENT_LENGTH",
    "apply_edit",
    "new_message",
    "public_view",
    "validate_message_body",
]

Json = dict[str, Any]

SUPPRESS_EMBEDS: Final = 1 << 2
EPHEMERAL: Final = 1 << 6
LOADING: Final = 1 << 7
SUPPRESS_NOTIFICATIONS: Final = 1 << 12
IS_COMPONENTS_V2: Final = 1 << 15
_CREATE_FLAGS: Final = SUPPRESS_EMBEDS | EPHEMERAL | SUPPRESS_NOTIFICATIONS | IS_COMPONENTS_V2
_EDIT_FLAGS: Final = SUPPRESS_EMBEDS | IS_COMPONENTS_V2
MAX_CONTENT_LENGTH: Final = 2000
_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")
_EMBED_LIMITS: Final = (("title", 256), ("description", 4096))
_MENTION_KINDS: Final = frozenset({"roles", "users", "everyone"})


def _too_long(limit: int) -> Json:
    return field_error("BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def _embed_errors(embed: Any) -> tuple[Json, int]:
    """Errors of one embed and the characters it counts towards the 6,000 total."""
    if not isinstance(embed, dict):
        return field_error("MODEL_TYPE_CONVERT", "Only dictionaries may be used."), 0
    errors: Json = {}
    total = 0
    for key, limit in _EMBED_LIMITS:
        value = embed.get(key) or ""
        total += len(value)
        if len(value) > limit:
            errors[key] = _too_long(limit)
    fields = embed.get("fields") or []
    if len(fields) > 25:
        errors["fields"] = _too_long(25)
    for index, item in enumerate(fields[:25]):
        name, value = str(item.get("name", "")), str(item.get("value", ""))
        total += len(name) + len(value)
        item_errors: Json = {}
        if len(name) > 256:
            item_errors["name"] = _too_long(256)
        if len(value) > 1024:
            item_errors["value"] = _too_long(1024)
        if item_errors:
            errors.setdefault("fields", {})[str(index)] = item_errors
    for key, inner, limit in (("footer", "text", 2048), ("author", "name", 256)):
        text = str((embed.get(key) or {}).get(inner, ""))
        total += len(text)
        if len(text) > limit:
            errors[key] = {inner: _too_long(limit)}
    return errors, total


def validate_message_body(body: Any, *, creating: bool) -> None:
    """Raise the 400 Discord answers for an invalid message create/edit body."""
    if not isinstance(body, dict):
        raise RestError.invalid_form_body(field_error("MODEL_TYPE_CONVERT", "Only dictionaries may be used."))
    errors: Json = {}
    content = body.get("content")
    if content is not None and not isinstance(content, str):
        errors["content"] = field_error("BASE_TYPE_STRING", "Must be a string.")
    elif content is not None and len(content) > MAX_CONTENT_LENGTH:
        errors["content"] = _too_long(MAX_CONTENT_LENGTH)
    embeds = body.get("embeds") or []
    if len(embeds) > 10:
        errors["embeds"] = _too_long(10)
    else:
        total = 0
        for index, embed in enumerate(embeds):
            embed_errors, chars = _embed_errors(embed)
            total += chars
            if embed_errors:
                errors.setdefault("embeds", {})[str(index)] = embed_errors
        if total > 6000 and "embeds" not in errors:
            errors["embeds"] = field_error(
                "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000"
            )
    components = body.get("components") or []
    if not int(body.get("flags") or 0) & IS_COMPONENTS_V2:
        if len(components) > 5:
            errors["components"] = _too_long(5)
        else:
            for index, row in enumerate(components):
                if isinstance(row, dict) and len(row.get("components") or []) > 5:
                    errors.setdefault("components", {})[str(index)] = {"components": _too_long(5)}
    mentions_error = _allowed_mentions_errors(body.get("allowed_mentions"))
    if mentions_error:
        errors["allowed_mentions"] = mentions_error
    if errors:
        raise RestError.invalid_form_body(errors)
    if creating and not (
        content
        or embeds
        or components
        or body.get("attachments")
        or body.get("poll")
        or body.get("sticker_ids")
    ):
        raise RestError.empty_message()


def _allowed_mentions_errors(allowed: Any) -> Json:
    """Discord's checks on ``allowed_mentions``: known ``parse`` kinds, at most 100 ids per list,
    and a kind is either parsed or listed by id, never both."""
    if allowed is None:
        return {}
    if not isinstance(allowed, dict):
        return field_error("MODEL_TYPE_CONVERT", "Only dictionaries may be used.")
    errors: Json = {}
    parse = allowed.get("parse") or []
    for index, kind in enumerate(parse):
        if kind not in _MENTION_KINDS:
            choices = "{'roles', 'users', 'everyone'}"
            errors.setdefault("parse", {})[str(index)] = field_error(
                "BASE_TYPE_CHOICES", f"Value must be one of {choices}."
            )
    for kind in ("users", "roles"):
        ids = allowed.get(kind) or []
        if len(ids) > 100:
            errors[kind] = _too_long(100)
        elif ids and kind in parse:
            errors.setdefault("_errors", []).append(
                {
                    "code": "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                    "message": f'parse:["{kind}"] and {kind}: [ids...] are mutually exclusive.',
                }
            )
    return errors


def _mentions(
    content: str, allowed: Json | None, lookup_user: Callable[[int], Json | None]
) -> tuple[list[Json], list[str], bool]:
    parse = set(allowed.get("parse") or []) if allowed is not None else {"users"}
    users = {str(u) for u in (allowed or {}).get("users") or []}
    roles = {str(r) for r in (allowed or {}).get("roles") or []}
    mentioned: list[Json] = []
    for user_id in dict.fromkeys(_USER_MENTION.findall(content)):
        if "users" in parse or user_id in users:
            mentioned.append(lookup_user(int(user_id)) or {"id": user_id})
    mention_roles = [
        r for r in dict.fromkeys(_ROLE_MENTION.findall(content)) if "roles" in parse or r in roles
    ]
    everyone = "everyone" in parse and ("@everyone" in content or "@here" in content)
    return mentioned, mention_roles, everyone


def new_message(
    *,
    message_id: int,
    channel_id: int,
    guild_id: int | None,
    author: Json,
    body: Json,
    timestamp: str,
    message_type: int,
    application_id: int,
    interaction_metadata: Json | None,
    lookup_user: Callable[[int], Json | None],
    extra_flags: int = 0,
) -> Json:
    """A message as Discord stores it after an interaction response or follow-up."""
    message: Json = {
        "id": str(message_id),
        "type": message_type,
        "channel_id": str(channel_id),
        "author": author,
        "content": body.get("content") or "",
        "embeds": list(body.get("embeds") or []),
        "components": list(body.get("components") or []),
        "attachments": list(body.get("attachments") or []),
        "mentions": [],
        "mention_roles": [],
        "mention_everyone": False,
        "pinned": False,
        "tts": bool(body.get("tts", False)),
        "timestamp": timestamp,
        "edited_timestamp": None,
        "flags": (int(body.get("flags") or 0) & _CREATE_FLAGS) | extra_flags,
        "webhook_id": str(application_id),
        "application_id": str(application_id),
        "allowed_mentions": body.get("allowed_mentions"),
    }
    if guild_id is not None:
        message["guild_id"] = str(guild_id)
    if interaction_metadata is not None:
        message["interaction_metadata"] = interaction_metadata
    if body.get("poll") is not None:
        message["poll"] = body["poll"]
    _refresh_mentions(message, lookup_user)
    return message


def apply_edit(
    message: Json, body: Json, *, timestamp: str, lookup_user: Callable[[int], Json | None]
) -> None:
    """Apply a PATCH body to a stored message (a first edit clears the LOADING flag)."""
    for key in ("content", "embeds", "components", "attachments", "allowed_mentions", "poll"):
        if key not in body:
            continue
        value = body[key]
        if value is None and key == "content":
            value = ""
        elif value is None and key in ("embeds", "components", "attachments"):
            value = []
        message[key] = value
    flags = int(message.get("flags") or 0) & ~LOADING
    if "flags" in body and body["flags"] is not None:
        flags = (flags & ~_EDIT_FLAGS) | (int(body["flags"]) & _EDIT_FLAGS)
    message["flags"] = flags
    message["edited_timestamp"] = timestamp
    _refresh_mentions(message, lookup_user)


def _refresh_mentions(message: Json, lookup_user: Callable[[int], Json | None]) -> None:
    mentions, roles, everyone = _mentions(
        str(message.get("content") or ""), message.get("allowed_mentions"), lookup_user
    )
    message.update(mentions=mentions, mention_roles=roles, mention_everyone=everyone)


def public_view(message: Json) -> Json:
    """The message as a REST answer (without the request-only ``allowed_mentions``)."""
    return {k: v for k, v in message.items() if k != "allowed_mentions"}
