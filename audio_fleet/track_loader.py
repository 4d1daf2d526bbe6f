"""Finding tracks on Lavalink, resiliently: retries with backoff, then the next source.

A URL is loaded as it is. Search text is tried on each source of the fallback order in turn
(``ENCORE_SOURCE_FALLBACK``, e.g. ``ytsearch,scsearch``): a transient failure (I/O, timeout, 5xx,
a node hiccup) is retried with exponential backoff; a source that keeps failing or refuses (a bot
check, say) hands over to the next one, and the listener is told which source stood in. When every
source fails, the listener gets the clearest explanation of the first failure
(:func:`audio_fleet.track_errors.explain`). Loads go to the node the supervisor prefers.

Metrics: ``TrackLoads`` per attempt and ``TrackLoadFailures`` per failed attempt, by ``Source``.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Final

import aiohttp
import wavelink

from audio_fleet.track_errors import (
    SEARCH_PREFIXES,
    TrackProblem,
    classify,
    explain,
    retryable,
    source_label,
    source_of,
)
from encore.i18n import translate
from encore.metrics import MetricsSink, NullSink

__all__ = ["DEFAULT_FALLBACK", "Loaded", "TrackLoader"]

log = logging.getLogger(__name__)

DEFAULT_FALLBACK: Final = ("ytsearch", "scsearch")
_URL: Final = re.compile(r"^https?://", re.I)
_NODE_TROUBLE: Final = (wavelink.NodeException, wavelink.LavalinkException, aiohttp.ClientError, TimeoutError)


@dataclass(frozen=True, slots=True)
class Loaded:
    """What a load found (possibly nothing), and what the listener should know about how."""

    tracks: wavelink.Search
    notice: str | None = None


@dataclass(frozen=True, slots=True)
class _Failure:
    problem: TrackProblem
    source: str
    reason: str | None


class TrackLoader:
    def __init__(
        self,
        *,
        fallback: Sequence[str] = DEFAULT_FALLBACK,
        metrics: MetricsSink | None = None,
        pick_node: Callable[[], wavelink.Node | None] | None = None,
        retries: int = 2,
        backoff_s: float = 0.25,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if not fallback:
            raise ValueError("the fallback order needs at least one search prefix")
        self._fallback = tuple(fallback)
        self._metrics = metrics or NullSink()
        self._pick_node = pick_node
        self._retries = retries
        self._backoff_s = backoff_s
        self._sleep = sleep

    def identifiers(self, query: str) -> list[str]:
        """What to ask Lavalink for, in order: the URL (or prefixed query) itself, else one search per
        source of the fallback order."""
        text = query.strip()
        prefix, sep, _ = text.partition(":")
        if _URL.match(text) or (sep and prefix.lower() in SEARCH_PREFIXES):
            return [text]
        return [f"{prefix}:{text}" for prefix in self._fallback]

    async def load(self, query: str, locale: str | None) -> Loaded | str:
        """The tracks found for ``query``, or the listener's message saying why there are none.

        Raises wavelink.InvalidNodeException when no node is ready."""
        failures: list[_Failure] = []
        for identifier in self.identifiers(query):
            source = source_of(identifier)
            found = await self._load_one(identifier, source)
            if isinstance(found, _Failure):
                failures.append(found)
                continue
            if not found:
                continue
            notice = None
            if failures:
                notice = translate(
                    "playback.fallback_used",
                    locale,
                    failed=source_label(failures[0].source),
                    used=source_label(source),
                )
            return Loaded(found, notice)
        if failures:
            first = failures[0]
            return explain(first.problem, locale, source=first.source, reason=first.reason)
        return Loaded([])

    async def _load_one(self, identifier: str, source: str) -> wavelink.Search | _Failure:
        attempt = 0
        while True:
            self._metrics.emit("TrackLoads", 1, Source=source)
            try:
                node = self._pick_node() if self._pick_node is not None else None
                if self._pick_node is not None and node is None:
                    raise wavelink.InvalidNodeException("no Lavalink node is ready")
                return await wavelink.Pool.fetch_tracks(identifier, node=node)
            except wavelink.LavalinkLoadException as exc:
                failure = _Failure(classify(exc.error, exc.severity, exc.cause), source, exc.error)
            except _NODE_TROUBLE as exc:
                failure = _Failure(TrackProblem.TRANSIENT, source, None)
                log.warning("loading %r failed on the node: %r", identifier, exc)
            self._metrics.emit("TrackLoadFailures", 1, Source=source)
            if not retryable(failure.problem) or attempt >= self._retries:
                log.info("loading %r failed: %s (%s)", identifier, failure.problem, failure.reason)
                return failure
            await self._sleep(self._backoff_s * 2**attempt)
            attempt += 1
