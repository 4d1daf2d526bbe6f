"""``/search``: show the results as a select menu; picking one plays it like ``/play`` would.

``/search query:…`` answers with up to :data:`MAX_RESULTS` results in a select menu whose custom id
(:class:`~encore.custom_ids.SearchPick`) names the stored result list. The front queues the pick as
command ``search`` with options ``pick`` (the nonce) and ``choice`` (the index); the fleet then
queues that track for whoever picked it, with the same checks as ``/play``. Results are kept in the
fleet task's memory for the life of an interaction token (15 minutes); a pick after that, or after
the guild moved to another fleet task, is answered with "use /search again".
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import wavelink

from audio_fleet.formatting import duration
from audio_fleet.play import PlayCommand
from audio_fleet.replies import Reply
from encore.custom_ids import SearchPick, encode
from encore.envelope import INTERACTION_TOKEN_LIFETIME, CommandEnvelope
from encore.i18n import translate

__all__ = ["MAX_RESULTS", "SearchCommand", "SearchResults", "picker"]

#: Results shown in the select menu (Discord allows 25 options).
MAX_RESULTS: Final = 10
_LABEL: Final = 100  # Discord's limit on a select option's label and description


@dataclass(frozen=True, slots=True)
class _Stored:
    tracks: tuple[wavelink.Playable, ...]
    expires_at: float


class SearchResults:
    """Result lists by (guild, nonce), each kept ``ttl_s``; at most ``capacity`` at a time."""

    def __init__(
        self,
        *,
        ttl_s: float = INTERACTION_TOKEN_LIFETIME.total_seconds(),
        capacity: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl_s = ttl_s
        self._capacity = capacity
        self._clock = clock
        self._stored: OrderedDict[tuple[int, str], _Stored] = OrderedDict()

    def put(self, guild_id: int, tracks: Sequence[wavelink.Playable]) -> str:
        now = self._clock()
        while self._stored and (
            len(self._stored) >= self._capacity or next(iter(self._stored.values())).expires_at <= now
        ):
            self._stored.popitem(last=False)
        nonce = secrets.token_urlsafe(12)[:16]
        self._stored[(guild_id, nonce)] = _Stored(tuple(tracks), now + self._ttl_s)
        return nonce

    def get(self, guild_id: int, nonce: str) -> tuple[wavelink.Playable, ...] | None:
        found = self._stored.get((guild_id, nonce))
        if found is None or found.expires_at <= self._clock():
            return None
        return found.tracks


def picker(
    guild_id: int, nonce: str, tracks: Sequence[wavelink.Playable], placeholder: str
) -> list[dict[str, Any]]:
    """The action row with the select menu of ``tracks`` (option values are their indexes)."""
    options = [
        {
            "label": track.title[:_LABEL] or "?",
            "description": f"{track.author} · {duration(track.length, is_stream=track.is_stream)}"[:_LABEL],
            "value": str(index),
        }
        for index, track in enumerate(tracks)
    ]
    select = {
        "type": 3,
        "custom_id": encode(SearchPick(guild_id, nonce)),
        "placeholder": placeholder,
        "min_values": 1,
        "max_values": 1,
        "options": options,
    }
    return [{"type": 1, "components": [select]}]


class SearchCommand:
    def __init__(self, play: PlayCommand, results: SearchResults | None = None) -> None:
        self._play = play
        self._results = results or SearchResults()

    async def __call__(self, envelope: CommandEnvelope) -> str:
        if "pick" in envelope.options:
            return await self._pick(envelope)
        refused = await self._play.refusal(envelope)
        if refused is not None:
            return refused
        query = str(envelope.options.get("query", ""))
        found = await self._play.search(query)
        if isinstance(found, str):
            return found
        tracks = list(found)[:MAX_RESULTS]
        nonce = self._results.put(envelope.guild_id, tracks)
        text = translate("fleet.search_pick", envelope.locale, query=query.replace("`", "'")[:100])
        placeholder = translate("fleet.search_placeholder", envelope.locale)
        return Reply(text, picker(envelope.guild_id, nonce, tracks, placeholder))

    async def _pick(self, envelope: CommandEnvelope) -> str:
        tracks = self._results.get(envelope.guild_id, str(envelope.options.get("pick", "")))
        choice = envelope.options.get("choice")
        if tracks is None or not isinstance(choice, int) or not 0 <= choice < len(tracks):
            return translate("fleet.search_expired", envelope.locale)
        refused = await self._play.refusal(envelope)
        if refused is not None:
            return refused
        # A fresh track object: the same result may be picked again, by someone else.
        return await self._play.deliver(envelope, [wavelink.Playable(tracks[choice].raw_data)])
