"""Lavalink track objects and the simulator's opaque ``encoded`` strings.

Real Lavalink encodes a track as base64 of a Java ``DataOutput`` blob. Clients must treat it as
opaque, so the simulator uses its own self-describing format: ``SIM1`` followed by URL-safe base64 of
the compact JSON track info. Any simulator instance can decode any other's tracks (a player moved to
another node replays its track there), and :func:`decode_track` rejects everything else with
:class:`TrackDecodeError`, which the REST layer answers with 400 like Lavalink does.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any, Final, TypedDict

__all__ = [
    "ENCODED_PREFIX",
    "TrackDecodeError",
    "TrackInfo",
    "decode_track",
    "encode_track",
    "track_object",
]

ENCODED_PREFIX: Final = "SIM1"

_INT_FIELDS: Final = ("length", "position")
_BOOL_FIELDS: Final = ("isSeekable", "isStream")
_STR_FIELDS: Final = ("identifier", "author", "title", "sourceName")
_OPTIONAL_STR_FIELDS: Final = ("uri", "artworkUrl", "isrc")
_ALL_FIELDS: Final = frozenset(_INT_FIELDS + _BOOL_FIELDS + _STR_FIELDS + _OPTIONAL_STR_FIELDS)


class TrackInfo(TypedDict):
    """The ``info`` object of a Lavalink v4 track."""

    identifier: str
    isSeekable: bool
    author: str
    length: int
    isStream: bool
    position: int
    title: str
    uri: str | None
    artworkUrl: str | None
    isrc: str | None
    sourceName: str


class TrackDecodeError(ValueError):
    """The string is not a track this simulator encoded."""


def encode_track(info: TrackInfo) -> str:
    """Return the opaque ``encoded`` string carrying ``info``."""
    payload = json.dumps(info, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return ENCODED_PREFIX + base64.urlsafe_b64encode(payload.encode("utf-8")).decode("ascii")


def decode_track(encoded: str) -> TrackInfo:
    """Return the track info inside ``encoded``; raise :class:`TrackDecodeError` if it is not one."""
    if not encoded.startswith(ENCODED_PREFIX):
        raise TrackDecodeError("not an encoded track")
    body = encoded[len(ENCODED_PREFIX) :]
    try:
        raw = base64.urlsafe_b64decode(body.encode("ascii"))
        if base64.urlsafe_b64encode(raw).decode("ascii") != body:
            raise TrackDecodeError("not canonical base64")
        data: Any = json.loads(raw.decode("utf-8"))
    except (binascii.Error, UnicodeError, json.JSONDecodeError) as exc:
        raise TrackDecodeError(str(exc)) from exc
    return _validate_info(data)


def _validate_info(data: Any) -> TrackInfo:
    if not isinstance(data, dict) or set(data) != _ALL_FIELDS:
        raise TrackDecodeError("track info has the wrong fields")
    for name in _INT_FIELDS:
        value = data[name]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise TrackDecodeError(f"{name} must be a non-negative integer")
    for name in _BOOL_FIELDS:
        if not isinstance(data[name], bool):
            raise TrackDecodeError(f"{name} must be a boolean")
    for name in _STR_FIELDS:
        if not isinstance(data[name], str):
            raise TrackDecodeError(f"{name} must be a string")
    for name in _OPTIONAL_STR_FIELDS:
        if data[name] is not None and not isinstance(data[name], str):
            raise TrackDecodeError(f"{name} must be a string or null")
    return TrackInfo(
        identifier=data["identifier"],
        isSeekable=data["isSeekable"],
        author=data["author"],
        length=data["length"],
        isStream=data["isStream"],
        position=data["position"],
        title=data["title"],
        uri=data["uri"],
        artworkUrl=data["artworkUrl"],
        isrc=data["isrc"],
        sourceName=data["sourceName"],
    )


def track_object(
    info: TrackInfo,
    *,
    encoded: str | None = None,
    user_data: dict[str, Any] | None = None,
    position: int | None = None,
) -> dict[str, Any]:
    """Return the full Lavalink track object ``{encoded, info, pluginInfo, userData}``.

    ``position`` overrides ``info.position`` (Lavalink reports the live position in player objects)
    without changing what ``encoded`` carries.
    """
    shown: dict[str, Any] = dict(info)
    if position is not None:
        shown["position"] = position
    return {
        "encoded": encoded if encoded is not None else encode_track(info),
        "info": shown,
        "pluginInfo": {},
        "userData": dict(user_data or {}),
    }
