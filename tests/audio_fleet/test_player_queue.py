"""The fair queue: nothing lost or doubled by any edit, round-robin by requester, limits, history."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from itertools import count

import pytest
import wavelink
from hypothesis import given, settings
from hypothesis import strategies as st

from audio_fleet.player_queue import IDLE, FairQueue, QueueFullError, fair_position, requester_of

_ids = count(1)


def track(requester: int | None) -> wavelink.Playable:
    """A distinct track (its own encoding) asked for by ``requester``."""
    n = next(_ids)
    data: dict[str, object] = {
        "encoded": f"enc-{n}",
        "info": {
            "identifier": f"id-{n}",
            "isSeekable": True,
            "author": "Someone",
            "length": 180_000,
            "isStream": False,
            "position": 0,
            "title": f"Song {n}",
            "uri": None,
            "sourceName": "youtube",
        },
        "pluginInfo": {},
        "userData": {} if requester is None else {"requester_id": requester},
    }
    return wavelink.Playable(data)  # type: ignore[arg-type]


def two_in_a_row_while_others_wait(order: list[int | None]) -> bool:
    """True when someone's track directly follows their own while another requester still waits."""
    for i in range(len(order) - 1):
        if order[i] == order[i + 1] and any(who != order[i] for who in order[i + 2 :]):
            return True
    return False


# -- fair_position, by example ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("upcoming", "requester", "playing", "expected"),
    [
        ([], 1, IDLE, 0),  # empty queue
        ([1, 1], 2, IDLE, 1),  # a newcomer goes right after the first round
        ([1, 2], 1, IDLE, 2),  # round 2 starts after round 1
        ([2], 1, 1, 1),  # the one playing now already had their turn in round 1
        ([2, 3], 1, IDLE, 2),  # a newcomer joins the end of round 1
        ([2, 1, 2], 3, 1, 1),  # playing counts: 3 goes right after 2's first
        ([2, 3, 2, 3], 3, IDLE, 4),  # a third for 3 after everyone's second
        ([None, 1], None, None, 2),  # unknown requesters (autoplay) take turns like anyone
    ],
)
def test_fair_position_examples(
    upcoming: list[int | None], requester: int | None, playing: object, expected: int
) -> None:
    assert fair_position(upcoming, requester, playing) == expected


def test_a_listener_who_queues_many_songs_alternates_with_a_later_one() -> None:
    queue = FairQueue()
    playing = None
    for _ in range(3):
        queue.add(track(1), playing, limit=100)
    queue.add(track(2), playing, limit=100)
    queue.add(track(2), playing, limit=100)
    assert [requester_of(t) for t in queue] == [1, 2, 1, 2, 1]


def test_add_next_jumps_the_queue() -> None:
    queue = FairQueue()
    first = track(1)
    queue.add(first, None, limit=10)
    urgent = track(2)
    queue.add_next(urgent, limit=10)
    assert list(queue) == [urgent, first]


def test_the_limit_refuses_once_full() -> None:
    queue = FairQueue()
    queue.add(track(1), None, limit=2)
    queue.add(track(2), None, limit=2)
    assert queue.room(2) == 0
    with pytest.raises(QueueFullError) as refused:
        queue.add(track(3), None, limit=2)
    assert refused.value.limit == 2
    with pytest.raises(QueueFullError):
        queue.add_next(track(3), limit=2)
    assert len(queue) == 2


def test_history_keeps_a_window_unless_the_queue_loops() -> None:
    queue = FairQueue(history_window=3)
    assert queue.history is not None
    for _ in range(5):
        queue.history.put(track(1))
    assert len(queue.history) == 3
    queue.mode = wavelink.QueueMode.loop_all
    for _ in range(5):
        queue.history.put(track(1))
    assert len(queue.history) == 8  # looping the queue replays the history: keep it whole


def test_requester_of_tolerates_missing_or_odd_extras() -> None:
    assert requester_of(track(None)) is None
    odd = track(None)
    odd.extras = {"requester_id": "not a number"}
    assert requester_of(odd) is None
    assert requester_of(track(42)) == 42


# -- properties -------------------------------------------------------------------------------

REQUESTERS = st.sampled_from([1, 2, 3, None])
LIMIT = 12


@dataclass
class Model:
    """A FairQueue driven the way the fleet drives it, with the tracks it was given."""

    queue: FairQueue = field(default_factory=lambda: FairQueue(history_window=5))
    playing: wavelink.Playable | None = None
    added: list[wavelink.Playable] = field(default_factory=list)
    removed: list[wavelink.Playable] = field(default_factory=list)
    played: list[wavelink.Playable] = field(default_factory=list)

    def add(self, requester: int | None, next_: bool = False) -> None:
        new = track(requester)
        try:
            if next_:
                self.queue.add_next(new, LIMIT)
            else:
                self.queue.add(new, self.playing, LIMIT)
        except QueueFullError:
            assert len(self.queue) == LIMIT
            return
        self.added.append(new)

    def skip(self) -> None:
        """What the player does at a track's end or on /skip: the next one plays."""
        if not self.queue:
            self.playing = None
            return
        self.playing = self.queue.get()
        assert self.queue.history is not None
        self.queue.history.put(self.playing)
        self.played.append(self.playing)

    def remove(self, index: int) -> None:
        if self.queue:
            i = index % len(self.queue)
            self.removed.append(self.queue.peek(i))
            self.queue.delete(i)

    def remove_range(self, first: int, last: int) -> None:
        if self.queue:
            a, b = sorted((first % len(self.queue), last % len(self.queue)))
            self.removed.extend(self.queue[a : b + 1])
            del self.queue[a : b + 1]

    def move(self, source: int, target: int) -> None:
        if self.queue:
            i, j = source % len(self.queue), target % len(self.queue)
            moving = self.queue.peek(i)
            self.queue.delete(i)
            self.queue.put_at(j, moving)

    def shuffle(self, seed: int) -> None:
        random.seed(seed)
        self.queue.shuffle()


OPERATIONS = st.one_of(
    st.tuples(st.just("add"), REQUESTERS),
    st.tuples(st.just("add_next"), REQUESTERS),
    st.tuples(st.just("skip"), st.none()),
    st.tuples(st.just("remove"), st.integers(0, 50)),
    st.tuples(st.just("remove_range"), st.tuples(st.integers(0, 50), st.integers(0, 50))),
    st.tuples(st.just("move"), st.tuples(st.integers(0, 50), st.integers(0, 50))),
    st.tuples(st.just("shuffle"), st.integers(0, 1000)),
)


def apply(model: Model, op: str, arg: object) -> None:
    match op:
        case "add":
            model.add(arg)  # type: ignore[arg-type]
        case "add_next":
            model.add(arg, next_=True)  # type: ignore[arg-type]
        case "skip":
            model.skip()
        case "remove":
            model.remove(arg)  # type: ignore[arg-type]
        case "remove_range":
            model.remove_range(*arg)  # type: ignore[misc]
        case "move":
            model.move(*arg)  # type: ignore[misc]
        case "shuffle":
            model.shuffle(arg)  # type: ignore[arg-type]


@settings(max_examples=300)
@given(st.lists(OPERATIONS, max_size=60))
def test_no_track_is_lost_or_doubled_and_limits_hold(ops: list[tuple[str, object]]) -> None:
    model = Model()
    for op, arg in ops:
        apply(model, op, arg)
        upcoming = list(model.queue)
        assert len(upcoming) <= LIMIT
        # Every track ever added is exactly once: still queued, removed, or played.
        accounted = [id(t) for t in upcoming + model.removed + model.played]
        assert sorted(accounted) == sorted(id(t) for t in model.added)
        assert model.queue.history is not None
        assert list(model.queue.history) == model.played[-5:]


@settings(max_examples=300)
@given(st.lists(st.one_of(st.tuples(st.just("add"), REQUESTERS), st.tuples(st.just("skip"), st.none()))))
def test_nobody_gets_two_in_a_row_while_another_waits(ops: list[tuple[str, object]]) -> None:
    model = Model()
    for op, arg in ops:
        apply(model, op, arg)
        playing = [requester_of(model.playing)] if model.playing is not None else []
        order = playing + [requester_of(t) for t in model.queue]
        assert not two_in_a_row_while_others_wait(order), order


@given(st.lists(st.tuples(st.just("add"), REQUESTERS), min_size=1, max_size=LIMIT), st.integers(1, 30))
def test_looping_the_queue_plays_everything_again(adds: list[tuple[str, object]], rounds: int) -> None:
    model = Model()
    model.queue.mode = wavelink.QueueMode.loop_all
    for op, arg in adds:
        apply(model, op, arg)
    everything = {id(t) for t in model.added}
    for _ in range(rounds):
        model.skip()
        assert model.queue.history is not None
        in_rotation = [*model.queue, *model.queue.history]
        assert sorted(id(t) for t in in_rotation) == sorted(everything)
