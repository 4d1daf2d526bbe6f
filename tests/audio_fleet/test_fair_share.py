"""The fair share of shard groups per task, and the moves that reach it (pure)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audio_fleet.fair_share import plan_rebalance, target_share


@given(groups=st.integers(0, 500), tasks=st.integers(1, 100))
def test_the_targets_cover_every_group_and_never_exceed_an_even_split_by_more_than_one(
    groups: int, tasks: int
) -> None:
    target = target_share(groups, tasks)
    assert target == math.ceil(groups / tasks)
    assert target * tasks >= groups
    assert target - groups // tasks <= 1


def test_a_task_that_sees_no_live_task_counts_itself() -> None:
    assert target_share(4, 0) == 4


@st.composite
def situations(draw: st.DrawFn) -> tuple[int, set[int], set[int], int]:
    groups = draw(st.integers(0, 40))
    owned = draw(st.sets(st.integers(0, max(0, groups - 1)), max_size=groups)) if groups else set()
    others = draw(st.sets(st.integers(0, max(0, groups - 1)), max_size=groups)) if groups else set()
    others -= owned
    target = draw(st.integers(0, groups + 2))
    return groups, owned, owned | others, target


@given(situations())
def test_a_plan_reaches_the_target_without_taking_anyone_elses_group(
    situation: tuple[int, set[int], set[int], int],
) -> None:
    groups, owned, taken, target = situation
    plan = plan_rebalance(groups, owned, taken, target)
    assert not (set(plan.acquire) & taken)  # only free groups
    assert set(plan.release) <= owned  # only our own
    assert not (plan.acquire and plan.release)  # never both at once
    after = (owned - set(plan.release)) | set(plan.acquire)
    free = groups - len(taken)
    if len(owned) > target:
        assert len(after) == target
    else:
        assert len(after) == min(target, len(owned) + free)


@pytest.mark.parametrize(
    ("groups", "owned", "tasks", "released"),
    [
        (4, {0, 1, 2, 3}, 2, (2, 3)),  # a second task joined: the higher half goes
        (3, {0, 1}, 3, (1,)),  # a third task joined: one group each
        (4, {0, 1}, 3, ()),  # ceil(4 / 3) = 2: still a fair share, nothing moves
    ],
)
def test_extras_are_released_when_tasks_join(
    groups: int, owned: set[int], tasks: int, released: tuple[int, ...]
) -> None:
    plan = plan_rebalance(groups, owned, owned, target_share(groups, tasks))
    assert plan.release == released


def test_groups_outside_the_layout_are_let_go() -> None:
    assert plan_rebalance(2, {0, 5}, {0, 5}, 2).release == (5,)
