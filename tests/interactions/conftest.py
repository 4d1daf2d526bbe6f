"""A front wired with a real in-memory queue and a key pair we sign with, like Discord."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from encore.envelope import CommandEnvelope
from encore.errors import QueueUnavailableError
from encore.queue.memory import InMemoryQueue
from encore.routing import ShardLayout
from interactions.app import create_app
from interactions.core import InteractionsCore
from interactions.signature import SignatureVerifier
from tests.signing import DiscordSigner


class BrokenQueue:
    """A queue whose backend is down: every send fails like an SQS outage."""

    def __init__(self) -> None:
        self.attempts = 0

    async def send(self, envelope: CommandEnvelope) -> None:
        self.attempts += 1
        raise QueueUnavailableError("SQS is unreachable")


@pytest.fixture
def queue() -> InMemoryQueue:
    return InMemoryQueue(ShardLayout())


@pytest.fixture
def core(signer: DiscordSigner, queue: InMemoryQueue) -> InteractionsCore:
    return InteractionsCore(SignatureVerifier(signer.public_key_hex), queue)


@pytest.fixture
async def front(core: InteractionsCore) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(core))
    async with httpx.AsyncClient(transport=transport, base_url="http://front") as client:
        yield client
