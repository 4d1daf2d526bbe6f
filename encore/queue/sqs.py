"""The SQS FIFO adapter: one FIFO queue per shard group.

``MessageGroupId`` is the guild id (SQS delivers one guild's commands in order, one at a time) and
``MessageDeduplicationId`` is the interaction id (a retried send within five minutes is dropped by
SQS). boto3 is synchronous, so calls run in a worker thread; retries use botocore's ``standard``
mode and short timeouts, because the front must answer Discord within three seconds.
``AWS_ENDPOINT_URL`` is honoured by botocore itself (and passed explicitly when configured).

boto3 is imported, and the client built, on first use: the front's Lambda cold start only pays for it
when the container's first command needs the queue, not on PING or on the import of this module.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import threading
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any, Final, cast

from encore.envelope import CommandEnvelope
from encore.errors import QueueError, QueueUnavailableError
from encore.queue.base import ReceivedMessage
from encore.routing import ShardLayout

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

__all__ = ["SEND_DEADLINE_S", "SqsCommandQueue", "SqsSource", "sqs_client"]

#: Where Lambda puts the current X-Ray trace header for the invocation.
LAMBDA_TRACE_ENV: Final = "_X_AMZN_TRACE_ID"
#: Discord drops an interaction not answered within 3 s; leave room for the network and the answer.
SEND_DEADLINE_S: Final = 2.0


def sqs_client(
    region: str,
    endpoint_url: str | None = None,
    *,
    connect_timeout: float = 1.0,
    read_timeout: float = 2.0,
    max_attempts: int = 3,
) -> SQSClient:
    """A boto3 SQS client with standard retries and explicit timeouts."""
    import boto3
    from botocore.config import Config

    config = Config(
        region_name=region,
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        retries={"mode": "standard", "max_attempts": max_attempts},
    )
    return boto3.client("sqs", endpoint_url=endpoint_url, config=config)


async def _call(function: Any, **kwargs: Any) -> Any:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return await asyncio.to_thread(function, **kwargs)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "ClientError")
        if code in {
            "ThrottlingException",
            "RequestThrottled",
            "ServiceUnavailable",
            "InternalError",
        }:
            raise QueueUnavailableError(f"SQS is unavailable: {code}") from exc
        raise QueueError(f"SQS refused the request: {code}") from exc
    except BotoCoreError as exc:
        raise QueueUnavailableError(f"SQS is unreachable: {exc}") from exc


def _whole_seconds(seconds: float) -> int:
    """SQS takes whole seconds, 0 to 12 hours: round a fraction up (never hide for less)."""
    return max(0, min(math.ceil(seconds), 43_200))


class SqsCommandQueue:
    """The front's side: route each envelope to its shard group's FIFO queue."""

    def __init__(
        self,
        client: SQSClient | Callable[[], SQSClient],
        queue_urls: Sequence[str],
        layout: ShardLayout,
        *,
        send_deadline_s: float = SEND_DEADLINE_S,
    ) -> None:
        """``client`` is a boto3 SQS client, or a function that builds one when first needed."""
        self._send_deadline_s = send_deadline_s
        if len(queue_urls) != layout.group_count:
            raise QueueError(
                f"need one queue URL per shard group ({layout.group_count}), got {len(queue_urls)}"
            )
        self._client_or_factory = client
        self._urls = tuple(queue_urls)
        self._layout = layout

    @cached_property
    def _client(self) -> SQSClient:
        given = self._client_or_factory
        if hasattr(given, "send_message"):
            return cast("SQSClient", given)
        return given()

    async def send(self, envelope: CommandEnvelope) -> None:
        url = self._urls[self._layout.group_for_guild(envelope.guild_id)]
        extra: dict[str, Any] = {}
        trace = os.environ.get(LAMBDA_TRACE_ENV)
        if trace:
            # Continue the Lambda's X-Ray trace into the fleet (without loading the X-Ray SDK).
            extra["MessageSystemAttributes"] = {
                "AWSTraceHeader": {"StringValue": trace, "DataType": "String"}
            }
        try:
            async with asyncio.timeout(self._send_deadline_s):
                await _call(
                    self._client.send_message,
                    QueueUrl=url,
                    MessageBody=envelope.to_json(),
                    MessageGroupId=str(envelope.guild_id),
                    MessageDeduplicationId=str(envelope.interaction_id),
                    **extra,
                )
        except TimeoutError:
            # The send may still land (the thread goes on); the dedup id makes a retry harmless.
            raise QueueUnavailableError(f"SQS did not answer within {self._send_deadline_s:g} s") from None

    def source(self, group: int) -> SqsSource:
        if not 0 <= group < len(self._urls):
            raise QueueError(f"no queue for shard group {group}")
        return SqsSource(self._client, self._urls[group], group)


class SqsSource:
    """A fleet task's side: long-poll one group's queue, delete after the final reply."""

    def __init__(self, client: SQSClient, queue_url: str, group: int) -> None:
        self._client = client
        self._url = queue_url
        self.group = group

    async def receive(
        self, max_messages: int, wait_seconds: float, visibility_timeout: float | None = None
    ) -> list[ReceivedMessage]:
        extra: dict[str, Any] = {}
        if visibility_timeout is not None:
            extra["VisibilityTimeout"] = _whole_seconds(visibility_timeout)
        abandoned = threading.Event()
        try:
            response = await _call(
                self._receive_unless_abandoned,
                abandoned=abandoned,
                QueueUrl=self._url,
                MaxNumberOfMessages=max(1, min(max_messages, 10)),
                WaitTimeSeconds=max(0, min(int(wait_seconds), 20)),
                # AWSTraceHeader is only returned when asked for: it carries the front's X-Ray trace.
                MessageSystemAttributeNames=["ApproximateReceiveCount", "AWSTraceHeader", "MessageGroupId"],
                **extra,
            )
        except asyncio.CancelledError:
            abandoned.set()  # the poll goes on in its thread; what it receives is handed back
            raise
        received = []
        for message in response.get("Messages", []):
            attributes = message.get("Attributes", {})
            received.append(
                ReceivedMessage(
                    group=self.group,
                    body=message["Body"],
                    receipt=message["ReceiptHandle"],
                    receive_count=int(attributes.get("ApproximateReceiveCount", "1")),
                    trace_header=attributes.get("AWSTraceHeader"),
                    message_group=attributes.get("MessageGroupId", ""),
                )
            )
        return received

    def _receive_unless_abandoned(self, abandoned: threading.Event, **request: Any) -> Any:
        """ReceiveMessage (in a worker thread). When the caller stopped waiting during the long
        poll (the consumer is stopping), the messages received are made visible again at once,
        so the shard group's next owner need not wait for their visibility timeout."""
        response = self._client.receive_message(**request)
        if not abandoned.is_set():
            return response
        for message in response.get("Messages", []):
            with contextlib.suppress(Exception):
                self._client.change_message_visibility(
                    QueueUrl=self._url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                )
        return {}

    async def ack(self, message: ReceivedMessage) -> None:
        await _call(self._client.delete_message, QueueUrl=self._url, ReceiptHandle=message.receipt)

    async def extend(self, message: ReceivedMessage, seconds: float) -> None:
        await _call(
            self._client.change_message_visibility,
            QueueUrl=self._url,
            ReceiptHandle=message.receipt,
            VisibilityTimeout=_whole_seconds(seconds),
        )
