"""The SQS FIFO adapter, against moto's SQS: per-guild groups, interaction-id dedup, deletes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from moto import mock_aws

from encore.envelope import CommandEnvelope
from encore.errors import QueueError, QueueUnavailableError
from encore.queue.sqs import SqsCommandQueue, sqs_client
from encore.routing import ShardLayout
from tests.factories import command_envelope as envelope

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


@pytest.fixture
def sqs(monkeypatch: pytest.MonkeyPatch) -> Iterator[SQSClient]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield sqs_client("us-east-1")


def fifo(client: SQSClient, name: str) -> str:
    return client.create_queue(
        QueueName=f"{name}.fifo",
        Attributes={"FifoQueue": "true", "VisibilityTimeout": "30"},
    )["QueueUrl"]


async def test_send_routes_by_group_and_keeps_guild_order(sqs: SQSClient) -> None:
    urls = [fifo(sqs, "encore-g0"), fifo(sqs, "encore-g1")]
    queue = SqsCommandQueue(sqs, urls, ShardLayout(2, 1))
    await queue.send(envelope(11, guild_id=1 << 22))  # shard 1 → group 1
    await queue.send(envelope(12, guild_id=1 << 22))
    assert (
        sqs.get_queue_attributes(QueueUrl=urls[0], AttributeNames=["All"])["Attributes"][
            "ApproximateNumberOfMessages"
        ]
        == "0"
    )

    raw = sqs.receive_message(
        QueueUrl=urls[1],
        MaxNumberOfMessages=10,
        MessageSystemAttributeNames=["MessageGroupId", "MessageDeduplicationId"],
    )["Messages"]
    assert [m["Attributes"]["MessageGroupId"] for m in raw] == [str(1 << 22)] * 2
    assert [m["Attributes"]["MessageDeduplicationId"] for m in raw] == ["11", "12"]


async def test_retried_send_is_deduplicated(sqs: SQSClient) -> None:
    url = fifo(sqs, "encore-dedup")
    queue = SqsCommandQueue(sqs, [url], ShardLayout())
    await queue.send(envelope(5, guild_id=1 << 22))
    await queue.send(envelope(5, guild_id=1 << 22))
    messages = await queue.source(0).receive(10, 0)
    assert len(messages) == 1


async def test_receive_then_ack_deletes(sqs: SQSClient) -> None:
    url = fifo(sqs, "encore-ack")
    queue = SqsCommandQueue(sqs, [url], ShardLayout())
    source = queue.source(0)
    await queue.send(envelope(7, guild_id=1 << 22))
    (message,) = await source.receive(10, 0)
    assert CommandEnvelope.from_json(message.body).interaction_id == 7
    assert message.receive_count == 1
    await source.extend(message, 60)
    await source.ack(message)
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "0"})
    assert await source.receive(10, 0) == []


async def test_missing_queue_is_a_queue_error(sqs: SQSClient) -> None:
    url = fifo(sqs, "encore-gone")
    queue = SqsCommandQueue(sqs, [url], ShardLayout())
    sqs.delete_queue(QueueUrl=url)
    with pytest.raises(QueueError, match="refused"):
        await queue.send(envelope(1, guild_id=1 << 22))


async def test_unreachable_endpoint_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = sqs_client("us-east-1", "http://127.0.0.1:9", connect_timeout=0.2, max_attempts=1)
    queue = SqsCommandQueue(client, ["http://127.0.0.1:9/1/q.fifo"], ShardLayout())
    with pytest.raises(QueueUnavailableError, match="unreachable"):
        await queue.send(envelope(1, guild_id=1 << 22))


def test_one_url_per_group_is_required(sqs: SQSClient) -> None:
    with pytest.raises(QueueError, match="one queue URL per shard group"):
        SqsCommandQueue(sqs, ["a.fifo"], ShardLayout(4, 2))
    with pytest.raises(QueueError, match="shard group 3"):
        SqsCommandQueue(sqs, ["a.fifo"], ShardLayout()).source(3)


async def test_a_hanging_sqs_is_cut_off_before_discords_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A TCP server that accepts and never answers: the send must give up, not wait for boto3.
    import asyncio

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    accepted: list[asyncio.StreamWriter] = []

    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = sqs_client("us-east-1", f"http://127.0.0.1:{port}", read_timeout=5.0, max_attempts=1)
    queue = SqsCommandQueue(client, [f"http://127.0.0.1:{port}/1/q.fifo"], ShardLayout(), send_deadline_s=0.2)
    try:
        with pytest.raises(QueueUnavailableError, match=r"did not answer within 0\.2 s"):
            await queue.send(envelope(1, guild_id=1 << 22))
    finally:
        for writer in accepted:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_lambda_trace_continues_into_the_fleet(sqs: SQSClient, monkeypatch: pytest.MonkeyPatch) -> None:
    trace = "Root=1-67a1b2c3-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1"
    monkeypatch.setenv("_X_AMZN_TRACE_ID", trace)
    url = fifo(sqs, "encore-trace")
    queue = SqsCommandQueue(sqs, [url], ShardLayout())
    await queue.send(envelope(9, guild_id=1 << 22))
    (message,) = await queue.source(0).receive(10, 0)
    assert message.trace_header == trace


async def test_receive_takes_the_consumers_visibility_timeout(sqs: SQSClient) -> None:
    url = fifo(sqs, "encore-visibility")
    queue = SqsCommandQueue(sqs, [url], ShardLayout())
    source = queue.source(0)
    await queue.send(envelope(8, guild_id=1 << 22))
    assert len(await source.receive(10, 0, visibility_timeout=0.2)) == 1  # rounded up to 1 s
    assert await source.receive(10, 0) == []
    await asyncio.sleep(1.2)
    (again,) = await source.receive(10, 0)
    assert again.receive_count == 2
    await source.extend(again, 0)  # handed back: visible at once
    (third,) = await source.receive(10, 0)
    assert third.receive_count == 3


async def test_a_poll_abandoned_by_a_stopping_consumer_hands_its_messages_back(sqs: SQSClient) -> None:
    url = fifo(sqs, "encore-abandoned")
    queue = SqsCommandQueue(sqs, [url], ShardLayout())
    source = queue.source(0)
    polling = asyncio.create_task(source.receive(10, 2))
    await asyncio.sleep(0.3)
    polling.cancel()  # the consumer stops mid-poll; the poll goes on in its worker thread
    with pytest.raises(asyncio.CancelledError):
        await polling
    await queue.send(envelope(9, guild_id=1 << 22))  # ... and receives this
    await asyncio.sleep(2.5)  # past the abandoned poll's wait: it has ended
    (back,) = await source.receive(10, 0)  # visible at once, not after 30 s
    assert back.receive_count == 2
