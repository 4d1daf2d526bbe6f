"""Gateway edge cases driven frame by frame: binary and malformed frames (4002), RESUME refused with
Discord's codes, a session resumed on a second connection, lost replay history, exhausted session
starts (Discord resets the token: 4004) and member chunk requests (op 8)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from encore.simulators.discord import DiscordSimulator
from encore.simulators.discord.testing import GatewayProbe

GUILDS = 1 << 0
GUILD_VOICE_STATES = 1 << 7
PROPERTIES = {"os": "linux", "browser": "probe", "device": "probe"}


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def sim() -> AsyncIterator[DiscordSimulator]:
    async with DiscordSimulator(heartbeat_interval_ms=45_000) as simulator:
        yield simulator


async def probe(sim: DiscordSimulator, http: aiohttp.ClientSession) -> GatewayProbe:
    return await GatewayProbe.connect(http, sim.gateway_url)


async def test_binary_frames_and_an_identify_without_properties_are_decode_errors(
    sim: DiscordSimulator, http: aiohttp.ClientSession
) -> None:
    gw = await probe(sim, http)
    await gw.ws.send_bytes(b'{"op": 1, "d": null}')  # the simulator speaks plain JSON text only
    assert await gw.wait_closed() == 4002

    gw = await probe(sim, http)
    await gw.send(2, {"token": sim.bot_token, "intents": GUILDS})
    assert await gw.wait_closed() == 4002
    assert sim.identify_count == 0


async def test_resume_is_refused_with_discords_close_codes(
    sim: DiscordSimulator, http: aiohttp.ClientSession
) -> None:
    gw = await probe(sim, http)
    ready = await gw.identify(sim.bot_token, GUILDS)
    await gw.send(6, {"token": sim.bot_token, "session_id": ready["session_id"], "seq": 1})
    assert await gw.wait_closed() == 4005  # already authenticated on this connection

    gw = await probe(sim, http)
    await gw.send(6, [ready["session_id"]])
    assert await gw.wait_closed() == 4002

    gw = await probe(sim, http)
    await gw.send(6, {"token": "not-the-token", "session_id": ready["session_id"], "seq": 1})
    assert await gw.wait_closed() == 4004

    gw = await probe(sim, http)
    await gw.send(6, {"token": sim.bot_token, "session_id": ready["session_id"], "seq": 10_000})
    assert await gw.wait_closed() == 4007  # a seq the session never reached


async def test_resuming_on_a_new_connection_closes_the_old_one(
    sim: DiscordSimulator, http: aiohttp.ClientSession
) -> None:
    old = await probe(sim, http)
    ready = await old.identify(sim.bot_token, GUILDS)
    seq = old.received[-1]["s"]

    new = await probe(sim, http)
    await new.send(6, {"token": sim.bot_token, "session_id": ready["session_id"], "seq": seq})
    assert (await new.next_dispatch("RESUMED")) is not None
    assert await old.wait_closed() == 4000
    assert sim.identify_count == 1
    await new.close()


async def test_a_resume_whose_missed_events_fell_out_of_the_buffer_is_invalid(
    sim: DiscordSimulator, http: aiohttp.ClientSession
) -> None:
    guild = sim.add_guild()
    voice = sim.add_voice_channel(guild.id)
    fay = sim.add_member(guild.id, username="fay")
    gw = await probe(sim, http)
    ready = await gw.identify(sim.bot_token, GUILDS | GUILD_VOICE_STATES)
    await gw.next_dispatch("GUILD_CREATE")
    await gw.close(4000)
    await sim.flush_gateway()
    for _ in range(501):  # 1,002 dispatches while away: more than the 1,000 Discord keeps
        await sim.set_voice_state(guild.id, fay.id, voice)
        await sim.set_voice_state(guild.id, fay.id, None)

    gw = await probe(sim, http)
    await gw.send(6, {"token": sim.bot_token, "session_id": ready["session_id"], "seq": 1})
    assert await gw.receive() == {"op": 9, "d": False, "s": None, "t": None}
    await gw.close()
    # The session is gone for good: a later resume is refused too.
    gw = await probe(sim, http)
    await gw.send(6, {"token": sim.bot_token, "session_id": ready["session_id"], "seq": 1_003})
    assert await gw.receive() == {"op": 9, "d": False, "s": None, "t": None}
    await gw.close()


async def test_identify_after_the_session_start_limit_fails_authentication(
    http: aiohttp.ClientSession,
) -> None:
    async with DiscordSimulator(session_start_total=1) as sim:
        gw = await probe(sim, http)
        await gw.identify(sim.bot_token, GUILDS)
        await gw.close()
        gw = await probe(sim, http)
        await gw.send(2, {"token": sim.bot_token, "intents": GUILDS, "properties": PROPERTIES})
        assert await gw.wait_closed() == 4004
        assert sim.identify_count == 1


async def test_request_guild_members_answers_one_chunk(
    sim: DiscordSimulator, http: aiohttp.ClientSession
) -> None:
    guild = sim.add_guild()
    ann = sim.add_member(guild.id, username="Ann")
    sim.add_member(guild.id, username="anton")
    bob = sim.add_member(guild.id, username="bob")
    gw = await probe(sim, http)
    await gw.identify(sim.bot_token, GUILDS)

    await gw.send(8, {"guild_id": str(guild.id), "user_ids": [str(bob.id), "42"], "nonce": "n1"})
    chunk = await gw.next_dispatch("GUILD_MEMBERS_CHUNK")
    assert [m["user"]["id"] for m in chunk["members"]] == [str(bob.id)]
    assert (chunk["not_found"], chunk["nonce"], chunk["chunk_count"]) == (["42"], "n1", 1)

    await gw.send(8, {"guild_id": str(guild.id), "query": "an", "limit": 1})
    chunk = await gw.next_dispatch("GUILD_MEMBERS_CHUNK")
    assert [m["user"]["id"] for m in chunk["members"]] == [str(ann.id)]
    assert "nonce" not in chunk
    await gw.close()
