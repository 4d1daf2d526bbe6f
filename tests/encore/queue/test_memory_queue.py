"""The in-process queue behaves like an SQS FIFO queue, so the sandbox behaves like production."""

from __future__ import annotations

import pytest

from encore.envelope import CommandEnvelope
from encore.errors import QueueError
from encore.queue.memory import InMemoryQueue
from encore.routing import ShardLayout
from tests.factories import command_envelope as envelope


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def ids(messages: list) -> list[int]:  # type: ignore[type-arg]
    return [CommandEnvelope.from_json(m.body).interaction_id for m in messages]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def queue(clock: FakeClock) -> InMemoryQueue:
    return InMemoryQueue(ShardLayout(4, 2), visibility_timeout=30, max_receives=3, clock=clock)


async def test_commands_go_to_their_guilds_shard_group(queue: InMemoryQueue) -> None:
    await queue.send(envelope(1, guild_id=4 << 22))  # shard 0 → group 0
    await queue.send(envelope(2, guild_id=3 << 22))  # shard 3 → group 1
    assert ids(await queue.source(0).receive(10, 0)) == [1]
    assert ids(await queue.source(1).receive(10, 0)) == [2]


async def test_one_guild_is_served_in_order_one_at_a_time(queue: InMemoryQueue) -> None:
    source = queue.source(0)
    for i in (1, 2, 3):
        await queue.send(envelope(i, guild_id=4 << 22))
    await queue.send(envelope(9, guild_id=1 << 22))  # shard 1: another guild, same group
    first = await source.receive(10, 0)
    assert ids(first) == [1, 9]  # the other guild is not held back
    assert await source.receive(10, 0) == []  # guild 4's next command waits for the ack
    await source.ack(first[0])
    assert ids(await source.receive(10, 0)) == [2]


async def test_unacked_message_comes_back_after_visibility_timeout(
    queue: InMemoryQueue, clock: FakeClock
) -> None:
    source = queue.source(0)
    await queue.send(envelope(1))
    first = await source.receive(1, 0)
    clock.now += 29
    assert await source.receive(1, 0) == []
    clock.now += 2
    again = await source.receive(1, 0)
    assert ids(again) == [1]
    assert again[0].receive_count == 2
    assert again[0].receipt != first[0].receipt


async def test_extend_keeps_a_long_command_hidden(queue: InMemoryQueue, clock: FakeClock) -> None:
    source = queue.source(0)
    await queue.send(envelope(1))
    (message,) = await source.receive(1, 0)
    clock.now += 25
    await source.extend(message, 60)
    clock.now += 40
    assert await source.receive(1, 0) == []


async def test_stale_receipt_cannot_extend(queue: InMemoryQueue, clock: FakeClock) -> None:
    source = queue.source(0)
    await queue.send(envelope(1))
    (old,) = await source.receive(1, 0)
    clock.now += 31
    await source.receive(1, 0)  # redelivered with a new receipt
    with pytest.raises(QueueError, match="no longer valid"):
        await source.extend(old, 30)


async def test_poison_message_moves_to_dead_letters(queue: InMemoryQueue, clock: FakeClock) -> None:
    source = queue.source(0)
    await queue.send(envelope(1))
    await queue.send(envelope(2))
    for _ in range(3):
        assert ids(await source.receive(1, 0)) == [1]
        clock.now += 31
    assert ids(await source.receive(1, 0)) == [2]  # the guild is unblocked
    assert len(queue.dead_letters(0)) == 1
    assert CommandEnvelope.from_json(queue.dead_letters(0)[0]).interaction_id == 1


async def test_duplicate_interaction_is_dropped_within_five_minutes(
    queue: InMemoryQueue, clock: FakeClock
) -> None:
    await queue.send(envelope(1))
    await queue.send(envelope(1, query="retry"))
    assert queue.depth(0) == 1
    clock.now += 301
    await queue.send(envelope(1))
    assert queue.depth(0) == 2


async def test_receive_waits_for_a_message(queue: InMemoryQueue) -> None:
    import asyncio

    source = queue.source(0)
    waiting = asyncio.create_task(source.receive(1, 5))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    await queue.send(envelope(7))
    assert ids(await asyncio.wait_for(waiting, 1)) == [7]


async def test_unknown_group_is_refused(queue: InMemoryQueue) -> None:
    with pytest.raises(QueueError, match="shard group 2"):
        queue.source(2)


async def test_receive_can_set_the_visibility_timeout(queue: InMemoryQueue, clock: FakeClock) -> None:
    source = queue.source(0)
    await queue.send(envelope(1))
    await source.receive(1, 0, visibility_timeout=5)
    clock.now += 4
    assert await source.receive(1, 0) == []
    clock.now += 2
    assert ids(await source.receive(1, 0)) == [1]


async def test_message_handed_back_is_visible_at_once(queue: InMemoryQueue) -> None:
    import asyncio

    source = queue.source(0)
    await queue.send(envelope(1))
    (message,) = await source.receive(1, 0)
    waiting = asyncio.create_task(source.receive(1, 5))
    await asyncio.sleep(0.05)
    await source.extend(message, 0)
    (again,) = await asyncio.wait_for(waiting, 1)
    assert again.receive_count == 2
