"""The consumer on the in-memory queue: one final reply per command, per-guild order, bounded
concurrency, visibility kept while a command runs, idempotent redelivery, poison messages, expiry."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from audio_fleet.consumer import (
    MSG_GAVE_UP,
    MSG_INTERNAL_ERROR,
    MSG_UNKNOWN_COMMAND,
    CommandConsumer,
    ConsumerConfig,
)
from audio_fleet.observability import current_interaction, current_trace, install_correlation
from audio_fleet.replies import ReplyGoneError, ReplyNotReadyError
from encore.deliveries import DeliveryRecords, LocalRecordStore
from encore.envelope import DISCORD_EPOCH, CommandEnvelope
from encore.errors import QueueError
from encore.metrics import RecordingSink
from encore.queue import CommandSource, ReceivedMessage
from encore.queue.memory import InMemoryQueue, InMemorySource, _Message
from encore.routing import ShardLayout
from tests.factories import command_envelope

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def envelope(
    interaction_id: int, guild_id: int = 1 << 22, query: str = "x", command: str = "play", age_s: int = 0
) -> CommandEnvelope:
    received_at = NOW - timedelta(seconds=age_s)
    return command_envelope(
        interaction_id, guild_id=guild_id, query=query, command=command, received_at=received_at
    )


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class RecordingReplies:
    """Stands in for Discord's webhook endpoint; can fail like Discord does."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.gone: set[str] = set()
        self.failures = 0
        self.not_ready = 0
        self.attempts = 0

    async def edit_original(self, application_id: int, token: str, content: str) -> None:
        self.attempts += 1
        if self.not_ready:
            self.not_ready -= 1
            raise ReplyNotReadyError("Unknown Message")
        if token in self.gone:
            raise ReplyGoneError("Unknown Webhook")
        if self.failures:
            self.failures -= 1
            raise RuntimeError("503 Service Unavailable")
        self.sent.append((token, content))


class FlakySource:
    """A queue source whose ChangeMessageVisibility or DeleteMessage calls fail (SQS unreachable)."""

    def __init__(self, inner: InMemorySource, *, extend_fails: bool = False, ack_failures: int = 0) -> None:
        self._inner = inner
        self.group = inner.group
        self.extend_fails = extend_fails
        self.ack_failures = ack_failures
        self.extends: list[float] = []

    async def receive(
        self, max_messages: int, wait_seconds: float, visibility_timeout: float | None = None
    ) -> list[ReceivedMessage]:
        return await self._inner.receive(max_messages, wait_seconds, visibility_timeout)

    async def ack(self, message: ReceivedMessage) -> None:
        if self.ack_failures:
            self.ack_failures -= 1
            raise QueueError("SQS is unreachable")
        await self._inner.ack(message)

    async def extend(self, message: ReceivedMessage, seconds: float) -> None:
        self.extends.append(seconds)
        if self.extend_fails and seconds > 0:
            raise QueueError("SQS is unreachable")
        await self._inner.extend(message, seconds)


Handler = Callable[[CommandEnvelope], Awaitable[str]]


class Harness:
    def __init__(
        self,
        *,
        visibility_s: float = 0.3,
        max_receives: int = 5,
        max_concurrency: int = 32,
        queue_clock: Callable[[], float] | None = None,
    ) -> None:
        extra = {"clock": queue_clock} if queue_clock is not None else {}
        self.queue = InMemoryQueue(
            ShardLayout(), visibility_timeout=visibility_s, max_receives=max_receives, **extra
        )
        self.replies = RecordingReplies()
        self.metrics = RecordingSink()
        self.log: list[str] = []
        self.running = 0
        self.most_running = 0
        self.release = asyncio.Event()
        self.config = ConsumerConfig(
            wait_seconds=0.05,
            visibility_timeout_s=visibility_s,
            max_receives=max_receives,
            max_concurrency=max_concurrency,
        )
        self.records = DeliveryRecords(LocalRecordStore(), stale_after_s=2 * self.config.heartbeat_s)
        self.consumers: list[CommandConsumer] = []
        self.runs: list[asyncio.Task[None]] = []

    async def play(self, env: CommandEnvelope) -> str:
        query = str(env.options["query"])
        self.log.append(f"start {query}")
        self.running += 1
        self.most_running = max(self.most_running, self.running)
        try:
            if query.startswith("slow"):
                await asyncio.sleep(0.1)
            if query.startswith("long"):
                await asyncio.sleep(4 * self.config.visibility_timeout_s)
            if query.startswith("held"):
                await self.release.wait()
            if query == "boom":
                raise RuntimeError("lavalink exploded")
        finally:
            self.running -= 1
        self.log.append(f"end {query}")
        return f"Now playing {query}"

    def consumer(
        self, source: CommandSource | None = None, handlers: dict[str, Handler] | None = None
    ) -> CommandConsumer:
        consumer = CommandConsumer(
            source or self.queue.source(0),
            handlers or {"play": self.play},
            self.replies,
            config=self.config,
            records=self.records,
            metrics=self.metrics,
            clock=lambda: NOW,
        )
        self.consumers.append(consumer)
        return consumer

    def start(self, consumer: CommandConsumer | None = None) -> CommandConsumer:
        consumer = consumer or self.consumer()
        self.runs.append(asyncio.create_task(consumer.run()))
        return consumer

    async def until(self, condition: Callable[[], bool], timeout: float = 10.0) -> None:
        async with asyncio.timeout(timeout):
            while not condition():
                await asyncio.sleep(0.01)

    async def run_until(self, condition: Callable[[], bool], timeout: float = 10.0) -> None:
        if not self.runs:
            self.start()
        try:
            await self.until(condition, timeout)
        finally:
            await self.stop()

    async def stop(self) -> None:
        for consumer in self.consumers:
            await consumer.stop(5.0)
        await asyncio.gather(*self.runs)

    def replied(self, count: int) -> Callable[[], bool]:
        return lambda: len(self.replies.sent) >= count

    def count(self, metric: str, **dimensions: str) -> float:
        return self.metrics.total(metric, **dimensions)


@pytest.fixture(autouse=True)
def correlated_logs() -> Iterator[None]:
    undo = install_correlation()
    yield
    undo()


@pytest.fixture
def harness() -> Harness:
    return Harness()


async def test_every_command_gets_exactly_one_reply_and_is_deleted(harness: Harness) -> None:
    for i in range(5):
        await harness.queue.send(envelope(i + 1, guild_id=(i + 1) << 22, query=f"song {i}"))
    await harness.run_until(harness.replied(5))
    assert sorted(harness.replies.sent) == [(f"token-{i + 1}", f"Now playing song {i}") for i in range(5)]
    assert harness.queue.depth(0) == 0
    assert harness.count("CommandsProcessed", Command="play", Outcome="ok") == 5
    assert len([v for v in harness.metrics.values if v[0] == "CommandDuration"]) == 5


async def test_one_guilds_commands_run_in_order(harness: Harness) -> None:
    await harness.queue.send(envelope(1, query="slow first"))
    await harness.queue.send(envelope(2, query="second"))
    await harness.run_until(harness.replied(2))
    assert harness.log == ["start slow first", "end slow first", "start second", "end second"]


async def test_guilds_do_not_wait_for_each_other(harness: Harness) -> None:
    await harness.queue.send(envelope(1, guild_id=1 << 22, query="slow a"))
    await harness.queue.send(envelope(2, guild_id=2 << 22, query="slow b"))
    await harness.run_until(harness.replied(2))
    assert harness.log[:2] == ["start slow a", "start slow b"]


async def test_concurrency_across_guilds_is_bounded() -> None:
    harness = Harness(max_concurrency=2)
    for i in range(6):
        await harness.queue.send(envelope(i + 1, guild_id=(i + 1) << 22, query=f"slow {i}"))
    await harness.run_until(harness.replied(6))
    assert harness.most_running == 2


async def test_a_failing_command_still_gets_an_error_reply_and_is_logged(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="audio_fleet")
    await harness.queue.send(envelope(1, query="boom"))
    await harness.queue.send(envelope(2, query="after"))
    await harness.run_until(harness.replied(2))
    assert ("token-1", MSG_INTERNAL_ERROR) in harness.replies.sent
    assert ("token-2", "Now playing after") in harness.replies.sent  # the worker carried on
    assert harness.count("CommandsProcessed", Outcome="error") == 1
    failure = next(r for r in caplog.records if r.exc_info and "failed" in r.getMessage())
    assert "lavalink exploded" in str(failure.exc_info[1])  # type: ignore[index]
    assert failure.correlation_id == "1"  # type: ignore[attr-defined]


async def test_unknown_command_is_answered(harness: Harness) -> None:
    await harness.queue.send(envelope(1, command="dance"))
    await harness.run_until(harness.replied(1))
    assert harness.replies.sent == [("token-1", MSG_UNKNOWN_COMMAND)]


async def test_expired_token_is_dropped_without_work(harness: Harness) -> None:
    await harness.queue.send(envelope(1, query="late", age_s=16 * 60))
    await harness.run_until(lambda: harness.count("ExpiredCommands") == 1)
    await harness.until(lambda: harness.queue.depth(0) == 0)
    assert harness.log == []
    assert harness.replies.sent == []


async def test_token_age_counts_from_the_interaction_snowflake() -> None:
    # Created 16 minutes ago according to its id, although the front stamped it 1 minute ago
    # (a front clock running late): Discord counts from the creation.
    created = NOW - timedelta(minutes=16)
    snowflake = int((created - DISCORD_EPOCH).total_seconds() * 1000) << 22
    late = command_envelope(snowflake, received_at=NOW - timedelta(minutes=1))
    assert late.token_expired(NOW)
    harness = Harness()
    await harness.queue.send(late)
    await harness.run_until(lambda: harness.count("ExpiredCommands") == 1)
    assert harness.log == []


async def test_reply_failure_is_redelivered_and_answered_without_running_again() -> None:
    harness = Harness()
    harness.replies.failures = harness.config.reply_attempts  # the first delivery's reply fails
    await harness.queue.send(envelope(1, query="retry me"))
    await harness.run_until(harness.replied(1))
    await harness.until(lambda: harness.queue.depth(0) == 0)
    assert harness.replies.sent == [("token-1", "Now playing retry me")]
    assert harness.log == ["start retry me", "end retry me"]  # carried out once
    assert harness.count("ReplyFailures") == 1
    assert harness.count("DuplicateDeliveries") == 1


async def test_a_transient_reply_failure_is_retried_at_once(harness: Harness) -> None:
    harness.replies.failures = 1
    await harness.queue.send(envelope(1))
    await harness.run_until(harness.replied(1))
    assert harness.count("ReplyFailures") == 0
    assert harness.count("DuplicateDeliveries") == 0


async def test_dead_reply_token_is_acknowledged(harness: Harness) -> None:
    harness.replies.gone.add("token-1")
    await harness.queue.send(envelope(1))
    await harness.run_until(lambda: harness.count("ReplyFailures") == 1)
    await harness.until(lambda: harness.queue.depth(0) == 0)
    assert harness.count("CommandsProcessed", Outcome="gone") == 1


async def test_reply_waits_for_discord_to_record_the_deferral(harness: Harness) -> None:
    # The front queues before it answers Discord, so a fast fleet can reach @original first.
    harness.replies.not_ready = 2
    await harness.queue.send(envelope(1, query="fast"))
    await harness.run_until(harness.replied(1))
    assert harness.replies.sent == [("token-1", "Now playing fast")]
    assert harness.replies.attempts == 3


async def test_deferral_that_never_came_is_given_up(harness: Harness) -> None:
    harness.replies.not_ready = 100
    await harness.queue.send(envelope(1, age_s=6))  # past Discord's 3 s deadline and our grace
    await harness.run_until(lambda: harness.count("ReplyFailures") == 1)
    await harness.until(lambda: harness.queue.depth(0) == 0)  # nobody to answer: not redelivered
    assert harness.replies.sent == []
    assert harness.replies.attempts == 1


async def test_duplicate_of_an_answered_command_is_deleted_without_running() -> None:
    clock = FakeClock()
    harness = Harness(queue_clock=clock)
    await harness.queue.send(envelope(1, query="once"))
    harness.start()
    await harness.until(harness.replied(1))
    clock.now += 301  # past the queue's five-minute deduplication window: the same id again
    await harness.queue.send(envelope(1, query="once"))
    await harness.run_until(lambda: harness.count("DuplicateDeliveries") == 1)
    await harness.until(lambda: harness.queue.depth(0) == 0)
    assert harness.log == ["start once", "end once"]
    assert harness.replies.sent == [("token-1", "Now playing once")]


async def test_a_lost_delete_is_recognised_on_redelivery() -> None:
    harness = Harness()
    flaky = FlakySource(harness.queue.source(0), ack_failures=1)
    await harness.queue.send(envelope(1, query="ack me"))
    harness.start(harness.consumer(flaky))
    await harness.run_until(lambda: harness.queue.depth(0) == 0)
    assert harness.log == ["start ack me", "end ack me"]
    assert harness.replies.sent == [("token-1", "Now playing ack me")]
    assert harness.count("DuplicateDeliveries") == 1


async def test_duplicate_while_the_first_still_runs_is_left_for_later() -> None:
    harness = Harness()
    # Consumer A cannot extend visibility (SQS unreachable for it), so the message reappears
    # while A is still carrying it out, and consumer B receives it.
    first = FlakySource(harness.queue.source(0), extend_fails=True)
    harness.start(harness.consumer(first))
    await harness.queue.send(envelope(1, query="held"))
    await harness.until(lambda: harness.log == ["start held"])
    harness.start(harness.consumer())
    await harness.until(lambda: harness.count("DuplicateDeliveries") >= 1)
    assert harness.log == ["start held"]  # B did not run it
    harness.release.set()
    await harness.run_until(lambda: harness.queue.depth(0) == 0)
    assert harness.log == ["start held", "end held"]
    assert harness.replies.sent == [("token-1", "Now playing held")]


async def test_a_crashed_runners_command_is_taken_over() -> None:
    harness = Harness()
    # A dead task's claim: "running", with a heartbeat long gone.
    store = LocalRecordStore()
    harness.records = DeliveryRecords(store, stale_after_s=0.2, clock=lambda: 1_000.0)
    await harness.records.claim(1, "dead-task")
    harness.records = DeliveryRecords(store, stale_after_s=0.2, clock=lambda: 1_001.0)
    await harness.queue.send(envelope(1, query="orphan"))
    await harness.run_until(harness.replied(1))
    assert harness.log == ["start orphan", "end orphan"]


async def test_long_command_keeps_its_message_hidden() -> None:
    harness = Harness(visibility_s=0.2)
    counting = FlakySource(harness.queue.source(0))
    await harness.queue.send(envelope(1, query="long"))
    harness.start(harness.consumer(counting))
    other = harness.queue.source(0)
    await harness.until(lambda: harness.log == ["start long"])
    while harness.log == ["start long"]:  # nobody else can receive it while it runs
        assert await other.receive(10, 0) == []
        await asyncio.sleep(0.05)
    await harness.run_until(harness.replied(1))
    assert harness.log == ["start long", "end long"]
    assert harness.count("DuplicateDeliveries") == 0
    assert len([s for s in counting.extends if s > 0]) >= 2  # ChangeMessageVisibility heartbeats


async def test_poison_message_gets_an_error_reply_and_goes_to_the_dead_letters() -> None:
    harness = Harness(max_receives=2)
    await harness.queue.send(envelope(1, query="crashes the task"))
    # The first delivery went to a task that died mid-command (no reply, no delete).
    source = harness.queue.source(0)
    (first,) = await source.receive(1, 0)
    await source.extend(first, 0)
    await harness.run_until(lambda: harness.count("PoisonMessages") == 1 and bool(harness.replies.sent))
    assert harness.replies.sent == [("token-1", MSG_GAVE_UP)]
    assert harness.log == []  # not run a second time
    assert await source.receive(10, 0) == []  # the next receive moves it to the dead letters
    assert len(harness.queue.dead_letters(0)) == 1


async def test_undecodable_message_goes_to_the_dead_letters_after_n_receives() -> None:
    harness = Harness(max_receives=2, visibility_s=0.1)
    # What a foreign or broken producer could put on the queue (the front never does).
    harness.queue._groups[0].messages.append(_Message("foreign", "{oops"))
    await harness.queue.send(envelope(1, guild_id=5 << 22))
    await harness.run_until(lambda: len(harness.queue.dead_letters(0)) == 1 and bool(harness.replies.sent))
    assert harness.count("PoisonMessages") == 1
    assert harness.queue.dead_letters(0) == ["{oops"]


async def test_stop_lets_running_commands_finish_and_hands_back_the_rest() -> None:
    harness = Harness(visibility_s=30)
    await harness.queue.send(envelope(1, query="held first"))
    await harness.queue.send(envelope(2, query="second"))  # same guild: waits behind the first
    consumer = harness.start()
    await harness.until(lambda: harness.log == ["start held first"])
    stopping = asyncio.create_task(consumer.stop(deadline_s=10))
    await asyncio.sleep(0.05)
    assert not stopping.done()  # waiting for the command being carried out
    harness.release.set()
    await stopping
    await asyncio.gather(*harness.runs)
    assert harness.replies.sent == [("token-1", "Now playing held first")]
    assert not consumer.running
    # The command not started is back on the queue at once, for the group's next owner.
    (handed_back,) = await harness.queue.source(0).receive(10, 0)
    assert CommandEnvelope.from_json(handed_back.body).interaction_id == 2


async def test_stop_past_the_deadline_hands_the_command_back() -> None:
    harness = Harness(visibility_s=30)
    await harness.queue.send(envelope(1, query="held forever"))
    consumer = harness.start()
    await harness.until(lambda: harness.log == ["start held forever"])
    await consumer.stop(deadline_s=0.05)
    await asyncio.gather(*harness.runs)
    assert harness.replies.sent == []
    # The next owner gets it at once and carries it out (the claim was released).
    harness.release.set()
    harness.consumers.clear()
    harness.runs.clear()
    await harness.run_until(harness.replied(1))
    assert harness.replies.sent == [("token-1", "Now playing held forever")]


async def test_messages_carry_the_interaction_and_trace_into_the_logs(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    seen: list[tuple[str, str]] = []

    async def play(env: CommandEnvelope) -> str:
        logging.getLogger("audio_fleet.play").info("playing")
        trace = current_trace()
        seen.append((str(current_interaction()), trace.root if trace else ""))
        return "ok"

    consumer = harness.consumer(handlers={"play": play})
    trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
    message = ReceivedMessage(0, envelope(42).to_json(), "r1", 1, trace_header=trace, message_group="g")
    await consumer.process(message)
    assert seen == [("42", "1-5759e988-bd862e3fe1be46a994272793")]
    line = next(r for r in caplog.records if r.getMessage() == "playing")
    assert line.correlation_id == "42"  # type: ignore[attr-defined]
    assert line.trace_id == "1-5759e988-bd862e3fe1be46a994272793"  # type: ignore[attr-defined]
