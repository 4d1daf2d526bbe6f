"""Component custom ids: what a button or select menu means, in at most 100 characters.

Discord hands a component's ``custom_id`` back verbatim when it is used, so it must carry all the
front needs to route the click. The format is versioned and canonical (one spelling per value)::

    v1:np:<action>:<guild_id>                now-playing buttons (pause, resume, skip, ...)
    v1:queue:<prev|next>:<guild_id>:<page>   queue pagination; ``page`` is the page to show
    v1:search:pick:<guild_id>:<nonce>        the /search result picker (a select menu)

Prev and next carry their direction as well as the target page because custom ids must be unique
within a message, and on a one-page queue both point at page 1. :func:`decode` refuses anything
else (unknown version or kind, extra fields, leading zeros, non-ASCII digits) with a ValueError,
so ``encode(decode(text)) == text`` for every id it accepts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from encore.commands import MAX_QUEUE_PAGE
from encore.errors import EncoreError

__all__ = [
    "MAX_CUSTOM_ID_LENGTH",
    "VERSION",
    "CustomId",
    "CustomIdError",
    "NowPlayingAction",
    "NowPlayingButton",
    "PageDirection",
    "QueuePage",
    "SearchPick",
    "decode",
    "encode",
]

VERSION: Final = "v1"
#: Discord's limit on a component's custom_id.
MAX_CUSTOM_ID_LENGTH: Final = 100
_MAX_SNOWFLAKE: Final = 2**64 - 1
_SNOWFLAKE: Final = re.compile(r"[1-9][0-9]{0,19}")
_PAGE: Final = re.compile(r"[1-9][0-9]{0,5}")
_NONCE: Final = re.compile(r"[A-Za-z0-9_-]{1,32}")


class CustomIdError(EncoreError, ValueError):
    """A custom id that is not one this version of Encore wrote."""


class NowPlayingAction(StrEnum):
    PAUSE = "pause"
    RESUME = "resume"
    SKIP = "skip"
    PREVIOUS = "previous"
    LOOP = "loop"
    SHUFFLE = "shuffle"
    STOP = "stop"


class PageDirection(StrEnum):
    PREV = "prev"
    NEXT = "next"


_ACTIONS: Final = frozenset(a.value for a in NowPlayingAction)
_DIRECTIONS: Final = frozenset(d.value for d in PageDirection)


def _check_guild(guild_id: int) -> None:
    if isinstance(guild_id, bool) or not 1 <= guild_id <= _MAX_SNOWFLAKE:
        raise CustomIdError(f"guild id out of range: {guild_id}")


@dataclass(frozen=True, slots=True)
class NowPlayingButton:
    """One of the buttons under the now-playing message."""

    guild_id: int
    action: NowPlayingAction

    def __post_init__(self) -> None:
        _check_guild(self.guild_id)


@dataclass(frozen=True, slots=True)
class QueuePage:
    """The previous/next page button under ``/queue``; ``page`` is the page it shows (1-based)."""

    guild_id: int
    direction: PageDirection
    page: int

    def __post_init__(self) -> None:
        _check_guild(self.guild_id)
        if isinstance(self.page, bool) or not 1 <= self.page <= MAX_QUEUE_PAGE:
            raise CustomIdError(f"page out of range: {self.page}")


@dataclass(frozen=True, slots=True)
class SearchPick:
    """The select menu of ``/search`` results; ``nonce`` names the stored result list."""

    guild_id: int
    nonce: str

    def __post_init__(self) -> None:
        _check_guild(self.guild_id)
        if not _NONCE.fullmatch(self.nonce):
            raise CustomIdError("a nonce is 1-32 characters of A-Z, a-z, 0-9, _ and -")


CustomId = NowPlayingButton | QueuePage | SearchPick


def encode(cid: CustomId) -> str:
    """The custom_id string for ``cid`` (at most :data:`MAX_CUSTOM_ID_LENGTH` characters)."""
    match cid:
        case NowPlayingButton(guild_id, action):
            return f"{VERSION}:np:{action.value}:{guild_id}"
        case QueuePage(guild_id, direction, page):
            return f"{VERSION}:queue:{direction.value}:{guild_id}:{page}"
        case SearchPick(guild_id, nonce):
            return f"{VERSION}:search:pick:{guild_id}:{nonce}"


def _guild(text: str) -> int:
    if not _SNOWFLAKE.fullmatch(text) or int(text) > _MAX_SNOWFLAKE:
        raise CustomIdError("not a guild id")
    return int(text)


def decode(text: str) -> CustomId:
    """The :data:`CustomId` that ``text`` encodes; CustomIdError (a ValueError) if there is none."""
    if not isinstance(text, str) or len(text) > MAX_CUSTOM_ID_LENGTH:
        raise CustomIdError("not a custom id (too long)")
    version, _, rest = text.partition(":")
    if version != VERSION:
        raise CustomIdError(f"unknown custom id version {version[:10]!r}")
    match rest.split(":"):
        case ["np", action, guild] if action in _ACTIONS:
            return NowPlayingButton(_guild(guild), NowPlayingAction(action))
        case ["queue", direction, guild, page] if direction in _DIRECTIONS:
            if not _PAGE.fullmatch(page):
                raise CustomIdError("not a page number")
            return QueuePage(_guild(guild), PageDirection(direction), int(page))
        case ["search", "pick", guild, nonce]:
            return SearchPick(_guild(guild), nonce)
        case _:
            raise CustomIdError("not a custom id Encore knows")
