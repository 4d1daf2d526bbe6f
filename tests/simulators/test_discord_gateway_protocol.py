"""Gateway protocol details, driven frame by frame with a bare websocket client: close codes,
intents, shard routing of op 4, resume with replay, and the per-connection send limit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from encore.simulators.discord import DiscordSimulator, shard_id_for
from encore.simulators.discord.testing import GatewayProbe

GUILDS = 1 << 0
GUILD_MEMBERS = 1 << 1
GUILD_VOICE_STATES = 1 << 7


class Clock:
    def __init__(self) -> None:
        self.now = 1_750_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def discord_sim() -> AsyncIterator[DiscordSimulator]:
    async with DiscordSimulator(heartbeat_interval_ms=45_000) as simulator:
        yield simulator


async def probe(sim: DiscordSimulator, http: aiohttp.ClientSession) -> GatewayProbe:
    return await GatewayProbe.connect(http, sim.gateway_url)


async def test_hello_heartbeat_and_ack(discord_sim: DiscordSimulator, http: aiohttp.ClientSession) -> None:
    gw = await probe(discord_sim, http)
    assert gw.hello["op"] == 10
    assert gw.hello["d"]["heartbeat_interval"] == 45_000
    await gw.send(1, None)
    assert await gw.receive() == {"op": 11, "d": None, "s": None, "t": None}

    discord_sim.faults.ignore_heartbeats = True
    await gw.send(1, None)
    with pytest.raises(TimeoutError):
        await gw.receive(timeout=0.2)
    await gw.close()


def identify_payload(sim: DiscordSimulator, **overrides: Any) -> dict[str, Any]:
    d: dict[str, Any] = {
        "token": sim.bot_token,
        "intents": GUILDS | GUILD_VOICE_STATES,
        "properties": {"os": "linux", "browser": "probe", "device": "probe"},
    }
    d.update(overrides)
    return d


@pytest.mark.parametrize(
    ("op", "overrides", "code"),
    [
        (2, {"token": "not-the-token"}, 4004),  # authentication failed
        (2, {"shard": [2, 2]}, 4010),  # shard id must be below the shard count
        (2, {"shard": [0, 0]}, 4010),
        (2, {"intents": 1 << 40}, 4013),  # unknown intent bits
        (2, {"intents": None}, 4013),
        (2, {"intents": GUILD_MEMBERS}, 4014),  # privileged and not enabled for the app
        (4, {}, 4003),  # voice state update before IDENTIFY
        (42, {}, 4001),  # unknown opcode
    ],
)
async def test_invalid_first_frames_close_with_discord_codes(
    discord_sim: DiscordSimulator,
    http: aiohttp.ClientSession,
    op: int,
    overrides: dict[str, Any],
    code: int,
) -> None:
    gw = await probe(discord_sim, http)
    await gw.send(op, identify_payload(discord_sim, **overrides))
    assert await gw.wait_closed() == code
    assert discord_sim.identify_count == 0


async def test_garbage_and_double_identify_close_the_connection(
    discord_sim: DiscordSimulator, http: aiohttp.ClientSession
) -> None:
    gw = await probe(discord_sim, http)
    await gw.ws.send_str("{not json")
    assert await gw.wait_closed() == 4002

    gw = await probe(discord_sim, http)
    await gw.identify(discord_sim.bot_token, GUILDS)
    await gw.send(2, identify_payload(discord_sim))
    assert await gw.wait_closed() == 4005


async def test_more_than_120_frames_a_minute_closes_with_4008(
    discord_sim: DiscordSimulator, http: aiohttp.ClientSession
) -> None:
    gw = await probe(discord_sim, http)
    await gw.identify(discord_sim.bot_token, GUILDS)
    for _ in range(120):  # IDENTIFY was the first of 121
        await gw.send(3, {"since": None, "activities": [], "status": "online", "afk": False})
    assert await gw.wait_closed() == 4008


async def test_op4_is_ignored_on_the_wrong_shard_and_answered_on_the_right_one(
    discord_sim: DiscordSimulator, http: aiohttp.ClientSession
) -> None:
    sim = discord_sim
    guilds = [sim.add_guild(f"g{i}") for i in range(2)]
    on_shard_1 = next(g for g in guilds if shard_id_for(g.id, 2) == 1)
    voice = sim.add_voice_channel(on_shard_1.id)
    shard0 = await probe(sim, http)
    await shard0.identify(sim.bot_token, GUILDS | GUILD_VOICE_STATES, [0, 2])
    shard1 = await probe(sim, http)
    ready = await shard1.identify(sim.bot_token, GUILDS | GUILD_VOICE_STATES, [1, 2])
    assert [g["id"] for g in ready["guilds"]] == [str(on_shard_1.id)]
    join = {"guild_id": str(on_shard_1.id), "channel_id": str(voice), "self_mute": False, "self_deaf": True}

    await shard0.send(4, join)
    await sim.flush_gateway()
    assert sim.voice_state(on_shard_1.id, sim.bot_user_id) is None

    await shard1.send(4, join)
    state = await shard1.next_dispatch("VOICE_STATE_UPDATE")
    server = await shard1.next_dispatch("VOICE_SERVER_UPDATE")
    assert state["session_id"] == ready["session_id"]
    assert state["member"]["user"]["id"] == str(sim.bot_user_id)
    assert state["self_deaf"] is True
    assert server["guild_id"] == str(on_shard_1.id)
    voice_events = ("VOICE_STATE_UPDATE", "VOICE_SERVER_UPDATE")
    assert {f.shard_id for f in sim.gateway_log if f.direction == "out" and f.t in voice_events} == {1}

    await shard1.send(4, {**join, "channel_id": None})
    left = await shard1.next_dispatch("VOICE_STATE_UPDATE")
    assert left["channel_id"] is None
    assert sim.voice_state(on_shard_1.id, sim.bot_user_id) is None
    await shard0.close()
    await shard1.close()


async def test_voice_state_updates_need_the_guild_voice_states_intent(
    discord_sim: DiscordSimulator, http: aiohttp.ClientSession
) -> None:
    sim = discord_sim
    guild = sim.add_guild()
    voice = sim.add_voice_channel(guild.id)
    erin = sim.add_member(guild.id, username="erin")
    without = await probe(sim, http)
    await without.identify(sim.bot_token, GUILDS)
    with_intent = await probe(sim, http)
    await with_intent.identify(sim.bot_token, GUILDS | GUILD_VOICE_STATES)

    await sim.set_voice_state(guild.id, erin.id, voice)
    update = await with_intent.next_dispatch("VOICE_STATE_UPDATE")
    assert update["user_id"] == str(erin.id)
    assert update["guild_id"] == str(guild.id)
    assert update["member"]["user"]["username"] == "erin"
    sent = [(f.session_id, f.t) for f in sim.gateway_log if f.direction == "out" and f.t]
    without_session = without.received[1]["d"]["session_id"]
    assert (without_session, "VOICE_STATE_UPDATE") not in sent
    await without.close()
    await with_intent.close()


async def test_resume_replays_missed_dispatches_then_resumed(
    discord_sim: DiscordSimulator, http: aiohttp.ClientSession
) -> None:
    sim = discord_sim
    guild = sim.add_guild()
    voice = sim.add_voice_channel(guild.id)
    fay = sim.add_member(guild.id, username="fay")
    gw = await probe(sim, http)
    ready = await gw.identify(sim.bot_token, GUILDS | GUILD_VOICE_STATES)
    await gw.next_dispatch("GUILD_CREATE")
    last_seq = gw.received[-1]["s"]
    await gw.close(4000)

    await sim.set_voice_state(guild.id, fay.id, voice)  # happens while disconnected
    await sim.set_voice_state(guild.id, fay.id, None)

    gw = await probe(sim, http)
    await gw.send(6, {"token": sim.bot_token, "session_id": ready["session_id"], "seq": last_seq})
    replayed = [await gw.receive() for _ in range(3)]
    assert [(f["t"], f["s"]) for f in replayed if f] == [
        ("VOICE_STATE_UPDATE", last_seq + 1),
        ("VOICE_STATE_UPDATE", last_seq + 2),
        ("RESUMED", last_seq + 3),
    ]
    assert sim.identify_count == 1
    await gw.close()


async def test_resume_of_an_unknown_or_expired_session_is_refused(http: aiohttp.ClientSession) -> None:
    clock = Clock()
    async with DiscordSimulator(clock=clock, resume_window=180.0) as sim:
        gw = await probe(sim, http)
        await gw.send(6, {"token": sim.bot_token, "session_id": "nope", "seq": 1})
        assert await gw.receive() == {"op": 9, "d": False, "s": None, "t": None}
        await gw.close()

        gw = await probe(sim, http)
        ready = await gw.identify(sim.bot_token, GUILDS)
        await gw.close(4000)
        await sim.flush_gateway()
        clock.now += 181
        gw = await probe(sim, http)
        await gw.send(6, {"token": sim.bot_token, "session_id": ready["session_id"], "seq": 1})
        assert await gw.receive() == {"op": 9, "d": False, "s": None, "t": None}
        await gw.close()


async def test_a_clean_client_close_ends_the_session(
    discord_sim: DiscordSimulator, http: aiohttp.ClientSession
) -> None:
    gw = await probe(discord_sim, http)
    ready = await gw.identify(discord_sim.bot_token, GUILDS)
    await gw.close(1000)
    gw = await probe(discord_sim, http)
    await gw.send(6, {"token": discord_sim.bot_token, "session_id": ready["session_id"], "seq": 1})
    assert (await gw.receive() or {}).get("op") == 9
    await gw.close()


async def test_each_identify_uses_one_session_start(
    discord_sim: DiscordSimulator, http: aiohttp.ClientSession
) -> None:
    headers = {"Authorization": f"Bot {discord_sim.bot_token}"}
    for _ in range(2):
        gw = await probe(discord_sim, http)
        await gw.identify(discord_sim.bot_token, GUILDS)
        await gw.close()
    async with http.get(discord_sim.api_base + "/gateway/bot", headers=headers) as response:
        body = await response.json()
    assert body["url"] == discord_sim.gateway_url
    limit = body["session_start_limit"]
    assert limit["total"] - limit["remaining"] == 2
    assert 0 < limit["reset_after"] <= 86_400_000
