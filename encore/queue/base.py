"""The two small interfaces of the command queue, and what a consumer receives."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from encore.envelope import CommandEnvelope

__all__ = ["CommandQueue", "CommandSource", "ReceivedMessage"]


@dataclass(frozen=True, slots=True)
class ReceivedMessage:
    """One delivery of a queue message to a consumer.

    ``body`` is the raw envelope JSON (parsed by the consumer, so a malformed body is the
    consumer's decision, not the transport's). ``receipt`` acknowledges this delivery only.
    """

    group: int
    body: str
    receipt: str
    receive_count: int
    trace_header: str | None = None
    #: The FIFO message group (the guild id), as the transport delivered it; "" if unknown.
    message_group: str = ""


class CommandQueue(Protocol):
    """Where the front puts commands. ``send`` returns only once the message is durably queued.

    ``send`` must finish well within Discord's 3-second deadline: an adapter that does I/O bounds
    it and raises QueueUnavailableError when the backend is too slow.
    """

    async def send(self, envelope: CommandEnvelope) -> None:
        """Queue ``envelope`` on its guild's shard-group queue; raise QueueError on failure."""
        ...


class CommandSource(Protocol):
    """What a fleet task consumes: one shard group's queue."""

    async def receive(
        self, max_messages: int, wait_seconds: float, visibility_timeout: float | None = None
    ) -> list[ReceivedMessage]:
        """Long-poll for up to ``max_messages``; an empty list when nothing arrived in time.

        Each message delivered stays invisible to other receives for ``visibility_timeout``
        seconds (the queue's own default when ``None``) unless it is acknowledged first.
        """
        ...

    async def ack(self, message: ReceivedMessage) -> None:
        """Delete a message after its command got its final reply."""
        ...

    async def extend(self, message: ReceivedMessage, seconds: float) -> None:
        """Keep a message invisible for ``seconds`` from now while it is being worked on.

        ``0`` makes it visible at once (a message handed back, or given up for the DLQ). Raises
        QueueError when the receipt is no longer valid (the message was redelivered or deleted).
        """
        ...
