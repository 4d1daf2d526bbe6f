"""The now-playing message in the guild's announce channel, edited on every track change.

When a song starts and the guild has an announce channel (``/settings announce-channel``),
:class:`Announcer` posts "Now playing …" there with the player buttons (custom ids from
:mod:`encore.custom_ids`), and edits that same message for each following song; when the player
leaves on its own the message says so and loses its buttons. Every message goes out with
``allowed_mentions: {"parse": []}`` and titles escaped, so a track can never ping anyone. A failed
announcement is logged and never stops the music.
"""

from __future__ import annotations

import logging
from typing import Any, Final, Protocol

import discord
import wavelink
from discord.http import Route

from audio_fleet.controls import label
from audio_fleet.guild_state import GuildStates
from audio_fleet.player_events import PlayerEvent
from audio_fleet.player_queue import requester_of
from audio_fleet.presence import LeaveReason
from audio_fleet.replies import NO_MENTIONS
from encore.custom_ids import NowPlayingAction, NowPlayingButton, encode
from encore.guild_settings import GuildSettingsReader
from encore.i18n import resolve_locale, translate

__all__ = ["Announcer", "ChannelMessages", "DiscordChannelMessages", "MessageGoneError", "player_buttons"]

log = logging.getLogger(__name__)

_ROWS: Final = (
    ((NowPlayingAction.PREVIOUS, "⏮"), None, (NowPlayingAction.SKIP, "⏭"), (NowPlayingAction.STOP, "⏹")),
    ((NowPlayingAction.LOOP, "🔁"), (NowPlayingAction.SHUFFLE, "🔀")),
)


class MessageGoneError(Exception):
    """The message to edit no longer exists (deleted, or its channel is gone)."""


class ChannelMessages(Protocol):
    async def post(self, channel_id: int, body: dict[str, Any]) -> int:
        """Post a message; its id."""
        ...

    async def edit(self, channel_id: int, message_id: int, body: dict[str, Any]) -> None:
        """Edit a message; MessageGoneError when it is not there any more."""
        ...


class DiscordChannelMessages:
    """Channel messages through discord.py's HTTP client (its rate-limit buckets and retries)."""

    def __init__(self, client: discord.Client) -> None:
        self._client = client

    async def post(self, channel_id: int, body: dict[str, Any]) -> int:
        route = Route("POST", "/channels/{channel_id}/messages", channel_id=channel_id)
        message = await self._client.http.request(route, json=body)
        return int(message["id"])

    async def edit(self, channel_id: int, message_id: int, body: dict[str, Any]) -> None:
        route = Route(
            "PATCH",
            "/channels/{channel_id}/messages/{message_id}",
            channel_id=channel_id,
            message_id=message_id,
        )
        try:
            await self._client.http.request(route, json=body)
        except discord.NotFound as exc:
            raise MessageGoneError(str(exc)) from exc


def player_buttons(guild_id: int, paused: bool) -> list[dict[str, Any]]:
    """The now-playing buttons: previous, pause or resume, skip, stop; loop, shuffle."""
    toggle = (NowPlayingAction.RESUME, "▶") if paused else (NowPlayingAction.PAUSE, "⏸")
    rows = []
    for row in _ROWS:
        buttons = [
            {"type": 2, "style": 2, "label": text, "custom_id": encode(NowPlayingButton(guild_id, action))}
            for action, text in (cell or toggle for cell in row)
        ]
        rows.append({"type": 1, "components": buttons})
    return rows


class Announcer:
    def __init__(
        self, messages: ChannelMessages, states: GuildStates, guild_settings: GuildSettingsReader
    ) -> None:
        self._messages = messages
        self._states = states
        self._guild_settings = guild_settings

    async def player_changed(self, player: wavelink.Player, event: PlayerEvent) -> None:
        guild = player.guild
        current = player.current
        if event != "track_start" or guild is None or current is None:
            return
        prefs = await self._guild_settings.get(guild.id)
        if prefs.announce_channel_id is None:
            return
        locale = resolve_locale(prefs.language, guild.preferred_locale.value)
        requester = requester_of(current)
        if requester is None:
            text = translate("fleet.announce_autoplay", locale, track=label(current))
        else:
            text = translate("fleet.announce", locale, track=label(current), requester=f"<@{requester}>")
        body = {
            "content": text,
            "components": player_buttons(guild.id, player.paused),
            "allowed_mentions": NO_MENTIONS,
        }
        await self._show(guild.id, prefs.announce_channel_id, body)

    async def left(self, guild_id: int, channel: str, reason: LeaveReason) -> None:
        """The player left on its own: say why in the announcement, without buttons."""
        state = self._states.peek(guild_id)
        if state is None or state.announcement is None:
            return
        prefs = await self._guild_settings.get(guild_id)
        text = translate(f"fleet.left_{reason}", resolve_locale(prefs.language, None), channel=channel)
        channel_id, message_id = state.announcement
        try:
            await self._messages.edit(
                channel_id, message_id, {"content": text, "components": [], "allowed_mentions": NO_MENTIONS}
            )
        except (MessageGoneError, discord.HTTPException):
            log.warning("could not update the announcement in guild %s", guild_id, exc_info=True)

    async def _show(self, guild_id: int, channel_id: int, body: dict[str, Any]) -> None:
        state = self._states.get(guild_id)
        try:
            if state.announcement is not None and state.announcement[0] == channel_id:
                try:
                    await self._messages.edit(channel_id, state.announcement[1], body)
                    return
                except MessageGoneError:
                    state.announcement = None
            state.announcement = (channel_id, await self._messages.post(channel_id, body))
        except discord.HTTPException:
            log.warning("could not announce the song in guild %s", guild_id, exc_info=True)
