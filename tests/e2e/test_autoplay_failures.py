"""Autoplay when the node cannot help: its searches fail, and the listeners are told once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from encore_cli.sandbox import Sandbox
from tests.e2e.test_effects_lyrics_autoplay import (
    RICK,
    eventually,
    playing_title,
    radio_mix,
    sandbox_with,
    say,
)

NOTHING = "The queue ran out and autoplay found nothing new to play. Add songs with `/play`."


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with await sandbox_with(lyrics=False) as box:
        yield box


def told(sandbox: Sandbox) -> list[dict[str, Any]]:
    return sandbox.discord.channel_messages.messages(sandbox.text_channel_id)


def loads(sandbox: Sandbox) -> int:
    return sum(1 for request in sandbox.lavalink.requests if request.path == "/v4/loadtracks")


async def test_autoplay_survives_a_failing_node_and_says_so_only_once(sandbox: Sandbox) -> None:
    radio_mix(sandbox, "Never Gonna Give You Up", "Take On Me")  # would offer a song, if the node answered
    await say(sandbox, "/autoplay mode:on", premium=True)
    await say(sandbox, RICK)
    sandbox.lavalink.faults.fail_requests(None, "/loadtracks", count=1_000, status=500)
    await sandbox.lavalink.finish_track(sandbox.guild_id)

    await eventually(lambda: bool(told(sandbox)))
    assert [m["content"] for m in told(sandbox)] == [NOTHING]
    assert playing_title(sandbox) is None

    # The node still fails after the next song: the channel is not told again.
    sandbox.lavalink.faults.clear()
    await say(sandbox, RICK)
    sandbox.lavalink.faults.fail_requests(None, "/loadtracks", count=1_000, status=500)
    asked = loads(sandbox)
    await sandbox.lavalink.finish_track(sandbox.guild_id)
    await eventually(lambda: loads(sandbox) > asked)  # autoplay tried the node again
    await asyncio.sleep(0.5)
    assert [m["content"] for m in told(sandbox)] == [NOTHING]
    assert playing_title(sandbox) is None

    # Once the node answers again, autoplay goes on (and would tell again next time it runs dry).
    sandbox.lavalink.faults.clear()
    await say(sandbox, RICK)
    await sandbox.lavalink.finish_track(sandbox.guild_id)
    await eventually(lambda: playing_title(sandbox) == "Take On Me")
