"""The consumer: one final reply per command, per-guild order, and nothing lost on failures."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from audio_fleet.consumer import MSG_INTERNAL_ERROR, CommandConsumer
from audio_fleet.replies import ReplyGoneError, ReplyNotReadyError
from encore.envelope import CommandEnvelope
from encore.queue.memory import InMemoryQueue, _Message
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


class Harness:
    def __init__(self) -> None:
        self.queue = InMemoryQueue(ShardLayout(), visibility_timeout=1.0)
        self.replies = RecordingReplies()
        self.log: list[str] = []
        self.stop = asyncio.Event()

        async def play(env: CommandEnvelope) -> str:
            query = str(env.options["query"])
            self.log.append(f"start {query}")
            if query.startswith("slow"):
                await asyncio.sleep(0.1)
            if query == "boom":
                raise RuntimeError("lavalink exploded")
            self.log.append(f"end {query}")
            return f"Now playing {query}"

        self.consumer = CommandConsumer(
            self.queue.source(0), {"play": play}, self.replies, wait_seconds=0.05, clock=lambda: NOW
        )

    async def run_until(self, done: int, timeout: float = 5.0) -> None:
        task = asyncio.create_task(self.consumer.run(self.stop))
        try:
            async with asyncio.timeout(timeout):
                while len(self.replies.sent) + self.consumer.expired < done:
                    await asyncio.sleep(0.01)
        finally:
            self.stop.set()
            await task


@pytest.fixture
def harness() -> Harness:
    return Harness()


async def test_every_command_gets_exactly_one_reply_and_is_deleted(harness: Harness) -> None:
    for i in range(5):
        await harness.queue.send(envelope(i + 1, guild_id=(i + 1) << 22, query=f"song {i}"))
    await harness.run_until(5)
    assert sorted(harness.replies.sent) == [(f"token-{i + 1}", f"Now playing song {i}") for i in range(5)]
    assert harness.queue.depth(0) == 0
    assert harness.consumer.completed == 5


async def test_one_guilds_commands_run_in_order(harness: Harness) -> None:
    await harness.queue.send(envelope(1, query="slow first"))
    await harness.queue.send(envelope(2, query="second"))
    await harness.run_until(2)
    assert harness.log == ["start slow first", "end slow first", "start second", "end second"]


async def test_guilds_do_not_wait_for_each_other(harness: Harness) -> None:
    await harness.queue.send(envelope(1, guild_id=1 << 22, query="slow a"))
    await harness.queue.send(envelope(2, guild_id=2 << 22, query="slow b"))
    await harness.run_until(2)
    assert harness.log[:2] == ["start slow a", "start slow b"]


async def test_a_failing_command_still_gets_an_error_reply(harness: Harness) -> None:
    await harness.queue.send(envelope(1, query="boom"))
    await harness.queue.send(envelope(2, query="after"))
    await harness.run_until(2)
    assert ("token-1", MSG_INTERNAL_ERROR) in harness.replies.sent
    assert ("token-2", "Now playing after") in harness.replies.sent  # the worker carried on


async def test_unknown_command_is_answered(harness: Harness) -> None:
    await harness.queue.send(envelope(1, command="dance"))
    await harness.run_until(1)
    assert harness.replies.sent == [("token-1", "This version of Encore can't do that yet.")]


async def test_expired_token_is_dropped_without_work(harness: Harness) -> None:
    await harness.queue.send(envelope(1, query="late", age_s=16 * 60))
    await harness.run_until(1)
    assert harness.log == []
    assert harness.replies.sent == []
    assert harness.queue.depth(0) == 0


async def test_reply_failure_leaves_the_command_for_redelivery(harness: Harness) -> None:
    harness.replies.failures = 1
    await harness.queue.send(envelope(1, query="retry me"))
    await harness.run_until(1)
    assert harness.replies.sent == [("token-1", "Now playing retry me")]
    assert harness.consumer.failed == 1
    assert harness.queue.depth(0) == 0


async def test_dead_reply_token_is_acknowledged(harness: Harness) -> None:
    harness.replies.gone.add("token-1")
    await harness.queue.send(envelope(1))
    await harness.run_until(1)
    assert harness.queue.depth(0) == 0


async def test_undecodable_message_is_left_for_the_dead_letter_queue(harness: Harness) -> None:
    # What a foreign or broken producer could put on the queue (the front never does).
    harness.queue._groups[0].messages.append(_Message("foreign", "{oops"))
    await harness.queue.send(envelope(1, guild_id=5 << 22))
    await harness.run_until(1)
    assert harness.consumer.failed >= 1
    assert harness.queue.depth(0) == 1  # still there, for the redrive policy


async def test_reply_waits_for_discord_to_record_the_deferral(harness: Harness) -> None:
    # The front queues before it answers Discord, so a fast fleet can reach @original first.
    harness.replies.not_ready = 2
    await harness.queue.send(envelope(1, query="fast"))
    await harness.run_until(1)
    assert harness.replies.sent == [("token-1", "Now playing fast")]
    assert harness.replies.attempts == 3


async def test_deferral_that_never_came_is_given_up(harness: Harness) -> None:
    harness.replies.not_ready = 100
    await harness.queue.send(envelope(1, age_s=6))  # past Discord's 3 s deadline and our grace
    await harness.run_until(1)
    assert harness.replies.sent == []
    assert harness.replies.attempts == 1
    assert harness.queue.depth(0) == 0  # nobody left to answer: not redelivered forever
