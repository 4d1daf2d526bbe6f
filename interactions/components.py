"""Buttons and select menus: the now-playing buttons, queue pages and the search picker.

Custom ids are decoded and validated like any input (:mod:`encore.custom_ids`); one whose guild is
not this interaction's guild is refused as out of date. Queue pages are answered here from the
player snapshot (type 7, the message is replaced); player actions are queued for the fleet and
acknowledged with type 6 (the fleet edits the message once it acted).
"""

from __future__ import annotations

from typing import Any

from encore.custom_ids import CustomIdError, NowPlayingAction, NowPlayingButton, QueuePage, SearchPick, decode
from encore.guild_settings import GuildSettingsReader
from encore.i18n import translate
from interactions import responses
from interactions.caller import Caller, identify
from interactions.commands import CommandAnswers
from interactions.payload import Interaction
from interactions.player_views import queue_view
from interactions.services import FrontServices
from interactions.telemetry import FrontTelemetry

__all__ = ["ComponentAnswers"]

#: Anyone may press skip (the fleet turns it into a vote when needed); the rest is for DJs.
_OPEN_TO_ALL = frozenset({NowPlayingAction.SKIP})


class ComponentAnswers:
    def __init__(
        self,
        services: FrontServices,
        guild_settings: GuildSettingsReader,
        telemetry: FrontTelemetry,
        commands: CommandAnswers,
    ) -> None:
        self._services = services
        self._guild_settings = guild_settings
        self._telemetry = telemetry
        self._commands = commands

    async def answer(self, interaction: Interaction) -> dict[str, Any]:
        data = interaction.data
        try:
            target = decode(data.custom_id or "") if data is not None else None
        except CustomIdError:
            target = None
        if target is None or target.guild_id != interaction.guild_id:
            return self._refuse("bad_custom_id", translate("front.outdated_button", interaction.locale))
        caller = await identify(interaction, self._services, self._guild_settings)
        if caller is None:
            return self._refuse("guild_only", translate("front.guild_only", interaction.locale))
        if not await self._services.replay.first_time(interaction.id):
            self._telemetry.rejected("replay")
            return responses.deferred_update()
        refusal = await caller.refusal(self._services)
        if refusal is not None:
            self._telemetry.rejected("rate_limited")
            return refusal
        match target:
            case QueuePage(page=page):
                read = await self._commands.snapshot(caller.guild_id)
                if read.available:
                    now = self._services.clock()
                    text, buttons = queue_view(read.snapshot, caller.guild_id, page, caller.locale, now)
                    return responses.update_message(text, buttons)
                return await self._queue(caller, "queue", {"page": page})
            case NowPlayingButton(action=action):
                if action not in _OPEN_TO_ALL and not caller.is_dj:
                    return self._refuse("dj_only", caller.say("front.dj_only"))
                return await self._queue(caller, "np", {"action": action.value})
            case SearchPick(nonce=nonce):
                values = data.values if data is not None else ()
                if len(values) != 1 or not values[0].isdigit() or int(values[0]) > 24:
                    return self._refuse("bad_custom_id", caller.say("front.outdated_button"))
                return await self._queue(caller, "search", {"pick": nonce, "choice": int(values[0])})
        return self._refuse("bad_custom_id", caller.say("front.outdated_button"))  # pragma: no cover

    def _refuse(self, reason: str, text: str) -> dict[str, Any]:
        self._telemetry.rejected(reason)
        return responses.ephemeral(text)

    async def _queue(self, caller: Caller, command: str, options: dict[str, Any]) -> dict[str, Any]:
        refused = await caller.enqueue(command, options, self._services, self._telemetry)
        return refused if refused is not None else responses.deferred_update()
