"""The tracks a simulated node can find, and how ``/v4/loadtracks`` identifiers resolve against them.

An identifier is parsed the way Lavalink's source managers see it (:func:`parse_identifier`):

* ``ytsearch:``/``ytmsearch:`` (YouTube sources) and ``scsearch:`` (SoundCloud) → a search among the
  catalogue tracks of that source whose title + author contain every word of the query,
  case-insensitively → ``search`` (best first, at most :data:`SEARCH_LIMIT`) or ``empty``;
* an http(s) URL → the track or playlist with that URL (YouTube ``watch?v=``/``youtu.be``/``list=``
  forms are understood) → ``track``/``playlist``, anything else → ``empty``;
* anything else (including unknown prefixes such as ``spsearch:``) → a bare identifier, e.g. a YouTube
  video id → ``track`` or ``empty``.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from encore.simulators.lavalink.track import TrackInfo, encode_track, track_object

__all__ = [
    "SEARCH_LIMIT",
    "SEARCH_PREFIXES",
    "STREAM_LENGTH",
    "BareIdentifier",
    "Catalogue",
    "CataloguePlaylist",
    "CatalogueTrack",
    "SearchQuery",
    "UrlQuery",
    "parse_identifier",
    "source_of",
]

SEARCH_LIMIT: Final = 10
#: Lavalink reports live streams with ``Long.MAX_VALUE`` as their length.
STREAM_LENGTH: Final = 2**63 - 1
#: Search prefix → the ``sourceName`` it searches.
SEARCH_PREFIXES: Final[dict[str, str]] = {
    "ytsearch": "youtube",
    "ytmsearch": "youtube",
    "scsearch": "soundcloud",
}
_YOUTUBE_HOSTS: Final = frozenset(
    {"youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com", "youtu.be"}
)


_PUNCTUATION: Final = "\"'.,:;!?()[]{}-"


@dataclass(frozen=True, slots=True)
class CatalogueTrack:
    """One track the simulated node can load."""

    title: str
    author: str
    length: int
    identifier: str
    uri: str | None = None
    source_name: str = "youtube"
    is_stream: bool = False
    is_seekable: bool | None = None  # None → seekable unless it is a stream
    artwork_url: str | None = None
    isrc: str | None = None

    def info(self, position: int = 0) -> TrackInfo:
        seekable = (not self.is_stream) if self.is_seekable is None else self.is_seekable
        return TrackInfo(
            identifier=self.identifier,
            isSeekable=seekable,
            author=self.author,
            length=self.length,
            isStream=self.is_stream,
            position=position,
            title=self.title,
            uri=self.uri,
            artworkUrl=self.artwork_url,
            isrc=self.isrc,
            sourceName=self.source_name,
        )

    @property
    def encoded(self) -> str:
        return encode_track(self.info())

    def to_track(self, user_data: dict[str, Any] | None = None) -> dict[str, Any]:
        """The Lavalink track object for this track."""
        return track_object(self.info(), user_data=user_data)


@dataclass(frozen=True, slots=True)
class CataloguePlaylist:
    """A playlist: a URL (and for YouTube a ``list=`` id) naming some tracks."""

    name: str
    url: str
    tracks: tuple[CatalogueTrack, ...]
    playlist_id: str | None = None


@dataclass(frozen=True, slots=True)
class SearchQuery:
    prefix: str
    source: str
    terms: str

    @property
    def words(self) -> list[str]:
        return self.terms.casefold().split()


@dataclass(frozen=True, slots=True)
class UrlQuery:
    url: str


@dataclass(frozen=True, slots=True)
class BareIdentifier:
    identifier: str


def parse_identifier(identifier: str) -> SearchQuery | UrlQuery | BareIdentifier:
    """Classify a ``loadtracks`` identifier the way Lavalink's source managers would."""
    prefix, sep, rest = identifier.partition(":")
    if sep and prefix in SEARCH_PREFIXES:
        return SearchQuery(prefix=prefix, source=SEARCH_PREFIXES[prefix], terms=rest)
    parts = urllib.parse.urlsplit(identifier.strip())
    if parts.scheme in ("http", "https") and parts.netloc:
        return UrlQuery(url=identifier.strip())
    return BareIdentifier(identifier=identifier)


def source_of(identifier: str) -> str:
    """The source manager that would load ``identifier``: a search prefix's source, ``youtube`` or
    ``soundcloud`` for their URLs (and bare YouTube ids), ``http`` for any other URL."""
    parsed = parse_identifier(identifier)
    if isinstance(parsed, SearchQuery):
        return parsed.source
    if isinstance(parsed, UrlQuery):
        host = (urllib.parse.urlsplit(parsed.url).hostname or "").lower()
        if host in _YOUTUBE_HOSTS:
            return "youtube"
        if host == "soundcloud.com" or host.endswith(".soundcloud.com"):
            return "soundcloud"
        return "http"
    return "youtube"


class Catalogue:
    """The tracks and playlists a simulated node resolves; :meth:`default` is the built-in set."""

    __slots__ = ("playlists", "tracks")

    def __init__(
        self,
        tracks: Iterable[CatalogueTrack] = (),
        playlists: Iterable[CataloguePlaylist] = (),
    ) -> None:
        self.tracks = list(tracks)
        self.playlists = list(playlists)

    def __repr__(self) -> str:
        return f"Catalogue({len(self.tracks)} tracks, {len(self.playlists)} playlists)"

    @classmethod
    def default(cls) -> Catalogue:
        return cls(DEFAULT_TRACKS, DEFAULT_PLAYLISTS)

    def find(self, title_contains: str) -> CatalogueTrack:
        """The first track whose title contains ``title_contains`` (case-insensitive)."""
        needle = title_contains.casefold()
        for track in self.tracks:
            if needle in track.title.casefold():
                return track
        raise LookupError(f"no catalogue track title contains {title_contains!r}")

    def search(
        self, terms: str, *, source: str | None = None, limit: int = SEARCH_LIMIT
    ) -> list[CatalogueTrack]:
        """Tracks whose title + author contain every word of ``terms``, best match first.

        Punctuation around words is ignored, as search engines do ("daft punk: one more time").
        """
        words = [w for w in (raw.strip(_PUNCTUATION) for raw in terms.casefold().split()) if w]
        if not words:
            return []
        phrase = " ".join(words)
        ranked: list[tuple[int, int, CatalogueTrack]] = []
        for index, track in enumerate(self.tracks):
            if source is not None and track.source_name != source:
                continue
            title = track.title.casefold()
            haystack = f"{title} {track.author.casefold()}"
            if not all(word in haystack for word in words):
                continue
            if phrase in title:
                rank = 0
            elif all(word in title for word in words):
                rank = 1
            else:
                rank = 2
            ranked.append((rank, index, track))
        ranked.sort(key=lambda item: (item[0], item[1]))
        return [track for _, _, track in ranked[:limit]]

    def load(self, identifier: str) -> dict[str, Any]:
        """The ``/v4/loadtracks`` answer (``{loadType, data}``) for ``identifier``."""
        query = parse_identifier(identifier)
        if isinstance(query, SearchQuery):
            found = self.search(query.terms, source=query.source)
            if not found:
                return _empty()
            return {"loadType": "search", "data": [track.to_track() for track in found]}
        if isinstance(query, UrlQuery):
            return self._load_url(query.url)
        for track in self.tracks:
            if track.identifier == query.identifier:
                return {"loadType": "track", "data": track.to_track()}
        return _empty()

    def resolve_single(self, identifier: str) -> CatalogueTrack | None:
        """The single track an identifier names (PATCH ``track.identifier``), else ``None``."""
        query = parse_identifier(identifier)
        if isinstance(query, SearchQuery):
            return None
        if isinstance(query, UrlQuery):
            result = self._match_url(query.url)
            return result if isinstance(result, CatalogueTrack) else None
        return next((t for t in self.tracks if t.identifier == query.identifier), None)

    def _load_url(self, url: str) -> dict[str, Any]:
        match = self._match_url(url)
        if isinstance(match, CatalogueTrack):
            return {"loadType": "track", "data": match.to_track()}
        if match is None:
            return _empty()
        playlist, selected = match
        return {
            "loadType": "playlist",
            "data": {
                "info": {"name": playlist.name, "selectedTrack": selected},
                "pluginInfo": {},
                "tracks": [track.to_track() for track in playlist.tracks],
            },
        }

    def _match_url(self, url: str) -> CatalogueTrack | tuple[CataloguePlaylist, int] | None:
        wanted = _normalise_url(url)
        for playlist in self.playlists:
            if _normalise_url(playlist.url) == wanted:
                return playlist, -1
        for track in self.tracks:
            if track.uri is not None and _normalise_url(track.uri) == wanted:
                return track
        parts = urllib.parse.urlsplit(url)
        if parts.hostname not in _YOUTUBE_HOSTS:
            return None
        params = urllib.parse.parse_qs(parts.query)
        video = parts.path.strip("/") if parts.hostname == "youtu.be" else None
        video = video or _first(params.get("v"))
        list_id = _first(params.get("list"))
        if list_id is not None:
            for playlist in self.playlists:
                if playlist.playlist_id == list_id:
                    ids = [track.identifier for track in playlist.tracks]
                    return playlist, ids.index(video) if video in ids else -1
        if video is not None:
            for track in self.tracks:
                if track.source_name == "youtube" and track.identifier == video:
                    return track
        return None


def _first(values: list[str] | None) -> str | None:
    return values[0] if values else None


def _normalise_url(url: str) -> str:
    parts = urllib.parse.urlsplit(url.strip())
    host = (parts.hostname or "").casefold()
    return urllib.parse.urlunsplit((parts.scheme.casefold(), host, parts.path.rstrip("/"), parts.query, ""))


def _empty() -> dict[str, Any]:
    return {"loadType": "empty", "data": {}}


def _yt(title: str, author: str, length: int, video_id: str, **extra: Any) -> CatalogueTrack:
    return CatalogueTrack(
        title=title,
        author=author,
        length=length,
        identifier=video_id,
        uri=f"https://www.youtube.com/watch?v={video_id}",
        artwork_url=f"https://i.ytimg.com/vi/{video_id}/maxresdefault.jpg",
        **extra,
    )


def _sc(title: str, author: str, length: int, slug: str, track_id: int) -> CatalogueTrack:
    return CatalogueTrack(
        title=title,
        author=author,
        length=length,
        identifier=f"O:https://api-v2.soundcloud.com/media/soundcloud:tracks:{track_id}/stream",
        uri=f"https://soundcloud.com/{slug}",
        source_name="soundcloud",
        artwork_url=f"https://i1.sndcdn.com/artworks-{track_id}-large.jpg",
    )


# Titles, authors and lengths are realistic; apart from Rick Astley's, the ids are made up.
RICK_ROLL: Final = _yt("Never Gonna Give You Up", "Rick Astley", 213_000, "dQw4w9WgXcQ", isrc="GBARL9300135")
DEFAULT_TRACKS: Final[tuple[CatalogueTrack, ...]] = (
    RICK_ROLL,
    _yt("One More Time", "Daft Punk", 320_000, "FGBhQbmPwH8", isrc="GBDUW0000053"),
    _yt("Harder, Better, Faster, Stronger", "Daft Punk", 224_000, "GVgMzKMgNxw"),
    _yt("Bohemian Rhapsody", "Queen", 354_000, "fJ9rUzIMcZQ", isrc="GBUM71029604"),
    _yt("Take On Me", "a-ha", 225_000, "djV11Xbc914"),
    _yt("Africa", "TOTO", 295_000, "FTQbiNvZqaY"),
    _yt("Never Gonna Stop (The Red Red Kroovy)", "Rob Zombie", 201_000, "nGs7hTHGpQ0"),
    _yt("Gurenge (紅蓮華)", "LiSA", 239_000, "MpYy6wLkDFs"),
    # Discord Markdown and mention syntax in the title and author: renderers must escape it.
    _yt("**Bold** _Title_ ~~x~~ @everyone `code` <@&1>", "||Spoiler|| & Friends", 180_000, "mdSpecial01"),
    _yt("Short Jingle", "Encore Test Sounds", 5_000, "shortJingle"),
    _yt("10 Hours of Rain Sounds", "Sleep Sounds", 36_000_000, "tenHoursRain"),
    _yt(
        "lofi hip hop radio 📚 - beats to relax/study to",
        "Lofi Girl",
        STREAM_LENGTH,
        "jfKfPfyJRdk",
        is_stream=True,
    ),
    _sc("Never Be Like You", "Flume", 234_000, "flume/never-be-like-you", 250_711_755),
    _sc("Midnight City (Live Session)", "M83", 243_000, "m83/midnight-city-live", 301_234_567),
    CatalogueTrack(
        title="Test Tone 440 Hz",
        author="Unknown artist",
        length=30_000,
        identifier="https://example.com/audio/tone-440.mp3",
        uri="https://example.com/audio/tone-440.mp3",
        source_name="http",
    ),
)
DEFAULT_PLAYLISTS: Final[tuple[CataloguePlaylist, ...]] = (
    CataloguePlaylist(
        name="Encore Test Mix",
        url="https://www.youtube.com/playlist?list=PLencoreTestMix01",
        playlist_id="PLencoreTestMix01",
        tracks=(DEFAULT_TRACKS[0], DEFAULT_TRACKS[1], DEFAULT_TRACKS[4], DEFAULT_TRACKS[5]),
    ),
)
