"""Messages the bot posts in guild text channels: ``POST /channels/{id}/messages``, then ``GET`` and
``PATCH /channels/{id}/messages/{message_id}`` (the fleet's now-playing announcement).

Bodies are validated like interaction messages (:func:`~.messages.validate_message_body`); mentions
follow ``allowed_mentions``, and when it is absent a bot message parses every mention (Discord's
default for channel messages). The stored message keeps ``allowed_mentions`` for assertions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .errors import UNKNOWN_CHANNEL, UNKNOWN_MESSAGE, RestError
from .messages import apply_edit, new_message, public_view, validate_message_body
from .world import CHANNEL_GUILD_TEXT, World

if TYPE_CHECKING:
    from .rest import RestRequest

__all__ = ["ChannelMessages"]

Json = dict[str, Any]
_DEFAULT_MENTIONS: Json = {"parse": ["users", "roles", "everyone"]}


class ChannelMessages:
    """The messages of every text channel, by channel id then message id (oldest first)."""

    def __init__(
        self,
        world: World,
        *,
        new_id: Callable[[], int],
        author: Json,
        timestamp: Callable[[], str],
        lookup_user: Callable[[int], Json | None],
    ) -> None:
        self._world = world
        self._new_id = new_id
        self._author = author
        self._timestamp = timestamp
        self._lookup_user = lookup_user
        self._by_channel: dict[int, dict[str, Json]] = {}

    def messages(self, channel_id: int) -> list[Json]:
        """The channel's messages as stored (with ``allowed_mentions``), oldest first."""
        return [dict(m) for m in self._by_channel.get(channel_id, {}).values()]

    def _channel(self, request: RestRequest) -> int:
        raw = request.params["channel_id"]
        channel = self._world.channel(int(raw)) if raw.isdigit() else None
        if channel is None or channel.type != CHANNEL_GUILD_TEXT:
            raise RestError.unknown(UNKNOWN_CHANNEL, "Channel")
        return channel.id

    def _message(self, request: RestRequest) -> Json:
        found = self._by_channel.get(self._channel(request), {}).get(request.params["message_id"])
        if found is None:
            raise RestError(404, UNKNOWN_MESSAGE, "Unknown Message")
        return found

    async def create(self, request: RestRequest) -> Any:
        from .rest import RestResponse

        channel_id = self._channel(request)
        body = request.json
        validate_message_body(body, creating=True)
        channel = self._world.channel(channel_id)
        assert channel is not None
        if "allowed_mentions" not in body:
            body = {**body, "allowed_mentions": _DEFAULT_MENTIONS}
        message = new_message(
            message_id=self._new_id(),
            channel_id=channel_id,
            guild_id=channel.guild_id,
            author=self._author,
            body=body,
            timestamp=self._timestamp(),
            message_type=0,
            application_id=0,
            interaction_metadata=None,
            lookup_user=self._lookup_user,
        )
        for key in ("webhook_id", "application_id"):  # a bot's own message, not a webhook's
            message.pop(key, None)
        self._by_channel.setdefault(channel_id, {})[message["id"]] = message
        return RestResponse(200, public_view(message))

    async def get(self, request: RestRequest) -> Any:
        from .rest import RestResponse

        return RestResponse(200, public_view(self._message(request)))

    async def edit(self, request: RestRequest) -> Any:
        from .rest import RestResponse

        validate_message_body(request.json, creating=False)
        message = self._message(request)
        apply_edit(message, request.json, timestamp=self._timestamp(), lookup_user=self._lookup_user)
        return RestResponse(200, public_view(message))
