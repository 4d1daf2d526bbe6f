"""The consumer against SQS FIFO (moto): visibility kept by ChangeMessageVisibility while a command
runs, ApproximateReceiveCount and the redrive policy for poison messages, the X-Ray trace header,
and a duplicate message (same interaction, another deduplication id) carried out once."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest
from moto import mock_aws

from audio_fleet.consumer import MSG_GAVE_UP, CommandConsumer, ConsumerConfig
from audio_fleet.observability import install_correlation
from encore.envelope import CommandEnvelope
from encore.metrics import RecordingSink
from encore.queue.sqs import SqsCommandQueue, SqsSource, sqs_client
from encore.routing import ShardLayout
from tests.audio_fleet.test_consumer import RecordingReplies
from tests.factories import command_envelope

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

GUILD = 1 << 22


@pytest.fixture
def sqs(monkeypatch: pytest.MonkeyPatch) -> Iterator[SQSClient]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield sqs_client("us-east-1", read_timeout=10)


@pytest.fixture(autouse=True)
def correlated_logs() -> Iterator[None]:
    undo = install_correlation()
    yield
    undo()


def fifo(client: SQSClient, name: str, redrive_policy: str | None = None) -> str:
    attributes = {"FifoQueue": "true", "VisibilityTimeout": "30"}
    if redrive_policy is not None:
        attributes["RedrivePolicy"] = redrive_policy
    return client.create_queue(QueueName=f"{name}.fifo", Attributes=attributes)["QueueUrl"]  # type: ignore[arg-type]


class Run:
    """A consumer on one SQS queue, with a handler that records what it carried out."""

    def __init__(self, source: SqsSource, config: ConsumerConfig, handler_delay: float = 0.0) -> None:
        self.replies = RecordingReplies()
        self.metrics = RecordingSink()
        self.carried_out: list[int] = []
        self._delay = handler_delay
        self.consumer = CommandConsumer(
            source, {"play": self.play}, self.replies, config=config, metrics=self.metrics
        )
        self.task: asyncio.Task[None] | None = None

    async def play(self, envelope: CommandEnvelope) -> str:
        logging.getLogger("audio_fleet.play").info("playing %s", envelope.options["query"])
        self.carried_out.append(envelope.interaction_id)
        await asyncio.sleep(self._delay)
        return f"Now playing {envelope.options['query']}"

    async def until(self, condition: Callable[[], bool], timeout: float = 20.0) -> None:
        self.task = self.task or asyncio.create_task(self.consumer.run())
        try:
            async with asyncio.timeout(timeout):
                while not condition():
                    await asyncio.sleep(0.02)
        finally:
            await self.consumer.stop(5)
            await self.task


def config(**overrides: float) -> ConsumerConfig:
    return ConsumerConfig(**{"wait_seconds": 0.2, "visibility_timeout_s": 30, **overrides})  # type: ignore[arg-type]


def in_flight(client: SQSClient, url: str) -> int:
    attributes = client.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


async def test_visibility_is_extended_while_a_long_command_runs(sqs: SQSClient) -> None:
    url = fifo(sqs, "encore-heartbeat")
    queue = SqsCommandQueue(sqs, [url], ShardLayout())
    await queue.send(command_envelope(1, guild_id=GUILD, query="a long one"))
    # Hidden for 1 s at a time, renewed every third of that; the command takes 3 s.
    run = Run(queue.source(0), config(visibility_timeout_s=1), handler_delay=3.0)
    probes: list[int] = []

    async def probe() -> None:
        await asyncio.sleep(1.5)  # past the first visibility timeout
        raw = await asyncio.to_thread(sqs.receive_message, QueueUrl=url, MaxNumberOfMessages=10)
        probes.append(len(raw.get("Messages", [])))

    probing = asyncio.create_task(probe())
    await run.until(lambda: bool(run.replies.sent))
    await probing
    assert probes == [0]  # still hidden from everyone else
    assert run.carried_out == [1]
    assert in_flight(sqs, url) == 0
    assert run.metrics.total("DuplicateDeliveries") == 0


async def test_poison_message_gets_a_reply_and_is_redriven_to_the_dlq(sqs: SQSClient) -> None:
    dlq = fifo(sqs, "encore-dlq")
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})
    url = fifo(sqs, "encore-poison", redrive)
    queue = SqsCommandQueue(sqs, [url], ShardLayout())
    await queue.send(command_envelope(1, guild_id=GUILD, query="kills the task"))
    # The first receive went to a task that died mid-command.
    (first,) = await queue.source(0).receive(1, 0)
    await queue.source(0).extend(first, 0)

    run = Run(queue.source(0), config(max_receives=2))
    await run.until(lambda: run.metrics.total("PoisonMessages") == 1 and bool(run.replies.sent))
    assert run.replies.sent == [("token-1", MSG_GAVE_UP)]
    assert run.carried_out == []
    # The next receive (anyone's) moves it to the dead-letter queue, as the redrive policy says.
    assert await queue.source(0).receive(10, 0) == []
    dead = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10)["Messages"]
    assert [CommandEnvelope.from_json(m["Body"]).interaction_id for m in dead] == [1]


async def test_trace_header_from_the_front_reaches_the_fleets_logs(
    sqs: SQSClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    url = fifo(sqs, "encore-trace")
    queue = SqsCommandQueue(sqs, [url], ShardLayout())
    root = "1-5759e988-bd862e3fe1be46a994272793"
    monkeypatch.setenv("_X_AMZN_TRACE_ID", f"Root={root};Parent=53995c3f42cd8ad8;Sampled=1")
    await queue.send(command_envelope(77, guild_id=GUILD, query="traced"))
    monkeypatch.delenv("_X_AMZN_TRACE_ID")

    run = Run(queue.source(0), config())
    await run.until(lambda: bool(run.replies.sent))
    line = next(r for r in caplog.records if r.getMessage() == "playing traced")
    assert line.trace_id == root  # type: ignore[attr-defined]
    assert line.correlation_id == "77"  # type: ignore[attr-defined]


async def test_same_interaction_queued_twice_is_carried_out_once(sqs: SQSClient) -> None:
    url = fifo(sqs, "encore-dup")
    queue = SqsCommandQueue(sqs, [url], ShardLayout())
    envelope = command_envelope(5, guild_id=GUILD, query="twice")
    await queue.send(envelope)
    # The same interaction again, past SQS's deduplication (another deduplication id).
    sqs.send_message(
        QueueUrl=url,
        MessageBody=envelope.to_json(),
        MessageGroupId=str(GUILD),
        MessageDeduplicationId="5-again",
    )
    run = Run(queue.source(0), config())
    await run.until(lambda: run.metrics.total("DuplicateDeliveries") == 1 and in_flight(sqs, url) == 0)
    assert run.carried_out == [5]
    assert run.replies.sent == [("token-5", "Now playing twice")]
