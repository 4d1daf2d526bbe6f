"""Choosing what autoplay plays next: pure scoring of the node's candidates, no I/O.

A :class:`Candidate` is a track the node offered (from a radio mix, a recommendation or an artist
search) with its rank in that list. :func:`rank` drops what must never play next and orders the rest
by :func:`score`:

* **Never**: a track played within the last ``history_window`` tracks (same identifier, or the same
  song under another upload: title without "(Official Video)"-style decorations and artist without
  "VEVO"/"- Topic"), an artist heard within the last ``artist_spacing`` tracks, live streams, and
  tracks longer than ``max_length_ms`` (ten-hour loops are not "a song like that one").
* **Score** (0..1, higher is better): genre overlap with the recent history, the guild's genre
  preferences (how often each genre was played), an artist the guild played before (outside the
  spacing window), shared title words, a similar length, and the node's own rank.

Genres come from words in the title and artist (:func:`genres_of`): Lavalink does not report a
genre, and these words are what radio mixes and searches return.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

__all__ = [
    "DEFAULT_POLICY",
    "GENRE_WORDS",
    "AutoplayPolicy",
    "Candidate",
    "Scored",
    "TrackFacts",
    "artist_key",
    "candidate_queries",
    "genre_preferences",
    "genres_of",
    "guild_preferences",
    "pick",
    "rank",
    "score",
    "song_key",
]

#: How many other artists from the history autoplay searches for.
ARTIST_SEARCHES: Final = 2

#: Words (or two-word phrases) in a title or artist name that suggest a genre.
GENRE_WORDS: Final[Mapping[str, frozenset[str]]] = {
    "electronic": frozenset(
        {"edm", "house", "techno", "trance", "dubstep", "electro", "electronic", "synthwave", "dnb",
         "drum and bass", "club mix", "extended mix"}
    ),
    "lofi": frozenset({"lofi", "lo-fi", "chillhop", "beats to relax", "study beats"}),
    "rock": frozenset({"rock", "metal", "punk", "grunge", "guitar"}),
    "hiphop": frozenset({"rap", "hip hop", "hip-hop", "trap", "drill", "freestyle"}),
    "classical": frozenset(
        {"symphony", "concerto", "sonata", "orchestra", "mozart", "beethoven", "bach", "chopin", "piano"}
    ),
    "jazz": frozenset({"jazz", "swing", "bebop", "blues", "saxophone"}),
    "pop": frozenset({"pop", "synthpop", "dance pop"}),
    "anime": frozenset({"anime", "opening", "ost", "j-pop", "jpop"}),
    "ambient": frozenset({"ambient", "rain", "sleep", "relaxing", "white noise", "nature sounds"}),
    "kpop": frozenset({"kpop", "k-pop"}),
}  # fmt: skip

_DECORATIONS: Final = re.compile(
    r"[(\[][^)\]]*(official|video|audio|lyrics?|hd|4k|remaster(ed)?|visuali[sz]er|mv|live)[^)\]]*[)\]]",
    re.IGNORECASE,
)
_ARTIST_SUFFIXES: Final = re.compile(r"(\s*-\s*topic|vevo|official)$", re.IGNORECASE)
_WORD: Final = re.compile(r"[\w'-]+")
_STOPWORDS: Final = frozenset(
    {"the", "a", "an", "of", "to", "and", "in", "on", "you", "me", "my", "feat", "ft", "official",
     "video", "audio", "lyrics", "remix", "version", "mix", "by"}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class TrackFacts:
    """What scoring knows of a track."""

    identifier: str
    title: str
    author: str
    length_ms: int
    source: str = "youtube"
    is_stream: bool = False


@dataclass(frozen=True, slots=True)
class Candidate:
    track: TrackFacts
    origin: str = "radio"  #: "radio" | "recommendations" | "artist"
    rank: int = 0  #: its place in the node's answer (0 = the node's first choice)


@dataclass(frozen=True, slots=True)
class Scored:
    candidate: Candidate
    score: float


@dataclass(frozen=True, slots=True)
class AutoplayPolicy:
    history_window: int = 50  #: no track played within this many tracks plays again
    artist_spacing: int = 3  #: no artist twice within this many tracks
    max_length_ms: int = 20 * 60_000
    recent: int = 5  #: how many of the last tracks "recent history" means
    weights: Mapping[str, float] = field(
        default_factory=lambda: {
            "genre": 0.30,
            "preference": 0.20,
            "artist": 0.15,
            "words": 0.10,
            "length": 0.10,
            "rank": 0.15,
        }
    )


DEFAULT_POLICY: Final = AutoplayPolicy()


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def song_key(track: TrackFacts) -> tuple[str, str]:
    """The song behind an upload: its title without decorations, and its artist."""
    title = _DECORATIONS.sub("", _fold(track.title))
    title = title.split(" - ", 1)[1] if " - " in title else title  # "Artist - Title" uploads
    return " ".join(_WORD.findall(title)), artist_key(track.author)


def artist_key(author: str) -> str:
    """The artist, ignoring case, spacing and channel suffixes ("RickAstleyVEVO" = "Rick Astley")."""
    folded = _ARTIST_SUFFIXES.sub("", _fold(author).strip())
    return "".join(ch for ch in folded if ch.isalnum())


def _words(track: TrackFacts) -> set[str]:
    return {w for w in _WORD.findall(_fold(track.title)) if w not in _STOPWORDS and len(w) > 1}


def genres_of(track: TrackFacts) -> frozenset[str]:
    text = f" {' '.join(_WORD.findall(_fold(track.title)))} {' '.join(_WORD.findall(_fold(track.author)))} "
    return frozenset(
        genre for genre, words in GENRE_WORDS.items() if any(f" {word} " in text for word in words)
    )


def genre_preferences(history: Iterable[TrackFacts]) -> dict[str, float]:
    """Each genre's share of the tracks played (0..1); the guild's taste, learnt from its history."""
    counts: Counter[str] = Counter()
    total = 0
    for track in history:
        total += 1
        counts.update(genres_of(track))
    return {genre: count / total for genre, count in counts.items()} if total else {}


def guild_preferences(history: Iterable[TrackFacts], stated: Iterable[str] = ()) -> dict[str, float]:
    """The guild's taste: the genre shares of its history, with the genres its admins chose
    (``genre_preferences`` in its settings; names as in :data:`GENRE_WORDS`, any case) at full
    weight. A stated genre Encore does not know is ignored."""
    preferences = genre_preferences(history)
    for genre in stated:
        key = _fold(genre).strip().replace("-", "").replace(" ", "")
        if key in GENRE_WORDS:
            preferences[key] = 1.0
    return preferences


def _blocked(candidate: Candidate, history: Sequence[TrackFacts], policy: AutoplayPolicy) -> bool:
    track = candidate.track
    if track.is_stream or track.length_ms <= 0 or track.length_ms > policy.max_length_ms:
        return True
    window = history[-policy.history_window :] if policy.history_window > 0 else []
    key = song_key(track)
    if any(t.identifier == track.identifier or song_key(t) == key for t in window):
        return True
    spaced = history[-policy.artist_spacing :] if policy.artist_spacing > 0 else []
    return artist_key(track.author) in {artist_key(t.author) for t in spaced}


def _length_closeness(length_ms: int, recent: Sequence[TrackFacts]) -> float:
    lengths = sorted(t.length_ms for t in recent if t.length_ms > 0 and not t.is_stream)
    if not lengths:
        return 0.5
    median = lengths[len(lengths) // 2]
    return max(0.0, 1.0 - abs(math.log(length_ms / median)) / math.log(3))


def score(
    candidate: Candidate,
    history: Sequence[TrackFacts],
    preferences: Mapping[str, float],
    policy: AutoplayPolicy = DEFAULT_POLICY,
) -> float:
    """How well ``candidate`` follows ``history`` (oldest first) for this guild: 0..1."""
    track = candidate.track
    recent = history[-policy.recent :]
    genres = genres_of(track)
    # Newer tracks count more: weights 1, 1/2, 1/3, ... from the most recent one.
    weights = [1.0 / (age + 1) for age in range(len(recent))]
    recent_newest_first = list(reversed(recent))
    genre_match = (
        sum(w for w, t in zip(weights, recent_newest_first, strict=True) if genres & genres_of(t))
        / sum(weights)
        if recent
        else 0.0
    )
    preference = max((preferences.get(g, 0.0) for g in genres), default=0.0)
    known_artists = {artist_key(t.author) for t in history[: -policy.artist_spacing or None]}
    artist = 1.0 if artist_key(track.author) in known_artists else 0.0
    words = _words(track)
    recent_words = set().union(*(_words(t) for t in recent)) if recent else set()
    word_match = len(words & recent_words) / len(words) if words else 0.0
    parts = {
        "genre": genre_match,
        "preference": min(1.0, max(0.0, preference)),
        "artist": artist,
        "words": word_match,
        "length": _length_closeness(track.length_ms, recent),
        "rank": 1.0 / (1.0 + 0.25 * max(0, candidate.rank)),
    }
    total = sum(policy.weights.values())
    if total <= 0:
        return 0.0
    return sum(policy.weights.get(name, 0.0) * value for name, value in parts.items()) / total


def rank(
    candidates: Iterable[Candidate],
    history: Sequence[TrackFacts],
    preferences: Mapping[str, float],
    policy: AutoplayPolicy = DEFAULT_POLICY,
) -> list[Scored]:
    """The playable candidates, best first (ties: the node's order); one entry per song."""
    seen: set[tuple[str, str]] = set()
    scored: list[tuple[float, int, Scored]] = []
    for order, candidate in enumerate(candidates):
        key = song_key(candidate.track)
        if key in seen or _blocked(candidate, history, policy):
            continue
        seen.add(key)
        value = score(candidate, history, preferences, policy)
        scored.append((-value, order, Scored(candidate, value)))
    scored.sort(key=lambda item: (item[0], item[1]))
    return [entry for _, _, entry in scored]


def pick(
    candidates: Iterable[Candidate],
    history: Sequence[TrackFacts],
    preferences: Mapping[str, float] | None = None,
    policy: AutoplayPolicy = DEFAULT_POLICY,
) -> Candidate | None:
    """The best candidate to play next, or None when nothing may play. ``preferences`` default to
    the genre shares of ``history``."""
    prefs = genre_preferences(history) if preferences is None else preferences
    ranked = rank(candidates, history, prefs, policy)
    return ranked[0].candidate if ranked else None


def candidate_queries(
    seed: TrackFacts,
    node_sources: Iterable[str],
    history: Sequence[TrackFacts],
    policy: AutoplayPolicy = DEFAULT_POLICY,
) -> list[tuple[str, str]]:
    """What to ask the node for after ``seed``: (origin, Lavalink identifier), best source first.

    The YouTube radio mix of a YouTube seed; LavaSrc recommendations of a Spotify or Deezer seed when
    the node has that source; then searches for the most recent artists the guild played that are
    not blocked by the artist spacing (the seed's artist when there are none).
    """
    sources = set(node_sources)
    queries: list[tuple[str, str]] = []
    if seed.source == "youtube":
        queries.append(
            ("radio", f"https://www.youtube.com/watch?v={seed.identifier}&list=RD{seed.identifier}")
        )
    if seed.source == "spotify" and "spotify" in sources:
        queries.append(("recommendations", f"sprec:seed_tracks={seed.identifier}"))
    if seed.source == "deezer" and "deezer" in sources:
        queries.append(("recommendations", f"dzrec:{seed.identifier}"))
    spaced = {
        artist_key(t.author) for t in (history[-policy.artist_spacing :] if policy.artist_spacing else [])
    }
    artists: dict[str, str] = {}
    for track in reversed(history):
        key = artist_key(track.author)
        if key and key not in spaced and key not in artists:
            artists[key] = track.author
    for artist in list(artists.values())[:ARTIST_SEARCHES] or [seed.author]:
        queries.append(("artist", f"ytsearch:{artist}"))
    return queries
