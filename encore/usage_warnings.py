"""Usage warnings (80% and 100% of a tier's tracks per period) as Discord messages.

``BillingService.record_play`` records a warning once per guild, period and threshold; the fleet
posts it at once in the guild's announce channel, and the scheduled job
(:mod:`interactions.scheduled`) posts whatever is still pending (the fleet could not, or the guild
set no channel yet: such a warning is marked sent, as there is nowhere to say it). Messages never
mention anyone (``allowed_mentions`` empty).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Final, Protocol

import aiohttp

from encore.billing.views import UsageWarningView
from encore.i18n import resolve_locale, translate

__all__ = ["DiscordRestPoster", "MessagePoster", "UsageWarningSender", "warning_message"]

NO_MENTIONS: Final[dict[str, list[str]]] = {"parse": []}


class MessagePoster(Protocol):
    async def post(self, channel_id: int, body: dict[str, Any]) -> int:
        """Post a message in a channel; its id."""
        ...


def warning_message(warning: UsageWarningView, locale: str | None = None) -> dict[str, Any]:
    """The message body of ``warning`` in ``locale`` (a Discord locale; default en-US)."""
    chosen = resolve_locale(locale, None)
    key = "billing.usage_limit" if warning.threshold >= 100 else "billing.usage_warning"
    text = translate(key, chosen, used=warning.used, limit=warning.limit, threshold=warning.threshold)
    return {"content": text, "allowed_mentions": NO_MENTIONS}


class UsageWarningSender:
    """The ``send`` of ``BillingService.deliver_usage_warnings``: posts in the announce channel,
    in the guild's language when ``language(guild_id)`` says one."""

    def __init__(
        self, poster: MessagePoster, language: Callable[[int], Awaitable[str | None]] | None = None
    ) -> None:
        self._poster = poster
        self._language = language

    async def __call__(self, warning: UsageWarningView) -> None:
        if warning.announce_channel_id is None:
            return  # nowhere to say it: the REST usage view shows it
        locale = await self._language(warning.guild_id) if self._language is not None else None
        await self._poster.post(warning.announce_channel_id, warning_message(warning, locale))


class DiscordRestPoster:
    """Posts channel messages through Discord's REST API with the bot token (one aiohttp session);
    a 429 is waited out (``retry_after``) up to ``attempts`` times."""

    def __init__(
        self, session: aiohttp.ClientSession, api_base: str, bot_token: str, *, attempts: int = 3
    ) -> None:
        self._session = session
        self._base = api_base.rstrip("/")
        self._headers = {"Authorization": f"Bot {bot_token}", "User-Agent": "DiscordBot (encore, 1.0)"}
        self._attempts = attempts

    async def post(self, channel_id: int, body: dict[str, Any]) -> int:
        url = f"{self._base}/channels/{channel_id}/messages"
        for attempt in range(1, self._attempts + 1):
            async with self._session.post(url, json=body, headers=self._headers) as response:
                if response.status == 429 and attempt < self._attempts:
                    answer = await response.json(content_type=None)
                    await asyncio.sleep(float(answer.get("retry_after", 1.0)))
                    continue
                response.raise_for_status()
                return int((await response.json())["id"])
        raise AssertionError("unreachable")
