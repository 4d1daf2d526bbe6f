"""The fleet's queue consumer: every command gets exactly one final reply, then is deleted.

Messages are long-polled in batches. One guild's commands run in order (the queue delivers them per
message group, and a batch is split per guild); different guilds run concurrently, up to
``max_concurrency`` at a time. A message is acknowledged only after the user's reply was edited --
or when no reply is possible any more (token expired or gone). A command whose handler raises gets
a generic error reply instead of silence, and the worker carries on. A body that is not a valid
envelope is left on the queue, so the redrive policy moves it to the dead-letter queue.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Final

from audio_fleet.replies import InteractionReplies, ReplyGoneError, ReplyNotReadyError
from encore.envelope import CommandEnvelope
from encore.errors import EnvelopeError, QueueError
from encore.queue import CommandSource, ReceivedMessage

__all__ = ["CommandConsumer", "CommandHandler"]

log = logging.getLogger(__name__)

CommandHandler = Callable[[CommandEnvelope], Awaitable[str]]

#: How long after the interaction the fleet keeps waiting for Discord to record the deferral
#: (Discord's 3 s acknowledgement deadline, plus clock skew between the front and the fleet).
ACK_GRACE: Final = timedelta(seconds=5)

MSG_INTERNAL_ERROR: Final = "Something went wrong while doing that. Please try again."
MSG_UNKNOWN_COMMAND: Final = "This version of Encore can't do that yet."


class CommandConsumer:
    def __init__(
        self,
        source: CommandSource,
        handlers: Mapping[str, CommandHandler],
        replies: InteractionReplies,
        *,
        max_concurrency: int = 32,
        wait_seconds: float = 20.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._source = source
        self._handlers = handlers
        self._replies = replies
        self._slots = asyncio.Semaphore(max_concurrency)
        self._wait_seconds = wait_seconds
        self._clock = clock
        self.completed = 0
        self.expired = 0
        self.failed = 0

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until ``stop`` is set; in-flight commands are finished before returning."""
        async with asyncio.TaskGroup() as tasks:
            while not stop.is_set():
                try:
                    batch = await self._receive(stop)
                except QueueError:
                    log.exception("receive failed; backing off")
                    await _sleep_unless(stop, 1.0)
                    continue
                for guild_batch in _per_guild(batch).values():
                    await self._slots.acquire()
                    tasks.create_task(self._run_in_order(guild_batch))

    async def _receive(self, stop: asyncio.Event) -> list[ReceivedMessage]:
        receive = asyncio.ensure_future(self._source.receive(10, self._wait_seconds))
        stopping = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({receive, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
        if not receive.done():
            # Stopping mid-poll: nothing was handed to us yet (SQS makes unacked messages
            # visible again after their timeout), so cancelling loses nothing.
            receive.cancel()
            return []
        return receive.result()

    async def _run_in_order(self, messages: list[ReceivedMessage]) -> None:
        try:
            for message in messages:
                await self.process(message)
        finally:
            self._slots.release()

    async def process(self, message: ReceivedMessage) -> None:
        """Carry out one delivered command and reply; never raises."""
        try:
            envelope = CommandEnvelope.from_json(message.body)
        except EnvelopeError:
            log.exception("undecodable message left for the dead-letter queue")
            self.failed += 1
            return
        if envelope.token_expired(self._clock()):
            log.warning("dropping interaction %s: its token expired", envelope.interaction_id)
            self.expired += 1
            await self._ack(message)
            return
        content = await self._carry_out(envelope)
        try:
            await self._reply(envelope, content)
        except ReplyGoneError:
            log.warning("interaction %s: reply token no longer valid", envelope.interaction_id)
            self.expired += 1
        except Exception:
            # Discord (after discord.py's own retries) did not take the reply: leave the message
            # for redelivery rather than lose the user's answer.
            log.exception("interaction %s: reply failed; will be redelivered", envelope.interaction_id)
            self.failed += 1
            return
        else:
            self.completed += 1
        await self._ack(message)

    async def _reply(self, envelope: CommandEnvelope, content: str) -> None:
        """Edit @original, waiting for Discord to record the deferral if we got here first."""
        delay = 0.1
        while True:
            try:
                await self._replies.edit_original(
                    envelope.application_id, envelope.interaction_token, content
                )
                return
            except ReplyNotReadyError as exc:
                if self._clock() - envelope.received_at > ACK_GRACE:
                    # Discord would have had the deferral by now: the interaction failed.
                    raise ReplyGoneError("the interaction was never acknowledged") from exc
                await asyncio.sleep(delay)
                delay = min(delay * 2, 1.0)

    async def _carry_out(self, envelope: CommandEnvelope) -> str:
        handler = self._handlers.get(envelope.command)
        if handler is None:
            return MSG_UNKNOWN_COMMAND
        try:
            return await handler(envelope)
        except Exception:
            log.exception("interaction %s: /%s failed", envelope.interaction_id, envelope.command)
            return MSG_INTERNAL_ERROR

    async def _ack(self, message: ReceivedMessage) -> None:
        try:
            await self._source.ack(message)
        except QueueError:
            log.exception("ack failed; the message will be redelivered and answered again")


def _per_guild(batch: list[ReceivedMessage]) -> dict[str, list[ReceivedMessage]]:
    """The batch split by message group (guild), each in delivery order; bodies are parsed later."""
    groups: dict[str, list[ReceivedMessage]] = {}
    for message in batch:
        groups.setdefault(message.message_group or f"unknown:{message.receipt}", []).append(message)
    return groups


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        return
