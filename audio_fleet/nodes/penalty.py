"""Which Lavalink node a new player goes to: the classic Lavalink client load penalty.

Pure code over a node's last ``stats`` (players, CPU, frame statistics). Lower is better; an idle,
healthy node scores 0. The terms are the ones Lavalink-Client has always used:

* players: one point per playing player;
* CPU: ``1.05 ** (100 * systemLoad) * 10 - 10`` (systemLoad is 0..1, so a saturated host costs ~1,300);
* frames deficit: ``1.03 ** (500 * deficit / 3000) * 600 - 600`` per minute (frames Lavalink could
  not send in time: audio stutters);
* frames nulled: ``(1.03 ** (500 * nulled / 3000) * 300 - 300) * 2`` (frames with no audio at all).

A healthy player sends 3,000 frames a minute, so a node missing 10% of them already scores ~25,000:
it is chosen only when every other node is as bad.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, TypeVar

__all__ = ["FRAMES_PER_MINUTE", "NodeLoad", "choose", "penalty"]

#: Opus frames a playing player sends per minute (one every 20 ms).
FRAMES_PER_MINUTE: Final = 3000

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class NodeLoad:
    """What the penalty reads from one node's stats (frames are per minute; None: not reported)."""

    playing: int = 0
    system_load: float = 0.0
    frames_deficit: int | None = None
    frames_nulled: int | None = None


def penalty(load: NodeLoad) -> float:
    """The node's load penalty: lower is better, 0 for an idle healthy node."""
    players = float(max(0, load.playing))
    cpu = 1.05 ** (100 * min(max(load.system_load, 0.0), 1.0)) * 10 - 10
    deficit = nulled = 0.0
    if load.frames_deficit is not None and load.frames_deficit > 0:
        deficit = 1.03 ** (500 * _share(load.frames_deficit)) * 600 - 600
    if load.frames_nulled is not None and load.frames_nulled > 0:
        nulled = (1.03 ** (500 * _share(load.frames_nulled)) * 300 - 300) * 2
    return float(players + cpu + deficit + nulled)


def _share(frames: int) -> float:
    return min(frames, FRAMES_PER_MINUTE) / FRAMES_PER_MINUTE


def choose(candidates: Iterable[tuple[T, str, NodeLoad]]) -> T | None:
    """The candidate ``(item, name, load)`` with the lowest penalty (ties: by name); None if none."""
    best: tuple[float, str, T] | None = None
    for item, name, load in candidates:
        key = (penalty(load), name)
        if best is None or key < best[:2]:
            best = (key[0], key[1], item)
    return None if best is None else best[2]
