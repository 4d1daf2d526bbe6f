"""The fleet's queue consumer: every interaction ends with exactly one final reply.

Receiving
    Messages are long-polled in batches of up to 10. One guild's commands run in order (the queue
    delivers a guild's messages in order, one batch at a time, and a batch is split per guild);
    different guilds run concurrently, at most ``max_concurrency`` at a time.
Visibility
    A message is received with the consumer's visibility timeout and, while it is held (waiting
    for its turn or being carried out), its visibility is extended every ``heartbeat_fraction`` of
    that timeout (``ChangeMessageVisibility``), so a long command is not delivered to anyone else.
Deleting
    Only after the user's reply was edited, or when no reply is possible any more (token expired
    or gone). A reply that fails (Discord down) leaves the message for redelivery.
Redelivery
    Each interaction id is claimed in :class:`~encore.deliveries.DeliveryRecords` before it is
    carried out. A delivery of a command already answered is deleted without running it again; one
    carried out but not yet answered gets the stored reply; one still running elsewhere is left to
    become visible later (``DuplicateDeliveries`` counts them all).
Failures
    A handler that raises gets the generic error reply and is logged with the interaction id; the
    consumer carries on. A message received ``max_receives`` times (the DLQ redrive policy's
    ``maxReceiveCount``) is not run again: the user gets :data:`MSG_GAVE_UP`, and the message is
    made visible at once so the queue moves it to the dead-letter queue (``PoisonMessages``). A
    body that is not a valid envelope has no one to answer; it is left for the DLQ the same way.
Expiry
    A command whose interaction token is 15 minutes old or more is deleted unrun
    (``ExpiredCommands``): Discord would refuse its reply.
Stopping
    :meth:`CommandConsumer.stop` stops receiving, lets the commands being carried out finish until
    a deadline, then cancels what is left; messages not finished are handed back (visible at once,
    running claims released) for the next owner of the shard group.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from audio_fleet import observability
from audio_fleet.replies import InteractionReplies, ReplyGoneError, ReplyNotReadyError
from audio_fleet.visibility import VisibilityKeeper
from encore.deliveries import Claim, DeliveryRecords, DeliveryState, LocalRecordStore
from encore.envelope import CommandEnvelope
from encore.errors import EnvelopeError, QueueError
from encore.metrics import MetricsSink, NullSink
from encore.queue import CommandSource, ReceivedMessage

__all__ = [
    "MSG_GAVE_UP",
    "MSG_INTERNAL_ERROR",
    "MSG_UNKNOWN_COMMAND",
    "CommandConsumer",
    "CommandHandler",
    "ConsumerConfig",
]

log = logging.getLogger(__name__)

CommandHandler = Callable[[CommandEnvelope], Awaitable[str]]

#: How long after the interaction the fleet keeps waiting for Discord to record the deferral
#: (Discord's 3 s acknowledgement deadline, plus clock skew between the front and the fleet).
ACK_GRACE: Final = timedelta(seconds=5)

MSG_INTERNAL_ERROR: Final = "Something went wrong while doing that. Please try again."
MSG_UNKNOWN_COMMAND: Final = "This version of Encore can't do that yet."
MSG_GAVE_UP: Final = "Sorry, I couldn't finish that command after several tries. Please try again later."


@dataclass(frozen=True, slots=True)
class ConsumerConfig:
    """How a consumer polls and holds messages (defaults match ``template.yaml``'s queues)."""

    #: Long-poll wait per receive (SQS allows 0-20 s).
    wait_seconds: float = 20.0
    #: Messages per receive (SQS allows 1-10).
    batch_size: int = 10
    #: How long a received message stays hidden; renewed by the heartbeat while it is held.
    visibility_timeout_s: float = 60
    #: The heartbeat extends the visibility after this fraction of the timeout.
    heartbeat_fraction: float = 1 / 3
    #: Receives after which a command is given up (the redrive policy's ``maxReceiveCount``).
    max_receives: int = 5
    #: Guilds whose commands run at the same time.
    max_concurrency: int = 32
    #: Attempts at a reply that fails transiently (after discord.py's own 429/5xx retries).
    reply_attempts: int = 3

    @property
    def heartbeat_s(self) -> float:
        return max(0.05, self.visibility_timeout_s * self.heartbeat_fraction)


def _owner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class CommandConsumer:
    """Consumes one shard group's queue (see the module docstring); ``run`` until ``stop``."""

    def __init__(
        self,
        source: CommandSource,
        handlers: Mapping[str, CommandHandler],
        replies: InteractionReplies,
        *,
        config: ConsumerConfig | None = None,
        records: DeliveryRecords | None = None,
        metrics: MetricsSink | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config or ConsumerConfig()
        self._source = source
        self._handlers = handlers
        self._replies = replies
        # Stale after two missed heartbeats: the runner is gone, another delivery may take over.
        self._records = records or DeliveryRecords(
            LocalRecordStore(), stale_after_s=2 * self.config.heartbeat_s
        )
        self._metrics = metrics or NullSink()
        self._clock = clock
        self._monotonic = monotonic
        self._owner = _owner_id()
        self._slots = asyncio.Semaphore(self.config.max_concurrency)
        self._stopping = asyncio.Event()
        self._stopped = asyncio.Event()
        self._running = False
        self._inflight: set[asyncio.Task[None]] = set()
        self._visibility = VisibilityKeeper(
            source, timeout_s=self.config.visibility_timeout_s, interval_s=self.config.heartbeat_s
        )

    @property
    def running(self) -> bool:
        """True while the consumer receives commands (for the readiness check)."""
        return self._running and not self._stopping.is_set()

    async def run(self) -> None:
        """Consume until :meth:`stop`; returns once every message taken is finished or handed back."""
        if self._stopped.is_set() or self._running:
            raise RuntimeError("a consumer runs once")
        self._running = True
        observability.install_correlation()  # log records carry the interaction id (idempotent)
        try:
            async with asyncio.TaskGroup() as tasks:
                while not self._stopping.is_set():
                    await self._receive_into(tasks)
        finally:
            self._running = False
            self._stopped.set()

    async def stop(self, deadline_s: float = 30.0) -> None:
        """Stop receiving; let commands being carried out finish for up to ``deadline_s``, then
        cancel the rest (their messages are handed back). Returns once :meth:`run` has ended."""
        self._stopping.set()
        if self._inflight:
            await asyncio.wait(set(self._inflight), timeout=max(0.0, deadline_s))
        for task in list(self._inflight):
            task.cancel()
        if self._running:
            await self._stopped.wait()

    async def _receive_into(self, tasks: asyncio.TaskGroup) -> None:
        try:
            batch = await self._receive()
        except Exception:  # the queue is unreachable, or our lease on it is gone: keep going
            log.exception("receive failed; backing off")
            await self._sleep_unless_stopping(1.0)
            return
        dequeued_at = self._monotonic()
        pending = list(_per_guild(batch).values())
        while pending:
            if not await self._acquire_slot():
                for messages in pending:
                    await self._hand_back(messages)
                return
            task = tasks.create_task(self._run_in_order(pending.pop(0), dequeued_at))
            self._inflight.add(task)
            task.add_done_callback(self._inflight.discard)

    async def _receive(self) -> list[ReceivedMessage]:
        config = self.config
        receive = asyncio.ensure_future(
            self._source.receive(config.batch_size, config.wait_seconds, config.visibility_timeout_s)
        )
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({receive, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
        if not receive.done():
            # Stopping mid-poll. The in-memory queue takes nothing once cancelled; the SQS source
            # hands back whatever its abandoned poll still receives.
            receive.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await receive
            return []
        return receive.result()

    async def _acquire_slot(self) -> bool:
        """Wait for a free slot; False when the consumer is stopping first."""
        acquire = asyncio.ensure_future(self._slots.acquire())
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({acquire, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
        if acquire.done() and not self._stopping.is_set():
            return True
        if acquire.done():
            self._slots.release()
        else:
            acquire.cancel()
        return False

    async def _run_in_order(self, messages: list[ReceivedMessage], dequeued_at: float) -> None:
        index = 0
        try:
            async with self._visibility.holding(messages):
                for index, message in enumerate(messages):
                    if self._stopping.is_set():
                        await self._hand_back(messages[index:])  # not started: the next owner's
                        return
                    await self.process(message, dequeued_at)
                    await self._visibility.let_go(message)
        except asyncio.CancelledError:
            await self._hand_back(messages[index:])  # stopped past the deadline: the next owner's
            raise
        finally:
            self._slots.release()

    async def process(self, message: ReceivedMessage, dequeued_at: float | None = None) -> None:
        """Carry out one delivered command and reply; never raises (except when cancelled)."""
        started = self._monotonic() if dequeued_at is None else dequeued_at
        try:
            envelope = CommandEnvelope.from_json(message.body)
        except EnvelopeError as exc:
            await self._undecodable(message, exc)
            return
        with observability.handling(
            envelope.interaction_id,
            message.trace_header,
            sink=self._metrics,
            dequeued_at=started,
            clock=self._monotonic,
        ):
            trace = observability.current_trace()
            log.info(
                "handling /%s (receive %d, trace %s)",
                envelope.command,
                message.receive_count,
                trace.root if trace is not None else "none",
            )
            try:
                await self._handle(message, envelope, started)
            except asyncio.CancelledError:
                raise
            except Exception:
                # A bug here must not stop the worker; the message comes back after its timeout.
                log.exception("handling failed; the message will be redelivered")

    async def _handle(self, message: ReceivedMessage, envelope: CommandEnvelope, started: float) -> None:
        if envelope.token_expired(self._clock()):
            log.warning("dropping the command: its interaction token expired")
            self._metrics.emit("ExpiredCommands", 1)
            await self._ack(message)
            return
        claim = await self._records.claim(envelope.interaction_id, self._owner)
        if claim.state is DeliveryState.DONE:
            log.info("already answered: deleting the duplicate delivery")
            self._metrics.emit("DuplicateDeliveries", 1)
            await self._ack(message)
            return
        if claim.state is DeliveryState.RUNNING:
            log.info("already being carried out elsewhere: leaving this delivery for later")
            self._metrics.emit("DuplicateDeliveries", 1)
            return
        if claim.state is DeliveryState.EXECUTED:
            log.info("carried out before but not answered: sending the stored reply")
            self._metrics.emit("DuplicateDeliveries", 1)
            content, outcome = claim.reply or MSG_INTERNAL_ERROR, claim.outcome or "ok"
        else:
            if claim.took_over:
                log.warning("the previous runner stopped answering: taking the command over")
            content, outcome = await self._carry_out_claimed(message, envelope, claim)
        await self._finish(message, envelope, content, outcome, started)

    async def _carry_out_claimed(
        self, message: ReceivedMessage, envelope: CommandEnvelope, claim: Claim
    ) -> tuple[str, str]:
        if message.receive_count >= self.config.max_receives:
            log.error("giving up after %d receives; left for the dead-letter queue", message.receive_count)
            self._metrics.emit("PoisonMessages", 1)
            content, outcome = MSG_GAVE_UP, "poison"
        else:
            try:
                async with self._claim_beating(envelope.interaction_id, claim):
                    content, outcome = await self._carry_out(envelope)
            except asyncio.CancelledError:
                await self._release(envelope.interaction_id, claim)
                raise
        await self._records.executed(envelope.interaction_id, content, outcome)
        return content, outcome

    @contextlib.asynccontextmanager
    async def _claim_beating(self, interaction_id: int, claim: Claim) -> AsyncIterator[None]:
        """Keep the running claim's heartbeat fresh while the handler runs."""

        async def beat() -> None:
            held: Claim | None = claim
            while held is not None:
                await asyncio.sleep(self.config.heartbeat_s)
                try:
                    held = await self._records.beat(interaction_id, held, self._owner)
                except Exception:
                    log.exception("could not refresh the delivery record")
                    continue
                if held is None:
                    log.warning("another consumer took the command over")

        beating = asyncio.create_task(beat(), name="claim-heartbeat")
        try:
            yield
        finally:
            beating.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beating

    async def _carry_out(self, envelope: CommandEnvelope) -> tuple[str, str]:
        handler = self._handlers.get(envelope.command)
        if handler is None:
            return MSG_UNKNOWN_COMMAND, "unknown"
        try:
            return await handler(envelope), "ok"
        except Exception:
            log.exception("interaction %s: /%s failed", envelope.interaction_id, envelope.command)
            return MSG_INTERNAL_ERROR, "error"

    async def _finish(
        self, message: ReceivedMessage, envelope: CommandEnvelope, content: str, outcome: str, started: float
    ) -> None:
        try:
            await self._reply(envelope, content)
        except ReplyGoneError as exc:
            log.warning("the reply can no longer be delivered: %s", exc)
            self._metrics.emit("ReplyFailures", 1)
            outcome = "gone"
        except Exception:
            # Discord did not take the reply: leave the message for redelivery, which sends the
            # stored reply (the command is not carried out again).
            log.exception("the reply failed; the message will be redelivered")
            self._metrics.emit("ReplyFailures", 1)
            return
        await self._records.done(envelope.interaction_id)
        if outcome == "poison":
            await self._hand_back([message])  # not deleted: the next receive moves it to the DLQ
        else:
            await self._ack(message)
        self._metrics.emit("CommandsProcessed", 1, Command=envelope.command, Outcome=outcome)
        self._metrics.emit("CommandDuration", (self._monotonic() - started) * 1000)

    async def _reply(self, envelope: CommandEnvelope, content: str) -> None:
        """Edit @original: wait for Discord to record the deferral if we got here first, and retry
        transient failures a few times."""
        delay, failures = 0.1, 0
        while True:
            try:
                await self._replies.edit_original(
                    envelope.application_id, envelope.interaction_token, content
                )
                return
            except ReplyNotReadyError as exc:
                if self._clock() - envelope.issued_at > ACK_GRACE:
                    # Discord would have had the deferral by now: the interaction failed.
                    raise ReplyGoneError("the interaction was never acknowledged") from exc
            except ReplyGoneError:
                raise
            except Exception as exc:
                failures += 1
                if failures >= self.config.reply_attempts:
                    raise
                log.warning("reply attempt %d failed (%s); retrying", failures, exc)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)

    async def _undecodable(self, message: ReceivedMessage, exc: EnvelopeError) -> None:
        if message.receive_count >= self.config.max_receives:
            log.error("undecodable message given up after %d receives: %s", message.receive_count, exc)
            self._metrics.emit("PoisonMessages", 1)
            await self._hand_back([message])  # the next receive moves it to the dead-letter queue
            return
        log.error("undecodable message left for the dead-letter queue: %s", exc)

    async def _release(self, interaction_id: int, claim: Claim) -> None:
        """Stopped mid-command: give the claim up, so the next delivery runs it at once."""
        try:
            async with asyncio.timeout(2.0):
                await self._records.release(interaction_id, claim)
        except Exception as exc:
            log.warning("could not release the delivery record (it goes stale instead): %s", exc)

    async def _hand_back(self, messages: list[ReceivedMessage]) -> None:
        """Make ``messages`` visible at once (for the next owner, or the redrive policy)."""
        for message in messages:
            await self._visibility.let_go(message)
            try:
                async with asyncio.timeout(2.0):
                    await self._source.extend(message, 0)
            except (QueueError, TimeoutError) as exc:
                log.warning("could not hand a message back (it reappears after its timeout): %s", exc)

    async def _ack(self, message: ReceivedMessage) -> None:
        await self._visibility.let_go(message)
        try:
            await self._source.ack(message)
        except QueueError:
            log.exception("delete failed; the redelivery will be recognised as answered")

    async def _sleep_unless_stopping(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)


def _per_guild(batch: list[ReceivedMessage]) -> dict[str, list[ReceivedMessage]]:
    """The batch split by message group (guild), each in delivery order; bodies are parsed later."""
    groups: dict[str, list[ReceivedMessage]] = {}
    for message in batch:
        groups.setdefault(message.message_group or f"unknown:{message.receipt}", []).append(message)
    return groups
