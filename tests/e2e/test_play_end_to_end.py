"""One /play, the whole way: signed interaction → front → SQS (moto) → fleet → discord.py voice
join → wavelink → Lavalink → the deferred reply edited to "Now playing"."""

from __future__ import annotations

from encore.simulators.recording import RecordedRequest
from encore_cli.sandbox import Sandbox


def is_original_edit(request: RecordedRequest) -> bool:
    return request.method == "PATCH" and request.path.endswith("/messages/@original")


async def test_play_reaches_lavalink_and_edits_the_reply(stack: Sandbox) -> None:
    outcome = await stack.run_command("/play query:never gonna give you up")

    assert outcome.final is not None
    assert outcome.final.startswith("Now playing **Never Gonna Give You Up** by Rick Astley")

    # The front deferred (type 5) after queueing: Discord saw the deferral, not an error.
    lavalink = stack.lavalink.requests
    voice = [r for r in lavalink.matching("PATCH", "/players/") if (r.json or {}).get("voice")]
    assert voice, "wavelink never sent the voice state to Lavalink"
    assert voice[0].json["voice"]["channelId"] == str(stack.voice_channel_id)
    assert voice[0].json["voice"]["token"]
    assert voice[0].json["voice"]["endpoint"]
    plays = [r for r in lavalink.matching("PATCH", "/players/") if (r.json or {}).get("track")]
    assert plays, "no play was sent to Lavalink"
    player = stack.lavalink.player(stack.guild_id)
    assert player is not None
    assert player.track is not None
    assert player.track["info"]["title"] == "Never Gonna Give You Up"

    edits = [r for r in stack.discord.requests.all() if is_original_edit(r)]
    assert len(edits) == 1
    assert "Never Gonna Give You Up" in edits[0].json["content"]
    assert edits[0].json["allowed_mentions"] == {"parse": []}

    # The bot joined the listener's channel over the gateway (op 4 on the guild's shard).
    op4 = [f for f in stack.discord.gateway_log if f.direction == "in" and f.op == 4]
    assert op4
    assert int(op4[0].d["channel_id"]) == stack.voice_channel_id


async def test_second_play_is_queued(stack: Sandbox) -> None:
    first = await stack.run_command("/play query:never gonna give you up")
    second = await stack.run_command("/play query:daft punk one more time")
    assert first.final is not None
    assert first.final.startswith("Now playing")
    assert second.final is not None
    assert second.final.startswith("Queued **One More Time** by Daft Punk")
    assert "position 1" in second.final
    assert "One More Time" in stack.player_state()  # shown as up next


async def test_listener_not_in_voice_is_told_to_join(stack: Sandbox) -> None:
    await stack.set_listening(False)
    outcome = await stack.run_command("/play query:never gonna give you up")
    assert outcome.final == "Join a voice channel first, then use `/play` again."
    assert not [r for r in stack.lavalink.requests.matching("PATCH", "/players/")]


async def test_no_results_says_so(stack: Sandbox) -> None:
    outcome = await stack.run_command("/play query:zzqx no such song anywhere")
    assert outcome.final == "I found nothing for `zzqx no such song anywhere`."
    assert stack.lavalink.player(stack.guild_id) is None  # did not join for nothing


async def test_load_error_is_explained(stack: Sandbox) -> None:
    stack.lavalink.faults.load_result(
        "rick",
        {
            "loadType": "error",
            "data": {"message": "This video is age restricted", "severity": "common", "cause": "x"},
        },
    )
    outcome = await stack.run_command("/play query:rick astley")
    # Every source of the fallback order refused it; the listener hears why, in plain words.
    assert outcome.final == "That song is age-restricted on YouTube, so I can't play it."


async def test_markdown_and_mentions_in_titles_cannot_format_or_ping(stack: Sandbox) -> None:
    outcome = await stack.run_command("/play query:bold title")
    assert outcome.final is not None
    assert "\\*\\*Bold\\*\\*" in outcome.final
    assert "@everyone" not in outcome.final.replace("@\u200beveryone", "")


async def test_front_answers_queue_and_nowplaying_from_the_fleets_snapshot(stack: Sandbox) -> None:
    await stack.run_command("/play query:never gonna give you up")
    await stack.run_command("/play query:daft punk one more time")
    nowplaying = await stack.run_command("/nowplaying")
    assert nowplaying.final is not None
    assert nowplaying.final.startswith("Now playing **Never Gonna Give You Up** by Rick Astley `0:")
    queue = await stack.run_command("/queue")
    assert queue.final is not None
    assert "`1.` **One More Time** by Daft Punk `5:20`" in queue.final
    # Both were answered by the front from the snapshot: nothing more went to the fleet.
    edits = [r for r in stack.discord.requests.all() if is_original_edit(r)]
    assert len(edits) == 2
