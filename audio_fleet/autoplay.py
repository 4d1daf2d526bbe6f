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
on from. The on/off choice lives in this task's memory: a restarted task starts with it off.
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
    genre_preferences,
    pick,
)
from audio_fleet.consumer import CommandHandler
from audio_fleet.controls import PlayerControls
from audio_fleet.premium import FeatureGate
from audio_fleet.replies import NO_MENTIONS
from encore.envelope import CommandEnvelope
from encore.i18n import translate
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
    ) -> None:
        self._poster = poster
        self._controls = controls
        self._source: CandidateSource = source if source is not None else NodeCandidates(policy)
        self._policy = policy
        self._guilds: dict[int, _GuildAutoplay] = {}
        self._running: set[asyncio.Task[None]] = set()

    def enabled(self, guild_id: int) -> bool:
        return guild_id in self._guilds

    def enable(self, guild_id: int, channel_id: int, locale: str) -> None:
        self._guilds[guild_id] = _GuildAutoplay(channel_id, locale)

    def disable(self, guild_id: int) -> None:
        self._guilds.pop(guild_id, None)

    async def track_ended(self, payload: wavelink.TrackEndEventPayload) -> None:
        """Called for every TrackEndEvent, before anything else reacts to it (queue state is exact)."""
        player = payload.player
        guild = player.guild if player is not None else None
        if player is None or guild is None or guild.id not in self._guilds:
            return
        if payload.reason != "finished" or player.queue or player.current is not None:
            return
        if player.queue.mode is not wavelink.QueueMode.normal:
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
        chosen = pick([c for c, _ in offered], history, genre_preferences(history), self._policy)
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
            self._autoplay.disable(envelope.guild_id)
            return translate("fleet.autoplay_off", envelope.locale)
        refusal = await self._gate.refusal(envelope, Feature.AUTOPLAY)
        if refusal is not None:
            return refusal
        self._autoplay.enable(envelope.guild_id, envelope.channel_id, envelope.locale)
        return translate("fleet.autoplay_on", envelope.locale)

    def handlers(self) -> dict[str, CommandHandler]:
        return {"autoplay": self}
