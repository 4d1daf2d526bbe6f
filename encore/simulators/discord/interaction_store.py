"""Interaction tokens and what hangs off them: the initial response, @original, follow-ups.

Discord's rules, as enforced here:

* an interaction must get its initial response (the HTTP answer to Discord's POST, or
  ``POST /interactions/{id}/{token}/callback``) within the acknowledgement deadline (3 s);
  otherwise it *failed*: the user sees "This interaction failed", the callback answers
  ``10062 Unknown interaction`` and the webhook routes ``10015 Unknown Webhook``;
* a second initial response is ``40060 Interaction has already been acknowledged.``;
* the token stays valid for webhook routes for 15 minutes after the interaction was created,
  then they answer ``401 50027 Invalid Webhook Token`` (as for a token Discord never issued);
* the allowed callback types depend on the interaction type; a deferred message (type 5) takes
  only the EPHEMERAL flag; autocomplete offers at most 25 choices; a modal needs a custom id,
  a title of at most 45 characters and 1-5 components.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from .errors import ALREADY_ACKNOWLEDGED, UNKNOWN_INTERACTION, UNKNOWN_MESSAGE, RestError, field_error
from .messages import EPHEMERAL, LOADING, apply_edit, new_message, public_view, validate_message_body

__all__ = [
    "ACK_DEADLINE",
    "ALLOWED_CALLBACK_TYPES",
    "TOKEN_LIFETIME",
    "InteractionRecord",
    "InteractionState",
    "InteractionStore",
    "InvalidResponseError",
]

Json = dict[str, Any]

ACK_DEADLINE: Final = 3.0
TOKEN_LIFETIME: Final = 15 * 60.0

PING: Final = 1
APPLICATION_COMMAND: Final = 2
MESSAGE_COMPONENT: Final = 3
AUTOCOMPLETE: Final = 4
MODAL_SUBMIT: Final = 5

PONG: Final = 1
CHANNEL_MESSAGE: Final = 4
DEFERRED_CHANNEL_MESSAGE: Final = 5
DEFERRED_UPDATE_MESSAGE: Final = 6
UPDATE_MESSAGE: Final = 7
AUTOCOMPLETE_RESULT: Final = 8
MODAL: Final = 9

#: Callback types Discord accepts per interaction type (10 PREMIUM_REQUIRED is deprecated but
#: still accepted; 12 LAUNCH_ACTIVITY is accepted and stores nothing).
ALLOWED_CALLBACK_TYPES: Final[dict[int, frozenset[int]]] = {
    PING: frozenset({PONG}),
    APPLICATION_COMMAND: frozenset({4, 5, 9, 10, 12}),
    MESSAGE_COMPONENT: frozenset({4, 5, 6, 7, 9, 10, 12}),
    AUTOCOMPLETE: frozenset({8}),
    MODAL_SUBMIT: frozenset({4, 5, 6, 7, 10, 12}),
}


class InvalidResponseError(Exception):
    """The front's initial response is not one Discord accepts (the interaction fails)."""


class InteractionState(enum.Enum):
    PENDING = "pending"
    ACKNOWLEDGED = "acknowledged"
    FAILED = "failed"


@dataclass
class InteractionRecord:
    id: int
    token: str
    type: int
    payload: Json
    created_at: float
    channel_id: int
    guild_id: int | None
    state: InteractionState = InteractionState.PENDING
    response_type: int | None = None
    response: Json | None = None
    acknowledged_via: str | None = None
    failure: str | None = None
    original: Json | None = None
    original_edits: int = 0
    followups: dict[int, Json] = field(default_factory=dict)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def touch(self) -> None:
        self.changed.set()


def _check_response(interaction_type: int, body: Any) -> tuple[int, Json]:
    """Validate an initial response; return ``(callback type, data)``."""
    if not isinstance(body, dict) or not isinstance(body.get("type"), int):
        raise InvalidResponseError("response is not an object with an integer 'type'")
    response_type: int = body["type"]
    allowed = ALLOWED_CALLBACK_TYPES.get(interaction_type, frozenset())
    if response_type not in allowed:
        raise InvalidResponseError(
            f"callback type {response_type} is not allowed for interaction type {interaction_type}"
        )
    data = body.get("data") or {}
    if not isinstance(data, dict):
        raise InvalidResponseError("'data' must be an object")
    if response_type == DEFERRED_CHANNEL_MESSAGE:
        flags = int(data.get("flags") or 0)
        if flags & ~EPHEMERAL:
            raise InvalidResponseError("a deferred response accepts only the EPHEMERAL flag")
    elif response_type in (CHANNEL_MESSAGE, UPDATE_MESSAGE):
        try:
            validate_message_body(data, creating=response_type == CHANNEL_MESSAGE)
        except RestError as exc:
            raise InvalidResponseError(f"invalid message: {exc.body()}") from exc
    elif response_type == AUTOCOMPLETE_RESULT:
        choices = data.get("choices")
        if not isinstance(choices, list) or len(choices) > 25:
            raise InvalidResponseError("autocomplete needs a list of at most 25 choices")
    elif response_type == MODAL:
        title = data.get("title")
        components = data.get("components")
        if (
            not data.get("custom_id")
            or not isinstance(title, str)
            or not 1 <= len(title) <= 45
            or not isinstance(components, list)
            or not 1 <= len(components) <= 5
        ):
            raise InvalidResponseError("a modal needs custom_id, a 1-45 char title, 1-5 components")
    return response_type, data


class InteractionStore:
    """Every interaction the simulator sent, by token."""

    def __init__(
        self,
        *,
        application_id: int,
        clock: Callable[[], float],
        new_id: Callable[[], int],
        author: Json,
        lookup_user: Callable[[int], Json | None],
        timestamp: Callable[[], str],
        ack_deadline: float = ACK_DEADLINE,
    ) -> None:
        self.application_id = application_id
        self.ack_deadline = ack_deadline
        self._clock = clock
        self._new_id = new_id
        self._author = author
        self._lookup_user = lookup_user
        self._timestamp = timestamp
        self._by_token: dict[str, InteractionRecord] = {}

    # -- lifecycle -----------------------------------------------------------------------------
    def register(self, payload: Json) -> InteractionRecord:
        channel = payload.get("channel") or {}
        record = InteractionRecord(
            id=int(payload["id"]),
            token=str(payload["token"]),
            type=int(payload["type"]),
            payload=payload,
            created_at=self._clock(),
            channel_id=int(payload.get("channel_id") or channel.get("id") or 0),
            guild_id=int(payload["guild_id"]) if payload.get("guild_id") else None,
        )
        self._by_token[record.token] = record
        return record

    def get(self, token: str) -> InteractionRecord | None:
        return self._by_token.get(token)

    def fail(self, record: InteractionRecord, reason: str) -> None:
        if record.state is InteractionState.PENDING:
            record.state = InteractionState.FAILED
            record.failure = reason
            record.touch()

    def acknowledge(self, record: InteractionRecord, body: Any, *, via: str) -> None:
        """Record a valid initial response (raises :class:`InvalidResponseError` otherwise)."""
        response_type, data = _check_response(record.type, body)
        record.state = InteractionState.ACKNOWLEDGED
        record.response_type = response_type
        record.response = body
        record.acknowledged_via = via
        source = record.payload.get("message")
        if response_type == CHANNEL_MESSAGE:
            record.original = self._message(record, data, message_type=self._reply_type(record))
        elif response_type == DEFERRED_CHANNEL_MESSAGE:
            flags = LOADING | (int(data.get("flags") or 0) & EPHEMERAL)
            record.original = self._message(
                record, {}, message_type=self._reply_type(record), extra_flags=flags
            )
        elif response_type == DEFERRED_UPDATE_MESSAGE and isinstance(source, dict):
            record.original = dict(source)
        elif response_type == UPDATE_MESSAGE and isinstance(source, dict):
            record.original = dict(source)
            apply_edit(record.original, data, timestamp=self._timestamp(), lookup_user=self._lookup_user)
        record.touch()

    # -- POST /interactions/{id}/{token}/callback --------------------------------------------
    def callback(self, interaction_id: int, token: str, body: Any, *, with_response: bool) -> Json | None:
        record = self._by_token.get(token)
        if record is None or record.id != interaction_id:
            raise RestError(404, UNKNOWN_INTERACTION, "Unknown interaction")
        if record.state is InteractionState.ACKNOWLEDGED:
            raise RestError(400, ALREADY_ACKNOWLEDGED, "Interaction has already been acknowledged.")
        if record.state is InteractionState.FAILED or self._clock() - record.created_at > self.ack_deadline:
            self.fail(record, "callback after the acknowledgement deadline")
            raise RestError(404, UNKNOWN_INTERACTION, "Unknown interaction")
        try:
            self.acknowledge(record, body, via="callback")
        except InvalidResponseError as exc:
            errors = {"type": field_error("INTERACTION_RESPONSE_INVALID", str(exc))}
            raise RestError.invalid_form_body(errors) from exc
        if not with_response:
            return None
        resource: Json = {"type": record.response_type}
        if record.original is not None and record.response_type in (CHANNEL_MESSAGE, UPDATE_MESSAGE):
            resource["message"] = public_view(record.original)
        original = record.original or {}
        return {
            "interaction": {
                "id": str(record.id),
                "type": record.type,
                "activity_instance_id": None,
                "response_message_id": original.get("id"),
                "response_message_loading": record.response_type == DEFERRED_CHANNEL_MESSAGE,
                "response_message_ephemeral": bool(int(original.get("flags") or 0) & EPHEMERAL),
            },
            "resource": resource,
        }

    # -- /webhooks/{application_id}/{token}/... -----------------------------------------------
    def webhook(self, application_id: int, token: str) -> InteractionRecord:
        """The interaction behind a webhook route, or the error Discord answers."""
        if application_id != self.application_id:
            raise RestError.unknown_webhook()
        record = self._by_token.get(token)
        if record is None or self._clock() - record.created_at > TOKEN_LIFETIME:
            raise RestError.invalid_webhook_token()
        if record.state is InteractionState.FAILED:
            raise RestError.unknown_webhook()
        return record

    def message(self, record: InteractionRecord, message_id: str) -> Json:
        if message_id == "@original" or (record.original and record.original["id"] == message_id):
            if record.original is None:
                raise RestError(404, UNKNOWN_MESSAGE, "Unknown Message")
            return record.original
        try:
            return record.followups[int(message_id)]
        except (KeyError, ValueError):
            raise RestError(404, UNKNOWN_MESSAGE, "Unknown Message") from None

    def edit(self, record: InteractionRecord, message_id: str, body: Any) -> Json:
        validate_message_body(body, creating=False)
        message = self.message(record, message_id)
        apply_edit(message, body, timestamp=self._timestamp(), lookup_user=self._lookup_user)
        if message is record.original:
            record.original_edits += 1
        record.touch()
        return public_view(message)

    def delete(self, record: InteractionRecord, message_id: str) -> None:
        message = self.message(record, message_id)
        if message is record.original:
            record.original = None
        else:
            del record.followups[int(message["id"])]
        record.touch()

    def follow_up(self, record: InteractionRecord, body: Any) -> Json:
        if record.state is not InteractionState.ACKNOWLEDGED:
            raise RestError.unknown_webhook()
        validate_message_body(body, creating=True)
        original = record.original
        if original is not None and int(original["flags"]) & LOADING:
            # The first follow-up after a deferral becomes the "thinking..." original message.
            apply_edit(original, body, timestamp=self._timestamp(), lookup_user=self._lookup_user)
            record.original_edits += 1
            record.touch()
            return public_view(original)
        message = self._message(record, body, message_type=0)
        record.followups[int(message["id"])] = message
        record.touch()
        return public_view(message)

    async def wait_for_original_edit(self, token: str, timeout: float, count: int = 1) -> Json:
        record = self._by_token.get(token)
        if record is None:
            raise KeyError(f"no interaction with token {token!r}")

        async def _wait() -> Json:
            while True:
                if record.original_edits >= count and record.original is not None:
                    return dict(record.original)
                record.changed.clear()
                await record.changed.wait()

        return await asyncio.wait_for(_wait(), timeout)

    # -- helpers -----------------------------------------------------------------------------------
    def _reply_type(self, record: InteractionRecord) -> int:
        return 20 if record.type == APPLICATION_COMMAND else 0  # CHAT_INPUT_COMMAND / DEFAULT

    def _message(
        self, record: InteractionRecord, body: Json, *, message_type: int, extra_flags: int = 0
    ) -> Json:
        payload = record.payload
        user = (payload.get("member") or {}).get("user") or payload.get("user")
        data = payload.get("data") or {}
        metadata: Json = {
            "id": str(record.id),
            "type": record.type,
            "user": user,
            "authorizing_integration_owners": payload.get("authorizing_integration_owners", {}),
        }
        if record.type == APPLICATION_COMMAND:
            metadata["name"] = data.get("name")
            metadata["command_type"] = data.get("type", 1)
        return new_message(
            message_id=self._new_id(),
            channel_id=record.channel_id,
            guild_id=record.guild_id,
            author=self._author,
            body=body,
            timestamp=self._timestamp(),
            message_type=message_type,
            application_id=self.application_id,
            interaction_metadata=metadata,
            lookup_user=self._lookup_user,
            extra_flags=extra_flags,
        )
