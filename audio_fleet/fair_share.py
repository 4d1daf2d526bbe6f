"""How many shard groups a fleet task should own, and which to take or let go (pure).

Every live task aims for ``ceil(groups / live_tasks)``: together they can always cover every
group, and no task owns more than one group above an even split. A task over its target lets go of
its extras (the highest-numbered first, so the choice is stable); a task under it takes free
groups (the lowest-numbered first). A group held by another task is never taken: it changes hands
only when its holder releases it or its lease expires.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass

__all__ = ["Rebalance", "plan_rebalance", "target_share"]


def target_share(group_count: int, live_tasks: int) -> int:
    """``ceil(group_count / live_tasks)``; a task that sees no live task (itself not yet counted)
    counts itself."""
    if group_count < 0:
        raise ValueError("group_count must not be negative")
    tasks = max(1, live_tasks)
    return -(-group_count // tasks)


@dataclass(frozen=True, slots=True)
class Rebalance:
    """What a task should do now: groups to ``acquire`` (in order) and groups to ``release``."""

    acquire: tuple[int, ...]
    release: tuple[int, ...]


def plan_rebalance(group_count: int, owned: Set[int], taken: Set[int], target: int) -> Rebalance:
    """The moves that bring this task to ``target`` groups.

    ``owned`` are this task's groups; ``taken`` the groups any task holds (ours included). Groups
    outside ``0..group_count-1`` in ``owned`` are always released (the layout shrank).
    """
    if target < 0:
        raise ValueError("target must not be negative")
    valid = {g for g in owned if 0 <= g < group_count}
    stray = sorted(g for g in owned if g not in valid)
    if len(valid) > target:
        extras = sorted(valid, reverse=True)[: len(valid) - target]
        return Rebalance(acquire=(), release=(*stray, *sorted(extras)))
    free = [g for g in range(group_count) if g not in taken and g not in valid]
    return Rebalance(acquire=tuple(free[: target - len(valid)]), release=tuple(stray))
