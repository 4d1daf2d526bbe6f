"""An in-process command queue with SQS FIFO semantics, for the sandbox and laptops.

Per shard group it keeps FIFO order per message group (guild), lets only one message of a group be
in flight at a time, hides a delivered message until it is acknowledged or its visibility timeout
passes (the queue's ``visibility_timeout``, or the one given to ``receive``; ``extend`` changes it
like ``ChangeMessageVisibility``, ``0`` making the message visible at once), drops duplicates of a
deduplication id within five minutes, and moves a message that was received ``max_receives`` times
to its dead-letter list (:meth:`InMemoryQueue.dead_letters`) when it would be received once more --
what an SQS redrive policy with ``maxReceiveCount`` does. It lives on one event loop and is not
shared across processes.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from encore.envelope import CommandEnvelope
from encore.errors import QueueError
from encore.queue.base import ReceivedMessage
from encore.routing import ShardLayout

__all__ = ["InMemoryQueue"]

_DEDUP_WINDOW_S = 300.0


@dataclass(slots=True)
class _Message:
    message_group: str
    body: str
    receive_count: int = 0
    invisible_until: float = 0.0
    receipt: str | None = None


@dataclass(slots=True)
class _GroupQueue:
    messages: deque[_Message] = field(default_factory=deque)
    dead_letters: list[str] = field(default_factory=list)


class InMemoryQueue:
    """Both sides of the queue (send for the front, receive/ack for the fleet) in one object."""

    def __init__(
        self,
        layout: ShardLayout,
        *,
        visibility_timeout: float = 30.0,
        max_receives: int = 5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._layout = layout
        self._visibility_timeout = visibility_timeout
        self._max_receives = max_receives
        self._clock = clock
        self._groups = [_GroupQueue() for _ in range(layout.group_count)]
        self._dedup: OrderedDict[str, float] = OrderedDict()
        self._receipts = itertools.count(1)
        self._arrived = [asyncio.Event() for _ in self._groups]

    async def send(self, envelope: CommandEnvelope) -> None:
        now = self._clock()
        # Ids are kept in arrival order, so the expired ones are at the front: O(1) per send.
        while self._dedup and now - next(iter(self._dedup.values())) >= _DEDUP_WINDOW_S:
            self._dedup.popitem(last=False)
        dedup_id = str(envelope.interaction_id)
        if dedup_id in self._dedup:
            return
        self._dedup[dedup_id] = now
        group = self._layout.group_for_guild(envelope.guild_id)
        self._groups[group].messages.append(_Message(str(envelope.guild_id), envelope.to_json()))
        self._arrived[group].set()

    def source(self, group: int) -> InMemorySource:
        """The consumer side of one shard group's queue."""
        if not 0 <= group < len(self._groups):
            raise QueueError(f"no queue for shard group {group}")
        return InMemorySource(self, group)

    def depth(self, group: int) -> int:
        return len(self._groups[group].messages)

    def dead_letters(self, group: int) -> list[str]:
        return list(self._groups[group].dead_letters)

    def _take(self, group: int, max_messages: int, visibility_timeout: float | None) -> list[ReceivedMessage]:
        now = self._clock()
        hidden_for = self._visibility_timeout if visibility_timeout is None else visibility_timeout
        queue = self._groups[group]
        busy: set[str] = set()
        taken: list[ReceivedMessage] = []
        for message in list(queue.messages):
            if message.invisible_until > now:
                busy.add(message.message_group)
                continue
            if message.message_group in busy or len(taken) >= max_messages:
                busy.add(message.message_group)
                continue
            if message.receive_count >= self._max_receives:
                queue.messages.remove(message)
                queue.dead_letters.append(message.body)
                continue
            message.receive_count += 1
            message.invisible_until = now + hidden_for
            message.receipt = f"r{next(self._receipts)}"
            busy.add(message.message_group)
            taken.append(
                ReceivedMessage(
                    group,
                    message.body,
                    message.receipt,
                    message.receive_count,
                    message_group=message.message_group,
                )
            )
        return taken

    def _find(self, message: ReceivedMessage) -> _Message | None:
        for candidate in self._groups[message.group].messages:
            if candidate.receipt == message.receipt:
                return candidate
        return None

    def _ack(self, message: ReceivedMessage) -> None:
        found = self._find(message)
        if found is not None:
            self._groups[message.group].messages.remove(found)
            self._arrived[message.group].set()

    def _extend(self, message: ReceivedMessage, seconds: float) -> None:
        found = self._find(message)
        if found is None:
            raise QueueError("receipt is no longer valid (the message was redelivered or deleted)")
        found.invisible_until = self._clock() + seconds
        if seconds <= 0:
            self._arrived[message.group].set()  # handed back: a waiting receive may take it now

    def _next_visible_in(self, group: int) -> float | None:
        """Seconds until the first hidden message of ``group`` becomes visible again (None: none hidden)."""
        now = self._clock()
        hidden = [m.invisible_until - now for m in self._groups[group].messages if m.invisible_until > now]
        return min(hidden) if hidden else None

    async def _wait(self, group: int, seconds: float) -> None:
        arrived = self._arrived[group]
        arrived.clear()
        try:
            await asyncio.wait_for(arrived.wait(), timeout=seconds)
        except TimeoutError:
            return


class InMemorySource:
    """A :class:`~encore.queue.base.CommandSource` over one group of an :class:`InMemoryQueue`."""

    def __init__(self, queue: InMemoryQueue, group: int) -> None:
        self._queue = queue
        self.group = group

    async def receive(
        self, max_messages: int, wait_seconds: float, visibility_timeout: float | None = None
    ) -> list[ReceivedMessage]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_seconds
        while True:
            taken = self._queue._take(self.group, max_messages, visibility_timeout)
            remaining = deadline - loop.time()
            if taken or remaining <= 0:
                return taken
            # Wake on new messages and acks, when a hidden message becomes visible again, and at
            # least once a second (the clock may be a test's).
            lapse = self._queue._next_visible_in(self.group)
            await self._queue._wait(self.group, min(remaining, 1.0, lapse if lapse is not None else 1.0))

    async def ack(self, message: ReceivedMessage) -> None:
        self._queue._ack(message)

    async def extend(self, message: ReceivedMessage, seconds: float) -> None:
        self._queue._extend(message, seconds)
