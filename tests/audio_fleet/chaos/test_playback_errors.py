"""Playback errors, the whole way: a failing source, a track that breaks while playing, a track
that gets stuck. The listener is told, in plain words, and the music goes on."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from encore.metrics import RecordingSink
from encore.simulators.recording import RecordedRequest
from encore_cli.sandbox import Sandbox
from tests.audio_fleet.chaos.conftest import eventually

RICK = "/play query:never gonna give you up"
DAFT = "/play query:daft punk one more time"


class Box(Sandbox):
    def __init__(self) -> None:
        self.metrics = RecordingSink()
        super().__init__(fleet_options={"metrics": self.metrics})


@pytest.fixture
async def box() -> AsyncIterator[Box]:
    sandbox = Box()
    async with sandbox:
        yield sandbox


async def say(box: Sandbox, line: str) -> str:
    outcome = await box.run_command(line)
    assert outcome.final is not None, f"{line} got no final reply"
    return outcome.final


def is_followup(request: RecordedRequest) -> bool:
    parts = request.path.rstrip("/").split("/")
    return (
        request.method == "POST"
        and "webhooks" in parts
        and parts[-2:][0] != "messages"
        and bool(request.json)
    )


def notices(box: Sandbox) -> list[str]:
    return [str(r.json["content"]) for r in box.discord.requests.all() if is_followup(r) and r.json]


async def test_a_refusing_source_is_replaced_by_the_next_and_the_listener_told(box: Box) -> None:
    box.lavalink.faults.fail_source("youtube", "Sign in to confirm you're not a bot")
    reply = await say(box, "/play query:midnight city")
    assert reply.startswith(
        "YouTube isn't working right now, so I searched SoundCloud instead.\n"
        "Now playing **Midnight City (Live Session)** by M83"
    )
    await box.lavalink.wait_for_track(box.guild_id, "Midnight City")
    assert box.metrics.total("TrackLoadFailures", Source="youtube") == 1
    assert box.metrics.total("TrackLoads", Source="soundcloud") == 1


async def test_every_source_refusing_is_explained(box: Box) -> None:
    box.lavalink.faults.fail_source("youtube", "Sign in to confirm you're not a bot")
    box.lavalink.faults.fail_source("soundcloud", "Read timed out", severity="fault")
    reply = await say(box, "/play query:midnight city")
    assert reply.startswith("YouTube is blocking the music server right now")
    assert box.lavalink.player(box.guild_id) is None  # did not join for nothing


async def test_a_stuck_track_is_skipped_and_the_listener_told(box: Box) -> None:
    await say(box, RICK)
    await say(box, DAFT)
    await box.lavalink.wait_for_track(box.guild_id, "Never Gonna")

    await box.lavalink.emit_track_stuck(box.guild_id, threshold_ms=10_000)

    await box.lavalink.wait_for_track(box.guild_id, "One More Time")
    await eventually(lambda: bool(notices(box)))
    assert notices(box) == ["**Never Gonna Give You Up** by Rick Astley (`3:33`) got stuck, so I skipped it."]
    assert box.metrics.total("TrackStuck", Source="youtube") == 1


async def test_a_track_failing_while_it_plays_is_explained_and_the_queue_goes_on(box: Box) -> None:
    await say(box, RICK)
    await say(box, DAFT)
    await box.lavalink.wait_for_track(box.guild_id, "Never Gonna")

    await box.lavalink.emit_track_exception(
        box.guild_id, message="This video is unavailable", severity="common", cause="FriendlyException"
    )

    await box.lavalink.wait_for_track(box.guild_id, "One More Time")
    await eventually(lambda: bool(notices(box)))
    assert notices(box) == [
        "I couldn't play **Never Gonna Give You Up** by Rick Astley (`3:33`). That song is unavailable on "
        "YouTube: it was removed, made private or blocked. Moving on to the next song."
    ]
    assert box.metrics.total("TrackExceptions", Source="youtube") == 1
