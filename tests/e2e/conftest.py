"""The whole system in one process: simulators, the front on a real port, the fleet, a queue."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from moto import mock_aws

from encore.queue.sqs import SqsCommandQueue, sqs_client
from encore.routing import ShardLayout
from encore_cli.sandbox import Sandbox


@pytest.fixture
def sqs_queue(monkeypatch: pytest.MonkeyPatch) -> Iterator[SqsCommandQueue]:
    """A real SQS FIFO queue (moto), with the redrive-friendly settings the template uses."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = sqs_client("us-east-1", read_timeout=10)
        url = client.create_queue(
            QueueName="encore-commands-g0.fifo",
            Attributes={"FifoQueue": "true", "VisibilityTimeout": "30"},
        )["QueueUrl"]
        yield SqsCommandQueue(client, [url], ShardLayout())


@pytest.fixture
async def stack(sqs_queue: SqsCommandQueue) -> AsyncIterator[Sandbox]:
    sandbox = Sandbox(playback_speed=1.0, queue=sqs_queue, source=sqs_queue.source(0))
    async with sandbox:
        yield sandbox
