"""Node choice by the classic Lavalink load penalty: pure code, properties and fixtures."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from audio_fleet.nodes import NodeLoad, choose, penalty
from audio_fleet.nodes.penalty import FRAMES_PER_MINUTE

loads = st.builds(
    NodeLoad,
    playing=st.integers(min_value=0, max_value=100_000),
    system_load=st.floats(min_value=0.0, max_value=1.0),
    frames_deficit=st.none() | st.integers(min_value=0, max_value=3000),
    frames_nulled=st.none() | st.integers(min_value=0, max_value=3000),
)


def test_an_idle_healthy_node_costs_nothing() -> None:
    assert penalty(NodeLoad()) == 0
    assert penalty(NodeLoad(frames_deficit=0, frames_nulled=0)) == 0


@given(loads)
def test_the_penalty_is_never_negative(load: NodeLoad) -> None:
    assert penalty(load) >= 0


@given(loads, st.integers(min_value=1, max_value=1000))
def test_more_players_never_cost_less(load: NodeLoad, more: int) -> None:
    busier = NodeLoad(load.playing + more, load.system_load, load.frames_deficit, load.frames_nulled)
    assert penalty(busier) > penalty(load)


@given(loads, st.floats(min_value=0.01, max_value=1.0))
def test_more_cpu_never_costs_less(load: NodeLoad, extra: float) -> None:
    hotter = NodeLoad(
        load.playing, min(1.0, load.system_load + extra), load.frames_deficit, load.frames_nulled
    )
    assert penalty(hotter) >= penalty(load)


@given(loads, st.integers(min_value=1, max_value=3000))
def test_missing_frames_never_cost_less(load: NodeLoad, missing: int) -> None:
    deficit = NodeLoad(
        load.playing, load.system_load, (load.frames_deficit or 0) + missing, load.frames_nulled
    )
    nulled = NodeLoad(
        load.playing, load.system_load, load.frames_deficit, (load.frames_nulled or 0) + missing
    )
    # Frame stats are per minute per player, at most 3,000: beyond that nothing gets worse.
    assert penalty(deficit) >= penalty(load)
    assert penalty(nulled) >= penalty(load)
    if (load.frames_deficit or 0) + missing <= FRAMES_PER_MINUTE:
        assert penalty(deficit) > penalty(load)
    if (load.frames_nulled or 0) + missing <= FRAMES_PER_MINUTE:
        assert penalty(nulled) > penalty(load)


@given(st.lists(st.tuples(st.text(min_size=1, max_size=8), loads), min_size=1, max_size=8))
def test_choose_takes_the_lowest_penalty(nodes: list[tuple[str, NodeLoad]]) -> None:
    chosen = choose((name, name, load) for name, load in nodes)
    assert chosen is not None
    best = min(penalty(load) for _, load in nodes)
    assert any(name == chosen and penalty(load) == best for name, load in nodes)


def test_choose_without_candidates_is_none() -> None:
    assert choose([]) is None


def test_ties_go_to_the_first_name_so_the_choice_is_stable() -> None:
    assert choose([("b", "node-b", NodeLoad()), ("a", "node-a", NodeLoad())]) == "a"


def test_a_node_dropping_frames_loses_to_a_busy_healthy_one() -> None:
    """10 % of frames late (audio stutters) weighs more than 200 players on a healthy node."""
    stuttering = NodeLoad(playing=5, system_load=0.1, frames_deficit=300, frames_nulled=0)
    busy = NodeLoad(playing=200, system_load=0.3, frames_deficit=0, frames_nulled=0)
    assert choose([("s", "stuttering", stuttering), ("b", "busy", busy)]) == "b"


def test_a_saturated_cpu_loses_to_more_players() -> None:
    saturated = NodeLoad(playing=10, system_load=0.95)
    calm = NodeLoad(playing=300, system_load=0.2)
    assert penalty(saturated) > penalty(calm)
    assert choose([("x", "saturated", saturated), ("y", "calm", calm)]) == "y"


def test_the_classic_figures() -> None:
    """Lavalink-Client's terms: CPU 1.05^(100·load)·10-10; deficit 1.03^(500·d/3000)·600-600;
    nulled (1.03^(500·n/3000)·300-300)·2."""
    assert penalty(NodeLoad(playing=7)) == 7
    assert round(penalty(NodeLoad(system_load=0.5)), 3) == round(1.05**50 * 10 - 10, 3)
    assert round(penalty(NodeLoad(frames_deficit=300)), 3) == round(1.03**50 * 600 - 600, 3)
    assert round(penalty(NodeLoad(frames_nulled=300)), 3) == round((1.03**50 * 300 - 300) * 2, 3)
