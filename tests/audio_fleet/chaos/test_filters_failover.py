"""A premium guild's audio effect survives a Lavalink failover: the node playing it crashes (or
closes properly) and the other node's player has exactly the same ``filters``, at the same place."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from typing import Any

import pytest

from audio_fleet.filters import filters_for
from encore.command_line import parse_command_line
from encore.commands import CATALOGUE
from encore.metrics import RecordingSink
from encore.simulators.lavalink import LavalinkSimulator
from encore_cli.sandbox import discord_options
from tests.audio_fleet.chaos.conftest import TwoNodeSandbox, eventually
from tests.audio_fleet.chaos.test_node_failover import TOLERANCE_MS, moved_to, other

PREMIUM_SKU = 777_000_000_000_000_003
PREMIUM = [{"id": "5432", "sku_id": str(PREMIUM_SKU), "type": 8, "ends_at": None}]


@pytest.fixture
async def box() -> AsyncIterator[TwoNodeSandbox]:
    sandbox = TwoNodeSandbox(RecordingSink(), encore_sku_tiers={PREMIUM_SKU: "premium"})
    async with sandbox:
        yield sandbox


async def premium(box: TwoNodeSandbox, line: str) -> str:
    typed = parse_command_line(line, CATALOGUE)
    exchange = await box.discord.send_slash_command(
        box.guild_id,
        box.text_channel_id,
        box.user_id,
        typed.name,
        discord_options(typed),
        entitlements=PREMIUM,
    )
    assert (exchange.body or {}).get("type") == 5, exchange.body
    message = await box.discord.wait_for_original_edit(exchange.token)
    return str(message.get("content", ""))


def has_effect(filters: dict[str, Any], preset: str) -> bool:
    """``filters`` (as wavelink sent them: every filter, most of them neutral) carry the preset's."""
    return all(filters.get(name) == value for name, value in filters_for(preset).items())


async def filtered(box: TwoNodeSandbox, preset: str) -> LavalinkSimulator:
    """Rick playing with ``preset`` on; the node it plays on."""
    assert (await premium(box, "/play query:never gonna give you up")).startswith("Now playing")
    assert (await premium(box, "/play query:daft punk one more time")).startswith("Queued")
    await premium(box, f"/filter preset:{preset}")
    found = box.node_playing()
    assert found is not None
    sim, player = found
    await eventually(lambda: has_effect(player.filters, preset))
    await eventually(lambda: player.position >= 1000)
    return sim


@pytest.mark.parametrize(("preset", "how"), [("nightcore", "crash"), ("bassboost", "close frame")])
async def test_the_filter_is_on_the_other_nodes_player_after_a_failover(
    box: TwoNodeSandbox, preset: str, how: str
) -> None:
    first = await filtered(box, preset)
    lost = first.player(box.guild_id)
    assert lost is not None
    position = lost.position
    effect = copy.deepcopy(lost.filters)

    if how == "crash":
        await first.crash()
    else:
        await first.close_websockets(1000, "Closing")

    survivor = other(box, first)
    started_at = await moved_to(box, survivor)
    assert abs(started_at - position) <= TOLERANCE_MS
    moved = survivor.player(box.guild_id)
    assert moved is not None
    assert moved.filters == effect
    assert has_effect(moved.filters, preset)
    # The next song keeps the effect too (wavelink sends the player's filters with each track).
    await survivor.finish_track(box.guild_id)
    await survivor.wait_for_track(box.guild_id, "One More Time")
    assert has_effect(moved.filters, preset)
