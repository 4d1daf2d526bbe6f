"""A protocol-faithful Lavalink v4 node for tests, the sandbox and local runs.

:class:`LavalinkSimulator` is a real aiohttp server on a loopback port that the real wavelink 3.5.2
``Pool``/``Node``/``Player`` connect to: websocket ``ready``/``playerUpdate``/``stats``/``event`` ops,
session resuming, the REST players API and ``loadtracks`` over a :class:`Catalogue` of tracks. It
records every request (``sim.requests``) and every op it sent (``sim.sent``), exposes its sessions
and players for assertions, and injects faults (``sim.faults``, ``close_websockets``,
``abort_websockets``, ``restart``, ``crash``). Run it alone with ``python -m encore.simulators.lavalink``.

Modules: :mod:`.simulator` (the server and its public surface), :mod:`.session` (sessions, players,
playback), :mod:`.websocket` and :mod:`.rest` (the two endpoints), :mod:`.ops` (wire payloads),
:mod:`.catalogue` (tracks and identifier resolution), :mod:`.track` (track objects and encoding),
:mod:`.faults`.
"""

from encore.simulators.lavalink.catalogue import (
    Catalogue,
    CataloguePlaylist,
    CatalogueTrack,
    parse_identifier,
)
from encore.simulators.lavalink.faults import Faults
from encore.simulators.lavalink.session import SentMessage, SimPlayer, SimSession
from encore.simulators.lavalink.simulator import LavalinkSimulator
from encore.simulators.lavalink.track import TrackDecodeError, TrackInfo, decode_track, encode_track

__all__ = [
    "Catalogue",
    "CataloguePlaylist",
    "CatalogueTrack",
    "Faults",
    "LavalinkSimulator",
    "SentMessage",
    "SimPlayer",
    "SimSession",
    "TrackDecodeError",
    "TrackInfo",
    "decode_track",
    "encode_track",
    "parse_identifier",
]
