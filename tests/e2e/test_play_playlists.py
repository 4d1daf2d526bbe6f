"""``/play`` with a playlist URL the whole way: the first song plays at once when nothing was playing,
the rest is queued, and a full queue takes none of it (and says why)."""

from __future__ import annotations

from dataclasses import replace

from encore.envelope import CommandEnvelope
from encore.tiers import FREE, Tier
from encore_cli.sandbox import Sandbox
from tests.e2e.test_player_features import MIX, fleet_player, say

FULL = "The queue is full: this server's plan allows 3 songs. Use `/premium upgrade` for a longer queue."


async def test_a_playlist_starts_playing_then_a_full_queue_takes_no_more() -> None:
    small = replace(FREE, queue_length=3)

    async def small_tier(envelope: CommandEnvelope) -> Tier:
        return small

    async with Sandbox(fleet_options={"tiers": small_tier}) as sandbox:
        loaded = await say(sandbox, f"/play query:{MIX}")
        # Four songs: one playing and three queued fit in a plan of three, so nothing is cut.
        assert loaded.startswith("Loaded playlist **Encore Test Mix**: 4 tracks. Now playing **")
        assert "Only" not in loaded
        first = await sandbox.lavalink.wait_for_track(sandbox.guild_id, "")
        assert first.track is not None
        assert first.track["info"]["title"] in loaded
        player = fleet_player(sandbox)
        assert player is not None
        queued = [track.title for track in player.queue]
        assert len(queued) == 3

        assert await say(sandbox, f"/play query:{MIX}") == FULL
        assert [track.title for track in player.queue] == queued
