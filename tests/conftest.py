"""Fixtures shared by the whole suite."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from hypothesis import settings
from redis.asyncio import Redis

from tests.ports import free_port
from tests.redis_support import LOCAL_REDIS, connect
from tests.signing import DiscordSigner

# Timing belongs to `make bench`, not to assertions: no per-example deadline, so a loaded CI
# machine cannot fail a property test for being slow.
settings.register_profile("encore", deadline=None, print_blob=True)
settings.load_profile("encore")


@pytest.fixture
def signer() -> DiscordSigner:
    return DiscordSigner()


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    """The machine's real Redis (`.ci/run` starts it when it is not running)."""
    client = connect(LOCAL_REDIS)
    try:
        await client.ping()
    except Exception as exc:
        await client.aclose()
        pytest.fail(f"these tests need Redis at {LOCAL_REDIS} (redis-server --save ''): {exc}")
    yield client
    await client.aclose()


@pytest.fixture
async def prefix(redis: Redis) -> AsyncIterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    prefix = f"encore:test:{uuid.uuid4().hex}:"
    yield prefix
    keys = [key async for key in redis.scan_iter(match=prefix + "*")]
    if keys:
        await redis.delete(*keys)


@pytest.fixture
async def dead_redis() -> AsyncIterator[Redis]:
    """A client for a loopback port nothing listens on: every command fails to connect."""
    client = connect(f"redis://127.0.0.1:{free_port()}/0")
    yield client
    await client.aclose()
