"""Editing the user's deferred reply: ``PATCH /webhooks/{app}/{token}/messages/@original``.

:class:`WebhookReplies` uses discord.py's webhook adapter, which follows Discord's rate-limit buckets
and retries 429s and 5xx itself. Every reply goes out with ``allowed_mentions: {"parse": []}`` so a
track title can never ping anyone.
"""

from __future__ import annotations

import logging
from typing import Any, Final, Protocol

import aiohttp
import discord
from discord.webhook.async_ import async_context

__all__ = [
    "NO_MENTIONS",
    "InteractionReplies",
    "Reply",
    "ReplyGoneError",
    "ReplyNotReadyError",
    "WebhookReplies",
]

log = logging.getLogger(__name__)

NO_MENTIONS: Final[dict[str, Any]] = {"parse": []}
#: Discord's JSON error code for "Unknown Message": @original does not exist yet.
UNKNOWN_MESSAGE: Final = 10008


class Reply(str):
    """Reply text that also carries message components (e.g. Discord's premium button).

    It *is* the reply's text, so every handler still returns ``str`` and the consumer passes it
    through unchanged; :class:`WebhookReplies` adds the components to the edit.
    """

    components: list[dict[str, Any]]

    def __new__(cls, content: str, components: list[dict[str, Any]]) -> Reply:
        reply = super().__new__(cls, content)
        reply.components = components
        return reply


class ReplyGoneError(Exception):
    """The interaction's token is no longer valid (expired, or the interaction failed)."""


class ReplyNotReadyError(Exception):
    """Discord has not yet recorded the front's deferral, so @original does not exist yet.

    The front queues a command *before* answering Discord, so a fast fleet can get here first.
    """


class InteractionReplies(Protocol):
    async def edit_original(self, application_id: int, token: str, content: str) -> None:
        """Replace the deferred reply's content.

        Raises ReplyNotReadyError while Discord has not seen the deferral yet, and ReplyGoneError
        when the token is dead (expired, or the interaction failed).
        """
        ...


class WebhookReplies:
    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def edit_original(self, application_id: int, token: str, content: str) -> None:
        adapter = async_context.get()
        payload: dict[str, Any] = {"content": str(content), "allowed_mentions": NO_MENTIONS}
        if isinstance(content, Reply):
            payload["components"] = content.components
        try:
            await adapter.edit_original_interaction_response(
                application_id,
                token,
                session=self._session,
                payload=payload,
            )
        except discord.NotFound as exc:
            if exc.code == UNKNOWN_MESSAGE:
                raise ReplyNotReadyError(str(exc)) from exc
            raise ReplyGoneError(str(exc)) from exc
        except discord.Forbidden as exc:
            raise ReplyGoneError(str(exc)) from exc
        except discord.HTTPException as exc:
            if exc.status == 401:
                raise ReplyGoneError(str(exc)) from exc
            raise
