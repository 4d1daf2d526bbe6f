"""Buttons and select menus a user presses: refused ones get an ephemeral reason (never silence),
and a queue page still turns when the player state in Redis cannot be read."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from encore.custom_ids import NowPlayingAction, NowPlayingButton, PageDirection, QueuePage, SearchPick, encode
from encore.guild_settings import GuildPreferences
from encore.player_snapshot import RedisSnapshotStore
from encore.redis_client import redis_from_url
from interactions.core import InteractionsCore
from interactions.services import FrontServices
from interactions.signature import SignatureVerifier
from tests.interactions.test_front_commands import (
    DJ_ROLE,
    GUILD,
    NOW,
    PREMIUM_SKU,
    FixedSettings,
    Front,
    RecordingTelemetry,
    component,
    front,
)
from tests.ports import free_port
from tests.signing import DiscordSigner, play_interaction

__all__ = ["front"]  # the fixture, shared with the command tests

EPHEMERAL = 64
OUTDATED = "That button is out of date. Use the command again."
LISTENER = {"user": {"id": "1100000000000000200"}, "roles": [], "permissions": "0"}


def refusal(answer: dict[str, Any]) -> str:
    assert answer["type"] == 4
    assert answer["data"]["flags"] == EPHEMERAL
    text: str = answer["data"]["content"]
    return text


@pytest.mark.parametrize(
    "values",
    [["25"], ["-1"], ["one"], ["1", "2"], []],
    ids=["past-the-last-result", "negative", "not-a-number", "two-picks", "no-pick"],
)
async def test_a_search_pick_that_no_menu_could_send_is_refused(front: Front, values: list[str]) -> None:
    payload = component(front, encode(SearchPick(GUILD, "abc123")), values=values)
    payload["data"]["component_type"] = 3
    assert refusal(await front.send(payload)) == OUTDATED
    assert await front.queued() == []


async def test_a_dj_button_pressed_by_a_listener_is_refused_but_skip_is_open_to_all(front: Front) -> None:
    front.settings.prefs = GuildPreferences(dj_role_id=DJ_ROLE)
    stop = component(front, encode(NowPlayingButton(GUILD, NowPlayingAction.STOP)), member=LISTENER)
    assert refusal(await front.send(stop)) == "Only DJs can do that (the DJ role, or Manage Server)."
    skip = component(front, encode(NowPlayingButton(GUILD, NowPlayingAction.SKIP)), member=LISTENER)
    assert await front.send(skip) == {"type": 6}
    assert [(e.command, e.options) for e in await front.queued()] == [("np", {"action": "skip"})]
    assert "dj_only" in front.telemetry.rejects


async def test_a_button_press_delivered_twice_acts_once(front: Front) -> None:
    payload = component(front, encode(NowPlayingButton(GUILD, NowPlayingAction.PAUSE)))
    assert await front.send(payload) == {"type": 6}
    assert await front.send(payload) == {"type": 6}  # Discord retried: acknowledged, not redone
    assert len(await front.queued()) == 1
    assert "replay" in front.telemetry.rejects


async def test_a_button_mashed_past_the_rate_limit_is_told_to_wait(front: Front) -> None:
    answers = [
        await front.send(component(front, encode(NowPlayingButton(GUILD, NowPlayingAction.PAUSE))))
        for _ in range(21)
    ]
    assert [a["type"] for a in answers[:20]] == [6] * 20
    assert refusal(answers[20]) == "You're going a bit fast. Try again in 3 s."
    assert front.queue.depth(0) == 20


async def test_a_button_without_a_channel_is_answered_as_servers_only(front: Front) -> None:
    payload = component(front, encode(NowPlayingButton(GUILD, NowPlayingAction.PAUSE)))
    del payload["channel_id"]
    assert refusal(await front.send(payload)) == "Encore's commands work in a server, not in direct messages."
    assert await front.queued() == []


@pytest.fixture
async def front_without_snapshots(redis: Any, signer: DiscordSigner) -> AsyncIterator[Front]:
    """The front whose player-state Redis is down (nothing listens on its port)."""
    from encore.queue.memory import InMemoryQueue
    from encore.ratelimit import RedisTokenBucket
    from encore.recent_searches import RedisRecentSearches
    from encore.replay import RedisReplayGuard
    from encore.routing import ShardLayout

    down = redis_from_url(f"redis://127.0.0.1:{free_port()}/0")
    assert down is not None
    prefix = f"test:{id(down)}:"
    queue = InMemoryQueue(ShardLayout())
    snapshots = RedisSnapshotStore(down, prefix=prefix + "player:")
    services = FrontServices(
        queue=queue,
        limiter=RedisTokenBucket(redis, prefix=prefix + "rl:"),
        replay=RedisReplayGuard(redis, prefix=prefix + "seen:"),
        snapshots=snapshots,
        searches=RedisRecentSearches(redis, prefix=prefix + "searches:"),
        sku_tiers={PREMIUM_SKU: "premium"},
        clock=lambda: NOW,
    )
    telemetry = RecordingTelemetry()
    settings = FixedSettings()
    core = InteractionsCore(
        SignatureVerifier(signer.public_key_hex), services, guild_settings=settings, telemetry=telemetry
    )
    try:
        yield Front(core, signer, queue, snapshots, telemetry, settings, iter(range(1 << 60, 1 << 61)))
    finally:
        await down.aclose()
        keys = [k async for k in redis.scan_iter(f"{prefix}*")]
        if keys:
            await redis.delete(*keys)


async def test_a_queue_page_turns_through_the_fleet_when_the_player_state_is_unreadable(
    front_without_snapshots: Front,
) -> None:
    front = front_without_snapshots
    pressed = await front.send(component(front, encode(QueuePage(GUILD, PageDirection.NEXT, 2))))
    assert pressed == {"type": 6}  # acknowledged; the fleet edits the message with page 2
    assert [(e.command, e.options) for e in await front.queued()] == [("queue", {"page": 2})]


async def test_autocomplete_for_anything_but_the_play_query_suggests_nothing(front: Front) -> None:
    await front.command("play", [{"name": "query", "type": 3, "value": "never gonna give you up"}])
    payload = play_interaction(interaction_id=next(front.ids), guild_id=GUILD)
    payload["type"] = 4
    typed = {"name": "name", "type": 3, "value": "never", "focused": True}
    payload["data"] = {
        "id": "1",
        "name": "playlist",
        "type": 1,
        "options": [{"name": "load", "type": 1, "options": [typed]}],
    }
    assert await front.send(payload) == {"type": 8, "data": {"choices": []}}
