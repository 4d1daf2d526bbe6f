"""Autoplay: when the queue runs out, keep playing songs chosen to follow what the guild played.

``/autoplay mode:on`` (premium) turns it on for the guild and remembers the channel to speak in.
When a song *finishes* (not when it is stopped or skipped) and nothing is queued, :class:`Autoplay`
asks the player's node for candidates, seeded by the song that just ended:

* the YouTube radio mix of a YouTube song (``https://www.youtube.com/watch?v=<id>&list=RD<id>``);
* recommendations of a Spotify or Deezer song, when the node has that source (LavaSrc's
  ``sprec:seed_tracks=<id>`` / ``dzrec:<id>``);
* a search for artists the guild played before (``ytsearch:<artist>``).

:mod:`~audio_fleet.autoplay_scoring` (pure) picks the best one; it plays with the ``autoplay`` extra
(no requester). When nothing may play, the guild is told once, in the channel autoplay was turned
on from. The guild's stated genres (``genre_preferences`` in its settings) weigh in the scoring next
to what it played. With stored settings (a database), the on/off choice and its channel are kept
there (:class:`~encore.guild_settings.PlayerModesWriter`), so a restarted task or the guild's next
owner carries on; without, it lives in this task's memory.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol

import wavelink

from audio_fleet.autoplay_scoring import (
    DEFAULT_POLICY,
    AutoplayPolicy,
    Candidate,
    TrackFacts,
    candidate_queries,
    guild_preferences,
    pick,
)
from audio_fleet.consumer import CommandHandler
from audio_fleet.controls import PlayerControls
from audio_fleet.premium import FeatureGate
from audio_fleet.replies import NO_MENTIONS
from encore.envelope import CommandEnvelope
from encore.guild_settings import GuildSettingsReader, PlayerModesWriter
from encore.i18n import resolve_locale, translate
from encore.tiers import Feature

__all__ = ["Autoplay", "AutoplayCommand", "CandidateSource", "ChannelPoster", "NodeCandidates", "facts_of"]

log = logging.getLogger(__name__)

#: Candidates taken from each answer of the node.
PER_QUERY: Final = 25


class ChannelPoster(Protocol):
    async def post(self, channel_id: int, body: dict[str, Any]) -> int:
        """Post a message in a channel; its id."""
        ...


class CandidateSource(Protocol):
    async def candidates(
        self, player: wavelink.Player, seed: wavelink.Playable, history: Sequence[TrackFacts]
    ) -> list[tuple[Candidate, wavelink.Playable]]:
        """What the node offers to follow ``seed``, each with the track to play."""
        ...


def facts_of(track: wavelink.Playable) -> TrackFacts:
    return TrackFacts(
        identifier=track.identifier,
        title=track.title,
        author=track.author,
        length_ms=track.length,
        source=track.source,
        is_stream=track.is_stream,
    )


class NodeCandidates:
    """Candidates from the player's node: radio mix, recommendations and artist searches."""

    def __init__(self, policy: AutoplayPolicy = DEFAULT_POLICY) -> None:
        self._policy = policy
        self._sources: dict[tuple[str, str | None], frozenset[str]] = {}

    async def _node_sources(self, node: wavelink.Node) -> frozenset[str]:
        key = (node.identifier, node.session_id)
        if key not in self._sources:
            info = await node.fetch_info()
            self._sources[key] = frozenset(info.source_managers)
        return self._sources[key]

    async def queries(
        self, node: wavelink.Node, seed: wavelink.Playable, history: Sequence[TrackFacts]
    ) -> list[tuple[str, str]]:
        """(origin, Lavalink identifier) to load, best source first."""
        return candidate_queries(facts_of(seed), await self._node_sources(node), history, self._policy)

    async def candidates(
        self, player: wavelink.Player, seed: wavelink.Playable, history: Sequence[TrackFacts]
    ) -> list[tuple[Candidate, wavelink.Playable]]:
        node = player.node
        found: list[tuple[Candidate, wavelink.Playable]] = []
        for origin, query in await self.queries(node, seed, history):
            try:
                result = await wavelink.Pool.fetch_tracks(query, node=node)
            except (wavelink.LavalinkLoadException, wavelink.LavalinkException, wavelink.NodeException):
                log.info("autoplay: %s gave nothing", query, exc_info=True)
                continue
            tracks = list(result.tracks) if isinstance(result, wavelink.Playlist) else list(result)
            found.extend(
                (Candidate(facts_of(track), origin, index), track)
                for index, track in enumerate(tracks[:PER_QUERY])
            )
        return found


@dataclass(slots=True)
class _GuildAutoplay:
    channel_id: int
    locale: str
    told_nothing: bool = False


class Autoplay:
    """Plays a chosen song when a guild's queue runs out (see the module docstring)."""

    def __init__(
        self,
        poster: ChannelPoster,
        controls: PlayerControls,
        source: CandidateSource | None = None,
        policy: AutoplayPolicy = DEFAULT_POLICY,
        *,
        guild_settings: GuildSettingsReader | None = None,
        modes: PlayerModesWriter | None = None,
    ) -> None:
        """``guild_settings`` gives the stated genres (and the stored on/off when ``modes``
        keeps it); ``modes`` stores ``/autoplay`` for the next owner of the guild."""
        self._settings = guild_settings
        self._modes = modes
        self._poster = poster
        self._controls = controls
        self._source: CandidateSource = source if source is not None else NodeCandidates(policy)
        self._policy = policy
        self._guilds: dict[int, _GuildAutoplay] = {}
        self._running: set[asyncio.Task[None]] = set()

    def enabled(self, guild_id: int) -> bool:
        """On in this task (see :meth:`stored_on` for what the stored settings say)."""
        return guild_id in self._guilds

    async def enable(self, guild_id: int, channel_id: int, locale: str) -> None:
        if self._modes is not None:
            await self._modes.set_autoplay(guild_id, channel_id)
        self._guilds[guild_id] = _GuildAutoplay(channel_id, locale)

    async def disable(self, guild_id: int) -> None:
        if self._modes is not None:
            await self._modes.set_autoplay(guild_id, None)
        self._guilds.pop(guild_id, None)

    async def stored_on(self, guild_id: int) -> bool:
        """Whether the stored settings have autoplay on (this task follows them)."""
        if self._modes is None or self._settings is None:
            return False
        try:
            prefs = await self._settings.get(guild_id)
        except Exception:
            log.warning("guild %s: stored settings unavailable for autoplay", guild_id, exc_info=True)
            return False
        if prefs.autoplay_channel_id is None:
            self._guilds.pop(guild_id, None)
            return False
        known = self._guilds.get(guild_id)
        if known is None or known.channel_id != prefs.autoplay_channel_id:
            locale = resolve_locale(prefs.language, known.locale if known is not None else None)
            self._guilds[guild_id] = _GuildAutoplay(prefs.autoplay_channel_id, locale)
        return True

    async def track_ended(self, payload: wavelink.TrackEndEventPayload) -> None:
        """Called for every TrackEndEvent, before anything else reacts to it (queue state is exact)."""
        player = payload.player
        guild = player.guild if player is not None else None
        if player is None or guild is None:
            return
        if payload.reason != "finished" or player.queue or player.current is not None:
            return
        if player.queue.mode is not wavelink.QueueMode.normal:
            return
        # Stored: the stored settings are the truth (another task or the API may have changed them).
        if not (await self.stored_on(guild.id) if self._modes is not None else guild.id in self._guilds):
            return
        task = asyncio.create_task(self.continue_after(player, payload.track), name=f"autoplay-{guild.id}")
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def continue_after(self, player: wavelink.Player, seed: wavelink.Playable) -> None:
        guild = player.guild
        state = self._guilds.get(guild.id) if guild is not None else None
        if guild is None or state is None:
            return
        history = [facts_of(track) for track in (player.queue.history or [])]
        if not history or history[-1].identifier != seed.identifier:
            history.append(facts_of(seed))
        try:
            offered = await self._source.candidates(player, seed, history)
        except Exception:
            log.exception("guild %s: autoplay could not ask the node", guild.id)
            offered = []
        tracks = dict(offered)
        preferences = guild_preferences(history, await self._stated_genres(guild.id))
        chosen = pick([c for c, _ in offered], history, preferences, self._policy)
        if player.current is not None or player.queue or not player.connected:
            return  # someone queued a song meanwhile, or the player left
        if chosen is None:
            await self._tell_nothing(guild.id, state)
            return
        track = tracks[chosen]
        track.extras = {"autoplay": True}
        state.told_nothing = False
        await player.play(track)
        await self._controls.save(player)

    async def _stated_genres(self, guild_id: int) -> tuple[str, ...]:
        if self._settings is None:
            return ()
        try:
            return (await self._settings.get(guild_id)).genre_preferences
        except Exception:
            log.warning("guild %s: genre preferences unavailable", guild_id, exc_info=True)
            return ()

    async def _tell_nothing(self, guild_id: int, state: _GuildAutoplay) -> None:
        if state.told_nothing:
            return
        state.told_nothing = True
        text = translate("fleet.autoplay_nothing", state.locale)
        try:
            await self._poster.post(state.channel_id, {"content": text, "allowed_mentions": NO_MENTIONS})
        except Exception:
            log.warning("guild %s: could not say autoplay found nothing", guild_id, exc_info=True)

    async def close(self) -> None:
        for task in list(self._running):
            task.cancel()
        await asyncio.gather(*self._running, return_exceptions=True)


class AutoplayCommand:
    """The fleet handler of ``/autoplay mode:on|off`` (turning it on is premium)."""

    def __init__(self, autoplay: Autoplay, gate: FeatureGate) -> None:
        self._autoplay = autoplay
        self._gate = gate

    async def __call__(self, envelope: CommandEnvelope) -> str:
        if str(envelope.options.get("mode", "")) == "off":
            await self._autoplay.disable(envelope.guild_id)
            return translate("fleet.autoplay_off", envelope.locale)
        refusal = await self._gate.refusal(envelope, Feature.AUTOPLAY)
        if refusal is not None:
            return refusal
        await self._autoplay.enable(envelope.guild_id, envelope.channel_id, envelope.locale)
        return translate("fleet.autoplay_on", envelope.locale)

    def handlers(self) -> dict[str, CommandHandler]:
        return {"autoplay": self}
