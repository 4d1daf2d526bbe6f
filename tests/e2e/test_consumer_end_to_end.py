"""The fleet's queue consumer through the whole system: signed interactions → front → SQS FIFO
(moto) → fleet → Discord and Lavalink simulators.

Every interaction ends with exactly one final reply, even when every message is delivered twice,
some commands fail, and Discord answers a storm of 429s on the reply endpoint. The health endpoints
report the fleet's readiness, and the fleet's metrics time dequeue → Lavalink.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING

import httpx
import pytest
from moto import mock_aws

from audio_fleet.consumer import MSG_INTERNAL_ERROR
from audio_fleet.health import HealthServer
from encore.command_line import parse_command_line
from encore.commands import CATALOGUE
from encore.envelope import CommandEnvelope
from encore.metrics import RecordingSink
from encore.queue.sqs import SqsCommandQueue, sqs_client
from encore.routing import ShardLayout
from encore_cli.sandbox import Sandbox, discord_options

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

VISIBILITY_S = 2  # short, so a reply left for redelivery comes back within the test


class RedeliveringQueue:
    """The front's queue, plus a second copy of every command under another deduplication id:
    what SQS's at-least-once delivery (or a front retried after its dedup window) can produce."""

    def __init__(self, queue: SqsCommandQueue, client: SQSClient, url: str) -> None:
        self._queue = queue
        self._client = client
        self._url = url
        self.copies = 0

    async def send(self, envelope: CommandEnvelope) -> None:
        await self._queue.send(envelope)
        await asyncio.to_thread(
            self._client.send_message,
            QueueUrl=self._url,
            MessageBody=envelope.to_json(),
            MessageGroupId=str(envelope.guild_id),
            MessageDeduplicationId=f"{envelope.interaction_id}-again",
        )
        self.copies += 1


@pytest.fixture
def sqs(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[SQSClient, str]]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = sqs_client("us-east-1", read_timeout=10)
        url = client.create_queue(
            QueueName="encore-commands-g0.fifo",
            Attributes={"FifoQueue": "true", "VisibilityTimeout": str(VISIBILITY_S)},
        )["QueueUrl"]
        yield client, url


@pytest.fixture
def metrics() -> RecordingSink:
    return RecordingSink()


@pytest.fixture
async def stack(sqs: tuple[SQSClient, str], metrics: RecordingSink) -> AsyncIterator[Sandbox]:
    client, url = sqs
    queue = SqsCommandQueue(client, [url], ShardLayout())
    sandbox = Sandbox(
        queue=RedeliveringQueue(queue, client, url),
        source=queue.source(0),
        fleet_options={"metrics": metrics},
        settings_overrides={"encore_queue_visibility_seconds": VISIBILITY_S},
    )
    async with sandbox:
        yield sandbox


async def eventually(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)


def queue_is_empty(client: SQSClient, url: str) -> bool:
    attributes = client.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return (
        attributes["ApproximateNumberOfMessages"]
        == attributes["ApproximateNumberOfMessagesNotVisible"]
        == "0"
    )


async def test_every_interaction_gets_exactly_one_final_reply(
    stack: Sandbox, sqs: tuple[SQSClient, str], metrics: RecordingSink
) -> None:
    lines = [
        "/play query:never gonna give you up",
        "/play query:daft punk one more time",
        "/play query:zzqx no such song anywhere",  # answered "found nothing"
        "/play query:rick astley",  # the command fails
        "/pause",
        "/resume",
        "/play query:never gonna give you up",
        "/skip",
    ]
    # A track wavelink cannot parse: the command's handler raises.
    stack.lavalink.faults.load_result("rick astley", {"loadType": "track", "data": {"broken": True}})
    # A storm of 429s (with retry_after, as Discord sends them) on editing the replies: more than
    # one reply's worth of retries, so at least one reply is left for redelivery.
    stack.discord.faults.rate_limit("/messages/@original", count=25, retry_after=0.05, method="PATCH")

    tokens: list[str] = []
    for line in lines:  # typed one after another, as a user would
        typed = parse_command_line(line, CATALOGUE)
        exchange = await stack.discord.send_slash_command(
            stack.guild_id, stack.text_channel_id, stack.user_id, typed.name, discord_options(typed)
        )
        assert exchange.body == {"type": 5}, line  # deferred: the fleet owes the final reply
        tokens.append(exchange.token)

    finals = [await stack.discord.wait_for_original_edit(token, timeout=60) for token in tokens]
    client, url = sqs
    await eventually(
        lambda: metrics.total("DuplicateDeliveries") >= len(lines) and queue_is_empty(client, url)
    )

    for line, token, final in zip(lines, tokens, finals, strict=True):
        record = stack.discord.interaction(token)
        assert record is not None
        assert record.original_edits == 1, f"{line}: edited {record.original_edits} times"
        assert final["content"], line
    assert finals[0]["content"].startswith("Now playing **Never Gonna Give You Up**")
    assert finals[1]["content"].startswith("Queued **One More Time**")
    assert finals[2]["content"] == "I found nothing for `zzqx no such song anywhere`."
    assert finals[3]["content"] == MSG_INTERNAL_ERROR
    # Each command carried out once: every second delivery was recognised, none re-run.
    assert metrics.total("CommandsProcessed") == len(lines)
    assert metrics.total("ReplyFailures") >= 1  # the storm outlasted one reply's retries
    assert metrics.total("ExpiredCommands") == metrics.total("PoisonMessages") == 0


async def test_dequeue_to_lavalink_is_timed_for_a_play(stack: Sandbox, metrics: RecordingSink) -> None:
    outcome = await stack.run_command("/play query:never gonna give you up")
    assert outcome.final is not None
    assert outcome.final.startswith("Now playing")
    await eventually(lambda: metrics.total("CommandsProcessed") == 1)  # counted after the delete
    timings = [value for name, value, _ in metrics.values if name == "DequeueToLavalink"]
    assert len(timings) == 1
    assert timings[0] >= 0
    assert metrics.total("CommandsProcessed", Command="play", Outcome="ok") == 1
    assert [name for name, _, _ in metrics.values].count("CommandDuration") == 1


async def test_health_endpoints_follow_the_fleet(stack: Sandbox) -> None:
    fleet = stack.fleet
    assert fleet is not None
    async with HealthServer(fleet.readiness, host="127.0.0.1", port=0) as server:
        base = f"http://127.0.0.1:{server.port}"
        async with httpx.AsyncClient() as client:
            ready = await client.get(f"{base}/ready")
            await fleet.stop_consuming(deadline_s=5)
            stopped = await client.get(f"{base}/ready")
            alive = await client.get(f"{base}/health")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"gateway": True, "lavalink": True, "consumer": True}
    assert stopped.status_code == 503
    assert stopped.json()["checks"]["consumer"] is False
    assert alive.status_code == 200
