"""The LavaLyrics plugin (``lavalyrics-plugin``) on a simulated node.

Set ``sim.lyrics = LyricsPlugin.default()`` before starting a :class:`LavalinkSimulator`: the node
then lists the plugin in ``GET /v4/info`` ``plugins`` and answers the plugin's routes as LavaLyrics
does (https://github.com/topi314/LavaLyrics):

* ``GET /v4/sessions/{sessionId}/players/{guildId}/track/lyrics?skipTrackSource=`` → 200 with the
  lyrics object of the player's current track, 204 when there are none, 404 when the session or
  player is unknown or nothing is playing;
* ``GET /v4/lyrics?track={encodedTrack}&skipTrackSource=`` → 200 or 204 for that track.

Lyrics are found by the track's ``identifier``. The default lyrics are made-up lines (never a real
song's words): a short text, one over Discord's 2,000-character message limit, and one full of
Markdown and mention syntax.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from aiohttp import web

from encore.simulators.lavalink.ops import JSON
from encore.simulators.lavalink.rest import ApiError, json_response
from encore.simulators.lavalink.track import TrackDecodeError, decode_track

if TYPE_CHECKING:
    from encore.simulators.lavalink.simulator import LavalinkSimulator

__all__ = ["PLUGIN_NAME", "LyricsPlugin", "lyrics_object"]

PLUGIN_NAME: Final = "lavalyrics-plugin"
PLUGIN_VERSION: Final = "1.1.0"


def lyrics_object(lines: list[str], *, source: str = "youtube", provider: str = "Simulated") -> JSON:
    """The plugin's lyrics object, with one timed line per entry (4 s apart)."""
    return {
        "sourceName": source,
        "provider": provider,
        "text": None,
        "lines": [
            {"timestamp": index * 4000, "duration": 4000, "line": line, "plugin": {}}
            for index, line in enumerate(lines)
        ],
        "plugin": {},
    }


def _default_lyrics() -> dict[str, JSON]:
    return {
        "dQw4w9WgXcQ": lyrics_object([f"Simulated lyric line {n} of the sandbox song" for n in range(1, 9)]),
        "tenHoursRain": lyrics_object(
            [f"Raindrop verse {n}: the sound keeps falling on the roof" for n in range(1, 201)],
            provider="Simulated Long Lyrics",
        ),
        "mdSpecial01": lyrics_object(["**loud** line @everyone", "<@&1> ~~struck~~ `code`"]),
    }


class LyricsPlugin:
    """LavaLyrics on a simulated node: its ``/v4/info`` entry and its routes."""

    def __init__(self, lyrics: Mapping[str, JSON] | None = None) -> None:
        #: Track identifier → lyrics object; a track not here has no lyrics (204).
        self.lyrics: dict[str, JSON] = dict(lyrics or {})

    @classmethod
    def default(cls) -> LyricsPlugin:
        return cls(_default_lyrics())

    @property
    def info(self) -> JSON:
        """The plugin's entry in ``GET /v4/info`` ``plugins``."""
        return {"name": PLUGIN_NAME, "version": PLUGIN_VERSION}

    def routes(self, sim: LavalinkSimulator) -> list[web.RouteDef]:
        async def current_track(request: web.Request) -> web.StreamResponse:
            session = sim.sessions.get(request.match_info["session_id"])
            if session is None or not session.connected:
                raise ApiError(404, "Session not found")
            raw_guild = request.match_info["guild_id"]
            player = session.players.get(int(raw_guild)) if raw_guild.isdigit() else None
            if player is None:
                raise ApiError(404, "Player not found")
            if player.track is None:
                raise ApiError(404, "Not currently playing anything")
            return self._answer(player.track["info"])

        async def for_track(request: web.Request) -> web.StreamResponse:
            encoded = request.query.get("track")
            if encoded is None:
                raise ApiError(400, "Required parameter 'track' is not present")
            try:
                info = decode_track(encoded)
            except TrackDecodeError as exc:
                raise ApiError(400, f"Invalid encoded track: {exc}") from exc
            return self._answer(dict(info))

        return [
            web.get("/v4/sessions/{session_id}/players/{guild_id}/track/lyrics", current_track),
            web.get("/v4/lyrics", for_track),
        ]

    def _answer(self, info: Mapping[str, Any]) -> web.StreamResponse:
        found = self.lyrics.get(str(info.get("identifier")))
        return web.Response(status=204) if found is None else json_response(found)
