"""Audio effects, lyrics and autoplay, the whole way: signed interactions through the front and the
queue to the fleet, checked on what the Lavalink simulator recorded (the exact ``filters`` payload,
the lyrics plugin's route, the track autoplay chose) and on the Discord simulator's messages."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from audio_fleet.filters import equalizer
from encore.command_line import parse_command_line
from encore.commands import CATALOGUE
from encore.metrics import RecordingSink
from encore.simulators.lavalink.catalogue import CataloguePlaylist
from encore.simulators.lavalink.lyrics import LyricsPlugin
from encore_cli.sandbox import Sandbox, discord_options

RICK = "/play query:never gonna give you up"
RAIN = "/play query:10 hours of rain sounds"
TRICKY = "/play query:bold title everyone code"
PREMIUM_SKU = 777_000_000_000_000_002
PREMIUM = [{"id": "4321", "sku_id": str(PREMIUM_SKU), "type": 8, "ends_at": None}]
FLAT = equalizer()


async def sandbox_with(*, lyrics: bool, sku: bool = True) -> Sandbox:
    overrides = {"encore_sku_tiers": {PREMIUM_SKU: "premium"}} if sku else {}
    box = Sandbox(settings_overrides=overrides)
    if lyrics:
        box.lavalink.lyrics = LyricsPlugin.default()
    return box


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with await sandbox_with(lyrics=True) as box:
        yield box


async def reply(sandbox: Sandbox, line: str, *, premium: bool = False) -> dict[str, Any]:
    """Run ``line`` as the sandbox user; the final message (content, components, allowed_mentions)."""
    typed = parse_command_line(line, CATALOGUE)
    exchange = await sandbox.discord.send_slash_command(
        sandbox.guild_id,
        sandbox.text_channel_id,
        sandbox.user_id,
        typed.name,
        discord_options(typed),
        entitlements=PREMIUM if premium else None,
    )
    body = exchange.body or {}
    assert body.get("type") == 5, body
    message = await sandbox.discord.wait_for_original_edit(exchange.token)
    assert message.get("allowed_mentions") == {"parse": []}, message
    return message


async def say(sandbox: Sandbox, line: str, *, premium: bool = False) -> str:
    return str((await reply(sandbox, line, premium=premium)).get("content", ""))


def filter_patches(sandbox: Sandbox) -> list[dict[str, Any]]:
    """The ``filters`` of every player PATCH that only set filters (wavelink also sends the player's
    filters along with each new track), oldest first."""
    return [
        request.json["filters"]
        for request in sandbox.lavalink.requests
        if request.method == "PATCH" and isinstance(request.json, dict) and set(request.json) == {"filters"}
    ]


def sim_filters(sandbox: Sandbox) -> dict[str, Any]:
    player = sandbox.lavalink.player(sandbox.guild_id)
    assert player is not None
    return player.filters


def playing_title(sandbox: Sandbox) -> str | None:
    player = sandbox.lavalink.player(sandbox.guild_id)
    return None if player is None or player.track is None else str(player.track["info"]["title"])


async def eventually(check: Callable[[], bool], timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.02)


# -- /filter ------------------------------------------------------------------------------------


async def test_effects_need_premium_and_offer_the_premium_button(sandbox: Sandbox) -> None:
    await say(sandbox, RICK)
    refused = await reply(sandbox, "/filter preset:nightcore")
    assert refused["content"] == "That needs Premium. Use `/premium upgrade` to unlock it."
    assert refused["components"] == [
        {"type": 1, "components": [{"type": 2, "style": 6, "sku_id": str(PREMIUM_SKU)}]}
    ]
    assert filter_patches(sandbox) == []
    # Turning effects off is never refused (a guild whose subscription ended can still do it).
    assert await say(sandbox, "/filter preset:off") == "Audio effects are off."


async def test_without_a_configured_sku_the_prompt_has_no_button() -> None:
    async with await sandbox_with(lyrics=False, sku=False) as box:
        await say(box, RICK)
        refused = await reply(box, "/filter preset:bassboost")
        assert refused["content"] == "That needs Premium. Use `/premium upgrade` to unlock it."
        assert not refused.get("components")


async def test_premium_effects_send_lavalinks_filters(sandbox: Sandbox) -> None:
    await say(sandbox, RICK)
    applied = await say(sandbox, "/filter preset:nightcore", premium=True)
    assert applied == "Applied the **Nightcore** effect. Use `/filter preset:Off` to remove it."
    nightcore = {"equalizer": FLAT, "timescale": {"speed": 1.25, "pitch": 1.25, "rate": 1.0}}
    assert filter_patches(sandbox)[-1] == nightcore
    assert sim_filters(sandbox) == nightcore

    await say(sandbox, "/filter preset:8d", premium=True)
    assert sim_filters(sandbox) == {"equalizer": FLAT, "rotation": {"rotationHz": 0.2}}  # replaces nightcore

    await say(sandbox, "/filter preset:bassboost", premium=True)
    bands = sim_filters(sandbox)["equalizer"]
    assert [b["band"] for b in bands] == list(range(15))
    assert [b["gain"] for b in bands[:5]] == [0.25, 0.2, 0.15, 0.1, 0.05]
    assert all(-0.25 <= b["gain"] <= 1.0 for b in bands)

    await say(sandbox, "/filter preset:karaoke", premium=True)
    assert sim_filters(sandbox)["karaoke"] == {
        "level": 1.0,
        "monoLevel": 1.0,
        "filterBand": 220.0,
        "filterWidth": 100.0,
    }
    await say(sandbox, "/filter preset:vibrato", premium=True)
    assert sim_filters(sandbox) == {"equalizer": FLAT, "vibrato": {"frequency": 4.0, "depth": 0.75}}

    assert await say(sandbox, "/filter preset:off") == "Audio effects are off."
    assert sim_filters(sandbox) == {"equalizer": FLAT}
    assert playing_title(sandbox) == "Never Gonna Give You Up"  # effects never interrupt the song


async def test_speed_and_pitch_on_top_of_an_effect(sandbox: Sandbox) -> None:
    await say(sandbox, RICK)
    applied = await say(sandbox, "/filter preset:vaporwave speed:90 pitch:70", premium=True)
    assert applied == (
        "Applied the **Vaporwave** effect. Use `/filter preset:Off` to remove it. Speed 90%, pitch 70%."
    )
    assert sim_filters(sandbox)["timescale"] == {"speed": 0.9, "pitch": 0.7, "rate": 1.0}
    refused = await say(sandbox, "/filter preset:off speed:120")  # a speed change is an effect too
    assert refused.startswith("That needs Premium.")
    await say(sandbox, "/filter preset:off speed:120", premium=True)
    assert sim_filters(sandbox) == {"equalizer": FLAT, "timescale": {"speed": 1.2, "pitch": 1.0, "rate": 1.0}}


async def test_effects_need_a_player_the_user_is_with(sandbox: Sandbox) -> None:
    assert (
        await say(sandbox, "/filter preset:tremolo", premium=True) == "Nothing is playing — use /play first."
    )
    await say(sandbox, RICK)
    await sandbox.set_listening(False)
    assert (await say(sandbox, "/filter preset:tremolo", premium=True)).startswith("Join me in <#")
    assert filter_patches(sandbox) == []


async def test_effect_names_follow_the_users_language(sandbox: Sandbox) -> None:
    await say(sandbox, RICK)
    typed = parse_command_line("/filter preset:eq-rock", CATALOGUE)
    exchange = await sandbox.discord.send_slash_command(
        sandbox.guild_id,
        sandbox.text_channel_id,
        sandbox.user_id,
        typed.name,
        discord_options(typed),
        locale="fr",
        entitlements=PREMIUM,
    )
    message = await sandbox.discord.wait_for_original_edit(exchange.token)
    assert str(message["content"]).startswith("Effet **")
    assert "/filter preset:Off" in str(message["content"])


# -- /lyrics ------------------------------------------------------------------------------------


async def test_lyrics_from_the_nodes_plugin(sandbox: Sandbox) -> None:
    await say(sandbox, RICK)
    lyrics = await say(sandbox, "/lyrics")
    lines = lyrics.splitlines()
    assert lines[0] == (
        "Lyrics for **Never Gonna Give You Up** by Rick Astley (`3:33`) (from youtube (Simulated)):"
    )
    assert lines[1:] == [f"Simulated lyric line {n} of the sandbox song" for n in range(1, 9)]
    asked = [r for r in sandbox.lavalink.requests if r.path.endswith("/track/lyrics")]
    assert len(asked) == 1
    assert asked[0].path.endswith(f"/players/{sandbox.guild_id}/track/lyrics")
    assert asked[0].status == 200


async def test_long_lyrics_are_cut_to_one_message(sandbox: Sandbox) -> None:
    await say(sandbox, RAIN)
    lyrics = await say(sandbox, "/lyrics")
    assert len(lyrics) <= 2000
    assert lyrics.endswith("\n… (cut to fit in one message)")
    assert "Raindrop verse 1:" in lyrics
    assert "Raindrop verse 200:" not in lyrics


async def test_lyrics_cannot_ping_or_format(sandbox: Sandbox) -> None:
    await say(sandbox, TRICKY)
    lyrics = await say(sandbox, "/lyrics")
    assert "@everyone" not in lyrics
    assert "@\u200beveryone" in lyrics
    assert "\\*\\*loud\\*\\*" in lyrics


async def test_no_lyrics_found_and_nothing_playing(sandbox: Sandbox) -> None:
    assert await say(sandbox, "/lyrics") == "Nothing is playing — use /play first."
    await say(sandbox, "/play query:take on me")
    assert await say(sandbox, "/lyrics") == "I couldn't find lyrics for **Take On Me** by a-ha (`3:45`)."


async def test_a_node_without_the_lyrics_plugin_says_so() -> None:
    async with await sandbox_with(lyrics=False) as box:
        await say(box, RICK)
        assert await say(box, "/lyrics") == "Lyrics aren't available: the music server has no lyrics plugin."
        assert not [r for r in box.lavalink.requests if "lyrics" in r.path]


# -- /autoplay ----------------------------------------------------------------------------------


def radio_mix(sandbox: Sandbox, seed_title: str, *titles: str) -> None:
    """Give the simulated YouTube the radio mix ``RD<id>`` of ``seed_title``: the seed, then ``titles``."""
    catalogue = sandbox.lavalink.catalogue
    seed = catalogue.find(seed_title)
    tracks = (seed, *(catalogue.find(title) for title in titles))
    catalogue.playlists.append(
        CataloguePlaylist(
            name=f"Mix - {seed.title}",
            url=f"https://www.youtube.com/watch?v={seed.identifier}&list=RD{seed.identifier}",
            playlist_id=f"RD{seed.identifier}",
            tracks=tracks,
        )
    )


async def test_autoplay_needs_premium(sandbox: Sandbox) -> None:
    refused = await reply(sandbox, "/autoplay mode:on")
    assert refused["content"] == "That needs Premium. Use `/premium upgrade` to unlock it."
    assert refused["components"][0]["components"][0]["style"] == 6
    assert await say(sandbox, "/autoplay mode:off") == "Autoplay is off."


async def test_autoplay_continues_with_a_chosen_song(sandbox: Sandbox) -> None:
    # The mix offers the seed again, the same artist, a ten-hour loop and a live stream: none may play.
    radio_mix(
        sandbox,
        "Never Gonna Give You Up",
        "Never Gonna Give You Up",
        "10 Hours of Rain",
        "lofi hip hop radio",
        "Take On Me",
        "Africa",
    )
    on = await say(sandbox, "/autoplay mode:on", premium=True)
    assert on.startswith("Autoplay is on")
    await say(sandbox, RICK)
    await sandbox.lavalink.finish_track(sandbox.guild_id)
    await eventually(lambda: playing_title(sandbox) not in (None, "Never Gonna Give You Up"))
    assert playing_title(sandbox) == "Take On Me"  # the mix's first song that may play
    loads = [r.query.get("identifier", "") for r in sandbox.lavalink.requests if r.path == "/v4/loadtracks"]
    assert "https://www.youtube.com/watch?v=dQw4w9WgXcQ&list=RDdQw4w9WgXcQ" in loads
    queue = await sandbox.run_command("/queue")  # the front answers from the snapshot autoplay saved
    assert (queue.final or "").startswith("Now playing **Take On Me**")


async def test_autoplay_says_so_once_when_nothing_may_play(sandbox: Sandbox) -> None:
    radio_mix(sandbox, "Never Gonna Give You Up", "Never Gonna Give You Up")
    await say(sandbox, "/autoplay mode:on", premium=True)
    await say(sandbox, RICK)
    await sandbox.lavalink.finish_track(sandbox.guild_id)

    def told() -> list[dict[str, Any]]:
        return sandbox.discord.channel_messages.messages(sandbox.text_channel_id)

    await eventually(lambda: bool(told()))
    [message] = told()
    assert message["content"] == (
        "The queue ran out and autoplay found nothing new to play. Add songs with `/play`."
    )
    assert message["allowed_mentions"] == {"parse": []}
    assert playing_title(sandbox) is None


async def test_autoplay_stays_quiet_when_stopped_or_off(sandbox: Sandbox) -> None:
    radio_mix(sandbox, "Never Gonna Give You Up", "Take On Me")
    await say(sandbox, "/autoplay mode:on", premium=True)
    await say(sandbox, RICK)
    assert await say(sandbox, "/stop") == "Stopped the music and cleared the queue."
    await asyncio.sleep(0.5)
    assert playing_title(sandbox) is None  # a stop is not "the queue ran out"
    assert await say(sandbox, "/autoplay mode:off") == "Autoplay is off."
    await say(sandbox, RICK)
    await sandbox.lavalink.finish_track(sandbox.guild_id)
    await asyncio.sleep(0.5)
    assert playing_title(sandbox) is None
    assert not sandbox.discord.channel_messages.messages(sandbox.text_channel_id)


# -- Discord REST accounting ----------------------------------------------------------------------


async def test_429s_are_counted_by_scope_and_against_the_invalid_request_budget() -> None:
    metrics = RecordingSink()
    overrides = {"encore_sku_tiers": {PREMIUM_SKU: "premium"}}
    async with Sandbox(fleet_options={"metrics": metrics}, settings_overrides=overrides) as box:
        assert box.fleet is not None
        accounting = box.fleet.discord_accounting
        # Two 429s on a reply edit (discord.py's webhook adapter waits them out) ...
        box.discord.faults.rate_limit("/messages/@original", count=2, retry_after=0.05, scope="user")
        assert (await say(box, "/autoplay mode:on", premium=True)).startswith("Autoplay is on")
        # ... and a "shared" 429 on autoplay's channel message (discord.py's HTTP client retries it).
        box.discord.faults.rate_limit("/channels/", count=1, retry_after=0.05, scope="shared", method="POST")
        radio_mix(box, "Never Gonna Give You Up", "Never Gonna Give You Up")
        await say(box, RICK)
        await box.lavalink.finish_track(box.guild_id)
        await eventually(lambda: bool(box.discord.channel_messages.messages(box.text_channel_id)))

        assert accounting.rate_limited == {"user": 2, "shared": 1}
        assert metrics.total("DiscordRateLimited", Scope="user") == 2
        assert metrics.total("DiscordRateLimited", Scope="shared") == 1
        # The shared-scope 429 is not held against the invalid-request budget; the two others are.
        assert accounting.invalid_in_window() == 2
        assert [value for name, value, _ in metrics.values if name == "InvalidRequests"] == [1, 2]
        assert box.discord.invalid_request_count == 2  # what (simulated) Discord holds against us
