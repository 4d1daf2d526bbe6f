"""``/lyrics``: the lyrics of the song that is playing, from the node's LavaLyrics plugin.

Lavalink has no lyrics of its own; the LavaLyrics plugin (``lavalyrics-plugin`` in ``GET /v4/info``
``plugins``) adds ``GET /v4/sessions/{sessionId}/players/{guildId}/track/lyrics``, which answers the
lyrics object ``{sourceName, provider, text, lines[{timestamp, duration, line, plugin}], plugin}``,
204 when it found none and 404 when the player has no track. :class:`NodeLyrics` asks the player's
node (whether it has the plugin is remembered per node session: a node restart may change its
plugins). Without the plugin the user is told so instead of getting an error.

:func:`lyrics_message` is pure: it neutralises Markdown and mentions in every line and cuts the
text at a line boundary so the reply fits in one Discord message.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Protocol, cast

import wavelink

from audio_fleet.consumer import CommandHandler
from audio_fleet.controls import MSG_NOTHING_PLAYING, PlayerControls, label
from audio_fleet.formatting import neutralise
from audio_fleet.premium import FeatureGate
from encore.envelope import CommandEnvelope
from encore.i18n import translate
from encore.tiers import Feature

__all__ = [
    "LYRICS_PLUGIN",
    "MAX_MESSAGE",
    "Lyrics",
    "LyricsCommand",
    "LyricsSource",
    "LyricsUnsupportedError",
    "NodeLyrics",
    "lyrics_message",
]

log = logging.getLogger(__name__)

LYRICS_PLUGIN: Final = "lavalyrics-plugin"
#: Discord's limit on a message's content.
MAX_MESSAGE: Final = 2000


class LyricsUnsupportedError(Exception):
    """The node has no lyrics plugin."""


@dataclass(frozen=True, slots=True)
class Lyrics:
    source: str
    provider: str
    lines: tuple[str, ...]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Lyrics:
        """The plugin's lyrics object; ``text`` wins over ``lines`` when both are given."""
        text = data.get("text")
        raw_lines = data.get("lines") or []
        if isinstance(text, str) and text.strip():
            lines = tuple(text.splitlines())
        elif isinstance(raw_lines, list):
            lines = tuple(str(entry.get("line", "")) for entry in raw_lines if isinstance(entry, dict))
        else:
            raise ValueError("lyrics has neither text nor lines")
        return cls(
            source=str(data.get("sourceName") or ""), provider=str(data.get("provider") or ""), lines=lines
        )

    @property
    def empty(self) -> bool:
        return not any(line.strip() for line in self.lines)

    @property
    def credit(self) -> str:
        """Where the lyrics came from, e.g. ``youtube (Musixmatch)``."""
        if self.provider and self.provider.casefold() != self.source.casefold():
            return f"{self.source} ({self.provider})" if self.source else self.provider
        return self.source or self.provider or "?"


def lyrics_message(title: str, lyrics: Lyrics, cut_note: str, limit: int = MAX_MESSAGE) -> str:
    """``title`` then the lyrics, cut after the last whole line that fits (then ``cut_note``)."""
    body = [neutralise(line) for line in lyrics.lines]
    whole = "\n".join([title, *body])
    if len(whole) <= limit:
        return whole
    message = title
    for line in body:
        if len(message) + len(line) + len(cut_note) + 2 > limit:
            break
        message = f"{message}\n{line}"
    return f"{message}\n{cut_note}"[:limit]


class LyricsSource(Protocol):
    async def current(self, player: wavelink.Player) -> Lyrics | None:
        """The lyrics of the player's track; None when the plugin found none.

        Raises LyricsUnsupportedError when the node has no lyrics plugin.
        """
        ...


class NodeLyrics:
    """Lyrics from the LavaLyrics plugin of the player's own node."""

    def __init__(self) -> None:
        self._supported: dict[tuple[str, str | None], bool] = {}

    async def supported(self, node: wavelink.Node) -> bool:
        key = (node.identifier, node.session_id)
        if key not in self._supported:
            info = await node.fetch_info()
            self._supported[key] = any(plugin.name == LYRICS_PLUGIN for plugin in info.plugins)
        return self._supported[key]

    async def current(self, player: wavelink.Player) -> Lyrics | None:
        node = player.node
        if not await self.supported(node):
            raise LyricsUnsupportedError(node.identifier)
        assert player.guild is not None
        path = f"v4/sessions/{node.session_id}/players/{player.guild.id}/track/lyrics"
        data = await node.send("GET", path=path, params={"skipTrackSource": "false"})
        if data is None:  # 204: the plugin found no lyrics
            return None
        if not isinstance(data, dict):
            raise ValueError(f"unexpected lyrics answer: {type(data).__name__}")
        lyrics = Lyrics.from_json(cast(dict[str, Any], data))
        return None if lyrics.empty else lyrics


class LyricsCommand:
    """The fleet handler of ``/lyrics``."""

    def __init__(
        self, controls: PlayerControls, gate: FeatureGate, source: LyricsSource | None = None
    ) -> None:
        self._controls = controls
        self._gate = gate
        self._source: LyricsSource = source if source is not None else NodeLyrics()

    async def __call__(self, envelope: CommandEnvelope) -> str:
        locale = envelope.locale
        refusal = await self._gate.refusal(envelope, Feature.LYRICS)
        if refusal is not None:
            return refusal
        found = self._controls.find(envelope)
        if isinstance(found, str):
            return found
        track = found.current
        if track is None:
            return MSG_NOTHING_PLAYING
        try:
            lyrics = await self._source.current(found)
        except LyricsUnsupportedError:
            return translate("fleet.lyrics_unsupported", locale)
        except (wavelink.LavalinkException, wavelink.NodeException, ValueError):
            log.warning("guild %s: lyrics request failed", envelope.guild_id, exc_info=True)
            return translate("fleet.lyrics_failed", locale)
        if lyrics is None:
            return translate("fleet.lyrics_not_found", locale, track=label(track))
        title = translate("fleet.lyrics_title", locale, track=label(track), source=neutralise(lyrics.credit))
        return lyrics_message(title, lyrics, translate("fleet.lyrics_cut", locale))

    def handlers(self) -> dict[str, CommandHandler]:
        return {"lyrics": self}
