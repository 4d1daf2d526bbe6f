"""Keeping received queue messages hidden while the fleet holds them (the visibility heartbeat).

A message received from SQS stays invisible to other consumers for its visibility timeout. A fleet
task may hold it longer: waiting behind its guild's earlier commands, or carrying out a long
command. :class:`VisibilityKeeper` extends every message it holds (``ChangeMessageVisibility`` by
``timeout_s``) every ``interval_s`` -- a fraction of the timeout -- until the message is let go of
(deleted, handed back or left for redelivery) or the holding block ends. Letting go waits for an
extension in progress, so no extension can land after the consumer's final visibility change.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from encore.errors import QueueError
from encore.queue import CommandSource, ReceivedMessage

__all__ = ["VisibilityKeeper"]

log = logging.getLogger(__name__)


class VisibilityKeeper:
    def __init__(self, source: CommandSource, *, timeout_s: float, interval_s: float) -> None:
        self._source = source
        self._timeout_s = timeout_s
        self._interval_s = interval_s
        self._holding: dict[str, _Held] = {}

    @contextlib.asynccontextmanager
    async def holding(self, messages: list[ReceivedMessage]) -> AsyncIterator[None]:
        """Keep ``messages`` hidden until each is let go of, or the block ends."""
        held = _Held(messages)
        for message in messages:
            self._holding[message.receipt] = held

        async def heartbeat() -> None:
            while True:
                await asyncio.sleep(self._interval_s)
                await held.extend_all(self._source, self._timeout_s)

        beating = asyncio.create_task(heartbeat(), name="visibility-heartbeat")
        try:
            yield
        finally:
            beating.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beating
            for message in messages:
                self._holding.pop(message.receipt, None)

    async def let_go(self, message: ReceivedMessage) -> None:
        """Stop extending ``message`` (waits for an extension in progress, so none comes after)."""
        held = self._holding.pop(message.receipt, None)
        if held is not None:
            await held.let_go(message)


class _Held:
    """One batch's messages not yet let go of."""

    def __init__(self, messages: list[ReceivedMessage]) -> None:
        self._messages = {m.receipt: m for m in messages}
        self._lock = asyncio.Lock()

    async def extend_all(self, source: CommandSource, seconds: float) -> None:
        async with self._lock:
            for message in list(self._messages.values()):
                try:
                    await source.extend(message, seconds)
                except QueueError as exc:
                    log.warning("could not extend a message's visibility: %s", exc)

    async def let_go(self, message: ReceivedMessage) -> None:
        async with self._lock:
            self._messages.pop(message.receipt, None)
