"""The player's shared-listening features, the whole way: signed interactions through the front and
the queue to the fleet, checked on the Lavalink simulator's players and the Discord simulator's
messages. Fair queue and /play next, the search picker, /history, vote-skip, 24/7, leaving when
alone or idle, and the now-playing announcement."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from typing import Any, cast

import pytest
import wavelink

from encore.command_line import parse_command_line
from encore.commands import CATALOGUE
from encore.custom_ids import NowPlayingAction, NowPlayingButton, SearchPick, decode, encode
from encore.envelope import CommandEnvelope
from encore.guild_settings import GuildPreferences
from encore.simulators.discord.world import SimMember
from encore.tiers import FREE, Tier
from encore_cli.sandbox import Sandbox, discord_options

RICK = "/play query:never gonna give you up"
DAFT = "/play query:daft punk one more time"
QUEEN = "/play query:bohemian rhapsody"
AHA = "/play query:take on me"
JINGLE = "/play query:short jingle"
MIX = "https://www.youtube.com/playlist?list=PLencoreTestMix01"
PREMIUM_SKU = 777_000_000_000_000_001


@dataclass
class Preferences:
    """The guild preferences the fleet reads (a settable stand-in for the database's)."""

    prefs: GuildPreferences = field(default_factory=GuildPreferences)

    async def get(self, guild_id: int) -> GuildPreferences:
        return self.prefs


@pytest.fixture
def prefs() -> Preferences:
    return Preferences()


@pytest.fixture
async def sandbox(prefs: Preferences) -> AsyncIterator[Sandbox]:
    box = Sandbox(
        fleet_options={"guild_settings": prefs},
        settings_overrides={
            "encore_alone_timeout_seconds": 0.3,
            "encore_idle_timeout_seconds": 0.3,
            "encore_sku_tiers": {PREMIUM_SKU: "premium"},
        },
    )
    async with box:
        yield box


async def as_member(
    sandbox: Sandbox, user_id: int, line: str, *, entitlements: list[dict[str, Any]] | None = None
) -> str:
    """Run ``line`` as ``user_id``; the text of the final reply (ephemeral answers included)."""
    typed = parse_command_line(line, CATALOGUE)
    exchange = await sandbox.discord.send_slash_command(
        sandbox.guild_id,
        sandbox.text_channel_id,
        user_id,
        typed.name,
        discord_options(typed),
        entitlements=entitlements,
    )
    body = exchange.body or {}
    if body.get("type") == 4:
        return str(body["data"]["content"])
    assert body.get("type") == 5, body
    message = await sandbox.discord.wait_for_original_edit(exchange.token)
    return str(message.get("content", ""))


async def say(sandbox: Sandbox, line: str) -> str:
    return await as_member(sandbox, sandbox.user_id, line)


async def listener(sandbox: Sandbox, name: str, roles: list[int] | None = None) -> SimMember:
    """Another member, in the sandbox's voice channel."""
    member = sandbox.discord.add_member(sandbox.guild_id, username=name, roles=roles)
    await sandbox.discord.set_voice_state(sandbox.guild_id, member.id, sandbox.voice_channel_id)
    return member


def playing_title(sandbox: Sandbox) -> str | None:
    player = sandbox.lavalink.player(sandbox.guild_id)
    return None if player is None or player.track is None else str(player.track["info"]["title"])


def fleet_player(sandbox: Sandbox) -> wavelink.Player | None:
    assert sandbox.fleet is not None
    guild = sandbox.fleet.client.get_guild(sandbox.guild_id)
    return cast(wavelink.Player | None, guild.voice_client if guild is not None else None)


async def eventually(check: Callable[[], bool], timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.02)


def bot_in_voice(sandbox: Sandbox) -> bool:
    return sandbox.discord.voice_state(sandbox.guild_id, sandbox.discord.bot_user_id) is not None


async def test_the_queue_takes_turns_and_play_next_jumps_it(sandbox: Sandbox) -> None:
    await say(sandbox, RICK)
    assert (await say(sandbox, DAFT)).endswith("(position 1 in the queue)")
    assert (await say(sandbox, QUEEN)).endswith("(position 2 in the queue)")
    other = await listener(sandbox, "other")
    # A newcomer does not wait behind everything "you" queued: their song goes next.
    assert (await as_member(sandbox, other.id, AHA)).endswith("(position 1 in the queue)")
    assert await say(sandbox, "/play query:africa toto next:true") == (
        "Queued **Africa** by TOTO (`4:55`) to play next."
    )
    queue = await say(sandbox, "/queue")  # the front reads the snapshot the fleet saved
    order = [queue.index(t) for t in ("Africa", "Take On Me", "One More Time", "Bohemian Rhapsody")]
    assert order == sorted(order)
    assert "Take On Me" in await say(sandbox, "/skip to:2")
    assert playing_title(sandbox) == "Take On Me"


async def test_play_next_is_for_djs_once_a_dj_role_is_set(sandbox: Sandbox, prefs: Preferences) -> None:
    prefs.prefs = replace(prefs.prefs, dj_role_id=sandbox.discord.add_role(sandbox.guild_id, "DJ"))
    await say(sandbox, RICK)
    assert await say(sandbox, f"{DAFT} next:true") == "Only DJs can do that (the DJ role, or Manage Server)."
    player = fleet_player(sandbox)
    assert player is not None
    assert len(player.queue) == 0


async def test_the_queue_and_playlists_stop_at_the_tiers_length() -> None:
    tiny = replace(FREE, queue_length=3)

    async def tiny_tier(envelope: CommandEnvelope) -> Tier:
        return tiny

    async with Sandbox(fleet_options={"tiers": tiny_tier}) as sandbox:
        await say(sandbox, RICK)
        loaded = await say(sandbox, f"/play query:{MIX}")
        assert loaded.startswith("Loaded playlist **Encore Test Mix**: 3 tracks.")
        assert loaded.endswith("Only 3 of 4 songs fit in the queue (this server's plan allows 3).")
        assert await say(sandbox, QUEEN) == (
            "The queue is full: this server's plan allows 3 songs. Use `/premium upgrade` for a longer queue."
        )
        player = fleet_player(sandbox)
        assert player is not None
        assert len(player.queue) == 3


async def test_search_shows_a_picker_and_the_pick_plays(sandbox: Sandbox) -> None:
    typed = parse_command_line("/search query:daft punk", CATALOGUE)
    exchange = await sandbox.discord.send_slash_command(
        sandbox.guild_id, sandbox.text_channel_id, sandbox.user_id, typed.name, discord_options(typed)
    )
    message = await sandbox.discord.wait_for_original_edit(exchange.token)
    assert message["content"] == "Pick a result for `daft punk`:"
    assert message["allowed_mentions"] == {"parse": []}
    select = message["components"][0]["components"][0]
    assert select["type"] == 3
    pick = decode(select["custom_id"])
    assert isinstance(pick, SearchPick)
    assert pick.guild_id == sandbox.guild_id
    labels = [option["label"] for option in select["options"]]
    assert "Harder, Better, Faster, Stronger" in labels
    chosen = labels.index("Harder, Better, Faster, Stronger")

    clicked = await sandbox.discord.send_component(
        sandbox.guild_id,
        sandbox.text_channel_id,
        sandbox.user_id,
        select["custom_id"],
        message=message,
        component_type=3,
        values=[str(chosen)],
    )
    assert (clicked.body or {}).get("type") == 6
    reply = await sandbox.discord.wait_for_original_edit(clicked.token)
    assert reply["content"].startswith("Now playing **Harder, Better, Faster, Stronger** by Daft Punk")
    assert playing_title(sandbox) == "Harder, Better, Faster, Stronger"


async def test_a_stale_pick_asks_for_a_new_search(sandbox: Sandbox) -> None:
    stale = encode(SearchPick(sandbox.guild_id, "gone"))
    clicked = await sandbox.discord.send_component(
        sandbox.guild_id, sandbox.text_channel_id, sandbox.user_id, stale, component_type=3, values=["0"]
    )
    reply = await sandbox.discord.wait_for_original_edit(clicked.token)
    assert reply["content"] == "Those search results have expired. Use `/search` again."
    assert playing_title(sandbox) is None


async def test_history_lists_what_played_newest_first(sandbox: Sandbox) -> None:
    assert await say(sandbox, "/history") == "Nothing has played yet."
    await say(sandbox, RICK)
    await say(sandbox, DAFT)
    await say(sandbox, QUEEN)
    await say(sandbox, "/skip")
    await say(sandbox, "/skip")
    history = await say(sandbox, "/history")
    assert history.splitlines() == [
        "Recently played (newest first):",
        "`1.` **One More Time** by Daft Punk (`5:20`)",
        "`2.` **Never Gonna Give You Up** by Rick Astley (`3:33`)",
    ]


async def test_listeners_vote_to_skip(sandbox: Sandbox, prefs: Preferences) -> None:
    dj_role = sandbox.discord.add_role(sandbox.guild_id, "DJ")
    prefs.prefs = replace(prefs.prefs, dj_role_id=dj_role, vote_skip_ratio=50)
    await say(sandbox, RICK)
    await say(sandbox, DAFT)
    first, second = await listener(sandbox, "first"), await listener(sandbox, "second")
    # Three listeners, half of them rounded up: two votes skip the song.
    assert await as_member(sandbox, first.id, "/skip") == (
        "Your vote to skip **Never Gonna Give You Up** by Rick Astley (`3:33`) counts: 1/2 votes."
    )
    assert playing_title(sandbox) == "Never Gonna Give You Up"
    assert await as_member(sandbox, first.id, "/skip") == "You already voted to skip this song: 1/2 votes."
    assert await as_member(sandbox, first.id, "/skip to:1") == (
        "Only DJs can do that (the DJ role, or Manage Server)."
    )
    passed = await as_member(sandbox, second.id, "/skip")
    assert passed.startswith("Vote passed (2/2). Skipped **Never Gonna Give You Up**")
    assert playing_title(sandbox) == "One More Time"
    # The song's requester ("you") and DJs skip without a vote.
    dj = await listener(sandbox, "dj", roles=[dj_role])
    assert (await as_member(sandbox, dj.id, "/skip")).startswith("Skipped **One More Time**")


async def test_24_7_needs_premium_and_then_stays_when_alone(sandbox: Sandbox) -> None:
    await say(sandbox, RICK)
    refused = await say(sandbox, "/247")
    assert refused.startswith("That needs Premium.")
    premium = [{"id": "1234", "sku_id": str(PREMIUM_SKU), "type": 8, "ends_at": None}]
    on = await as_member(sandbox, sandbox.user_id, "/247", entitlements=premium)
    assert on == f"24/7 is on: I'll stay in <#{sandbox.voice_channel_id}> even when nobody is listening."
    await sandbox.set_listening(False)
    await asyncio.sleep(1.0)  # well past the 0.3 s alone timeout
    assert bot_in_voice(sandbox)
    assert playing_title(sandbox) == "Never Gonna Give You Up"


async def test_the_bot_leaves_when_alone(sandbox: Sandbox) -> None:
    await say(sandbox, RICK)
    await say(sandbox, DAFT)
    await sandbox.set_listening(False)
    await eventually(lambda: not bot_in_voice(sandbox))
    await eventually(lambda: sandbox.lavalink.player(sandbox.guild_id) is None)
    await sandbox.set_listening(True)
    assert await say(sandbox, "/nowplaying") == "Nothing is playing right now."  # snapshot forgotten


async def test_someone_coming_back_in_time_keeps_the_bot(sandbox: Sandbox) -> None:
    await say(sandbox, RICK)
    await sandbox.set_listening(False)
    await sandbox.set_listening(True)
    await asyncio.sleep(1.0)
    assert bot_in_voice(sandbox)


async def test_the_bot_leaves_when_idle(sandbox: Sandbox) -> None:
    await say(sandbox, RICK)
    assert await say(sandbox, "/stop") == "Stopped the music and cleared the queue."
    await eventually(lambda: not bot_in_voice(sandbox))


async def test_now_playing_is_announced_then_edited_per_track(sandbox: Sandbox, prefs: Preferences) -> None:
    prefs.prefs = replace(prefs.prefs, announce_channel_id=sandbox.text_channel_id)
    await say(sandbox, "/play query:bold title everyone")
    await say(sandbox, DAFT)
    channel = sandbox.text_channel_id

    def announcements() -> list[dict[str, Any]]:
        return sandbox.discord.channel_messages.messages(channel)

    await eventually(lambda: len(announcements()) == 1)
    first = announcements()[0]
    assert first["allowed_mentions"] == {"parse": []}
    assert first["mentions"] == []
    assert first["mention_roles"] == []
    assert not first["mention_everyone"]
    assert first["content"].startswith("🎶 Now playing **\\*\\*Bold\\*\\* \\_Title\\_")
    assert "@\u200beveryone" in first["content"]  # neutralised: no ping even if mentions were parsed
    assert first["content"].endswith(f"requested by <@{sandbox.user_id}>")
    custom_ids = [b["custom_id"] for row in first["components"] for b in row["components"]]
    assert encode(NowPlayingButton(sandbox.guild_id, NowPlayingAction.SKIP)) in custom_ids
    assert encode(NowPlayingButton(sandbox.guild_id, NowPlayingAction.PAUSE)) in custom_ids

    await say(sandbox, "/skip")
    await eventually(lambda: "One More Time" in announcements()[0]["content"])
    assert len(announcements()) == 1  # the same message, edited
    assert announcements()[0]["edited_timestamp"] is not None


async def test_the_fleet_answers_in_the_listeners_language(sandbox: Sandbox) -> None:
    typed = parse_command_line("/history", CATALOGUE)
    exchange = await sandbox.discord.send_slash_command(
        sandbox.guild_id, sandbox.text_channel_id, sandbox.user_id, typed.name, [], locale="fr"
    )
    message = await sandbox.discord.wait_for_original_edit(exchange.token)
    assert message["content"] == "Rien n'a encore été joué."


async def test_the_announcements_buttons_control_the_player(sandbox: Sandbox, prefs: Preferences) -> None:
    prefs.prefs = replace(prefs.prefs, announce_channel_id=sandbox.text_channel_id)
    await say(sandbox, RICK)
    await say(sandbox, DAFT)
    await eventually(lambda: len(sandbox.discord.channel_messages.messages(sandbox.text_channel_id)) == 1)
    [announcement] = sandbox.discord.channel_messages.messages(sandbox.text_channel_id)
    skip = encode(NowPlayingButton(sandbox.guild_id, NowPlayingAction.SKIP))
    clicked = await sandbox.discord.send_component(
        sandbox.guild_id, sandbox.text_channel_id, sandbox.user_id, skip, message=announcement
    )
    assert (clicked.body or {}).get("type") == 6
    await eventually(lambda: playing_title(sandbox) == "One More Time")
    await eventually(
        lambda: (
            "One More Time"
            in sandbox.discord.channel_messages.messages(sandbox.text_channel_id)[0]["content"]
        )
    )
