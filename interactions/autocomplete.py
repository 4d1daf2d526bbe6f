"""``/play`` autocomplete, answered by the front (Discord does not let autocomplete be deferred).

Suggestions are the guild's recent searches and the titles in its player snapshot that match what
the user typed, at most 25; everything else gets no suggestions. Both sources are read at once.
"""

from __future__ import annotations

import asyncio
from typing import Any

from encore.recent_searches import MAX_CHOICES, best_matches
from interactions import responses
from interactions.commands import CommandAnswers
from interactions.payload import CommandOption, Interaction
from interactions.services import FrontServices

__all__ = ["AutocompleteAnswers"]


def _focused(options: tuple[CommandOption, ...]) -> CommandOption | None:
    for option in options:
        if option.focused:
            return option
        nested = _focused(option.options)
        if nested is not None:
            return nested
    return None


class AutocompleteAnswers:
    def __init__(self, services: FrontServices, commands: CommandAnswers) -> None:
        self._services = services
        self._commands = commands

    async def answer(self, interaction: Interaction) -> dict[str, Any]:
        data = interaction.data
        guild_id = interaction.guild_id
        focused = _focused(data.options) if data is not None else None
        if data is None or guild_id is None or focused is None:
            return responses.autocomplete([])
        if (data.name, focused.name) != ("play", "query"):
            return responses.autocomplete([])
        typed = str(focused.value or "")[:100]
        recent, read = await asyncio.gather(
            self._services.searches.suggest(guild_id, typed), self._commands.snapshot(guild_id)
        )
        titles: list[str] = []
        if read.snapshot is not None:
            tracks = [read.snapshot.current, *read.snapshot.queue]
            titles = best_matches((f"{t.title} - {t.author}" for t in tracks if t), typed)
        suggestions = list(dict.fromkeys([*recent, *titles]))[:MAX_CHOICES]
        return responses.autocomplete([{"name": s[:100], "value": s[:100]} for s in suggestions])
