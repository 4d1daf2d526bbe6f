"""What went wrong with a track, from Lavalink's exception, in words a listener can act on.

Lavalink reports load errors (``loadType: error``) and playback errors (TrackExceptionEvent) as
``{message, severity, cause}``: ``severity`` is ``common`` (the source refused, e.g. unavailable or
age-restricted), ``suspicious`` (probably a source change or outage) or ``fault`` (a bug or an I/O
failure: worth retrying). :func:`classify` turns one into a :class:`TrackProblem`; :func:`source_of`
says which source a track or query belongs to (the ``Source`` metric dimension). Pure code.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Final

from encore.i18n import translate

__all__ = [
    "SEARCH_PREFIXES",
    "TrackProblem",
    "classify",
    "explain",
    "retryable",
    "source_label",
    "source_of",
]


class TrackProblem(StrEnum):
    AGE_RESTRICTED = "age_restricted"
    REGION_BLOCKED = "region_blocked"
    BOT_CHECK = "bot_check"  # "Sign in to confirm you're not a bot", login required, rate limited
    UNAVAILABLE = "unavailable"  # removed, private, copyright claim, premium only
    TRANSIENT = "transient"  # I/O failures, timeouts, 5xx: retry
    UNKNOWN = "unknown"


#: Search prefix → the Lavalink ``sourceName`` it searches.
SEARCH_PREFIXES: Final[dict[str, str]] = {
    "ytsearch": "youtube",
    "ytmsearch": "youtube",
    "scsearch": "soundcloud",
    "spsearch": "spotify",
    "amsearch": "applemusic",
    "dzsearch": "deezer",
    "ymsearch": "yandexmusic",
}

_LABELS: Final[dict[str, str]] = {
    "youtube": "YouTube",
    "soundcloud": "SoundCloud",
    "spotify": "Spotify",
    "applemusic": "Apple Music",
    "deezer": "Deezer",
    "yandexmusic": "Yandex Music",
    "bandcamp": "Bandcamp",
    "twitch": "Twitch",
    "vimeo": "Vimeo",
    "http": "the web",
    "local": "local files",
}

_HOSTS: Final[tuple[tuple[str, str], ...]] = (
    ("youtube.com", "youtube"),
    ("youtu.be", "youtube"),
    ("soundcloud.com", "soundcloud"),
    ("spotify.com", "spotify"),
    ("music.apple.com", "applemusic"),
    ("deezer.com", "deezer"),
    ("bandcamp.com", "bandcamp"),
    ("twitch.tv", "twitch"),
    ("vimeo.com", "vimeo"),
)

# Checked in order: the first matching pattern wins (YouTube's age gate also says "sign in to
# confirm", so it comes before the bot check).
_PATTERNS: Final[tuple[tuple[TrackProblem, re.Pattern[str]], ...]] = (
    (
        TrackProblem.AGE_RESTRICTED,
        re.compile(r"age[- ]?restrict|inappropriate for some users|confirm your age|age[- ]gate", re.I),
    ),
    (
        TrackProblem.BOT_CHECK,
        re.compile(
            r"not a bot|sign in to confirm|login required|please sign in|requires login"
            r"|too many requests|\b429\b|captcha",
            re.I,
        ),
    ),
    (
        TrackProblem.REGION_BLOCKED,
        re.compile(
            r"available in your (?:country|region)|blocked in your (?:country|region)"
            r"|\bgeo[- ]?(?:blocked|restricted)\b|region[- ]?(?:locked|blocked|restricted)",
            re.I,
        ),
    ),
    (
        TrackProblem.UNAVAILABLE,
        re.compile(
            r"unavailable|\bprivate\b|has been removed|no longer available|does not exist|copyright"
            r"|terminated|not found|premium|members[- ]only",
            re.I,
        ),
    ),
    (
        TrackProblem.TRANSIENT,
        re.compile(
            r"timed? ?out|timeout|connection (?:reset|refused|closed)|socket|temporar|try again"
            r"|\b5\d\d\b|service unavailable|i/o|ioexception|broken pipe|unexpected end",
            re.I,
        ),
    ),
)


def classify(message: str | None, severity: str | None = None, cause: str | None = None) -> TrackProblem:
    """The kind of problem a Lavalink exception describes (message first, then its cause)."""
    for text in (message, cause):
        if not text:
            continue
        for problem, pattern in _PATTERNS:
            if pattern.search(text):
                return problem
    if (severity or "").lower() == "fault":
        return TrackProblem.TRANSIENT
    return TrackProblem.UNKNOWN


def retryable(problem: TrackProblem) -> bool:
    """Whether asking the same source again soon may work."""
    return problem is TrackProblem.TRANSIENT


def source_of(query_or_uri: str | None, source_name: str | None = None) -> str:
    """The source a track (its ``sourceName``) or a query (its search prefix or URL host) belongs to."""
    if source_name:
        return source_name.strip().lower() or "unknown"
    text = (query_or_uri or "").strip()
    prefix, sep, _rest = text.partition(":")
    if sep and prefix.lower() in SEARCH_PREFIXES:
        return SEARCH_PREFIXES[prefix.lower()]
    if re.match(r"^https?://", text, re.I):
        host = re.sub(r"^https?://", "", text, flags=re.I).split("/", 1)[0].lower()
        for suffix, source in _HOSTS:
            if host == suffix or host.endswith("." + suffix):
                return source
        return "http"
    return "unknown"


def source_label(source: str) -> str:
    """A source's name as listeners know it (``youtube`` → ``YouTube``)."""
    return _LABELS.get(source, source.capitalize() if source else "the source")


def explain(problem: TrackProblem, locale: str | None, *, source: str, reason: str | None = None) -> str:
    """The listener's message for ``problem`` (``reason``: Lavalink's own words, for unknown ones)."""
    label = source_label(source)
    if problem is TrackProblem.UNKNOWN:
        if reason:
            return translate("playback.load_failed", locale, reason=reason)
        return translate("playback.load_failed", locale, reason=translate("playback.refused", locale))
    return translate(f"playback.{problem.value}", locale, source=label)
