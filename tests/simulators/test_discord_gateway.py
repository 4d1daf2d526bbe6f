"""The real discord.py 2.7 logs in, shards, caches voice states and joins voice through the
Discord simulator, and reacts to its gateway faults the way it reacts to Discord's."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any, cast

import discord
import pytest

from encore.simulators.discord import DiscordSimulator, GatewayFrame, shard_id_for
from encore.simulators.discord.testing import discord_py_pointed_at, running_client


def intents() -> discord.Intents:
    value = discord.Intents.none()
    value.guilds = True
    value.voice_states = True
    return value


class FastClient(discord.Client):
    """discord.py sleeps 5 s before every IDENTIFY but the first; tests do not."""

    def __init__(self, **options: Any) -> None:
        options.setdefault("intents", intents())
        super().__init__(guild_ready_timeout=0.05, **options)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None


class FastShardedClient(discord.AutoShardedClient):
    def __init__(self, **options: Any) -> None:
        options.setdefault("intents", intents())
        super().__init__(guild_ready_timeout=0.05, **options)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None


class RecordingVoice(discord.VoiceProtocol):
    """The smallest voice protocol: asks for voice over the gateway and records the answers
    (what wavelink.Player does before it hands them to Lavalink)."""

    def __init__(self, client: discord.Client, channel: discord.abc.Connectable) -> None:
        super().__init__(client, channel)
        self.voice_channel = cast("discord.VoiceChannel", channel)
        self.states: list[dict[str, Any]] = []
        self.servers: list[dict[str, Any]] = []
        self.changed = asyncio.Event()

    async def on_voice_state_update(self, data: Any, /) -> None:
        self.states.append(dict(data))
        self.changed.set()

    async def on_voice_server_update(self, data: Any, /) -> None:
        self.servers.append(dict(data))
        self.changed.set()

    async def wait_for(self, what: str, count: int, timeout: float = 2.0) -> None:
        async with asyncio.timeout(timeout):
            while len(getattr(self, what)) < count:
                self.changed.clear()
                await self.changed.wait()

    async def connect(
        self, *, timeout: float, reconnect: bool, self_deaf: bool = False, self_mute: bool = False
    ) -> None:
        await self.voice_channel.guild.change_voice_state(
            channel=self.voice_channel, self_deaf=self_deaf, self_mute=self_mute
        )
        await self.wait_for("servers", 1, timeout)

    async def disconnect(self, *, force: bool) -> None:
        await self.voice_channel.guild.change_voice_state(channel=None)
        self.cleanup()


@pytest.fixture
async def discord_sim() -> AsyncIterator[DiscordSimulator]:
    async with DiscordSimulator() as simulator:
        with discord_py_pointed_at(simulator):
            yield simulator


def frames(sim: DiscordSimulator, direction: str, **match: Any) -> list[GatewayFrame]:
    return [
        f
        for f in sim.gateway_log
        if f.direction == direction and all(getattr(f, k) == v for k, v in match.items())
    ]


def waiter(client: discord.Client, event: str, timeout: float = 3.0, **kwargs: Any) -> asyncio.Task[Any]:
    return asyncio.ensure_future(client.wait_for(event, timeout=timeout, **kwargs))


async def test_ready_and_guild_create_give_discord_py_channels_members_and_voice_states(
    discord_sim: DiscordSimulator,
) -> None:
    sim = discord_sim
    guild = sim.add_guild("Sandbox")
    voice = sim.add_voice_channel(guild.id, "Lounge")
    text = sim.add_text_channel(guild.id, "general")
    alice = sim.add_member(guild.id, username="alice")
    await sim.set_voice_state(guild.id, alice.id, voice, self_deaf=True)
    client = FastClient()

    async with running_client(client, sim.bot_token):
        assert client.user is not None
        assert client.user.id == sim.bot_user_id
        assert client.application_id == sim.application_id
        cached = client.get_guild(guild.id)
        assert cached is not None
        assert cached.name == "Sandbox"
        lounge = cached.get_channel(voice)
        assert isinstance(lounge, discord.VoiceChannel)
        assert lounge.bitrate == 64_000
        assert isinstance(cached.get_channel(text), discord.TextChannel)
        member = cached.get_member(alice.id)
        assert member is not None
        assert member.voice is not None
        assert member.voice.channel == lounge
        assert member.voice.self_deaf is True
        assert cached.me.id == sim.bot_user_id
        assert cached.default_role.id == guild.id

    paths = [r.path for r in sim.requests]
    assert paths[:2] == ["/api/v10/users/@me", "/api/v10/oauth2/applications/@me"]
    identify = frames(sim, "in", op=2)[0]
    assert identify.d["intents"] == intents().value
    assert [f.t for f in frames(sim, "out", op=0)][:2] == ["READY", "GUILD_CREATE"]
    sequence = [f.s for f in frames(sim, "out", op=0)]
    assert sequence == list(range(1, len(sequence) + 1))


async def test_voice_state_update_moves_members_in_discord_py_cache(
    discord_sim: DiscordSimulator,
) -> None:
    sim = discord_sim
    guild = sim.add_guild()
    first = sim.add_voice_channel(guild.id, "One")
    second = sim.add_voice_channel(guild.id, "Two")
    bob = sim.add_member(guild.id, username="bob")
    client = FastClient()

    async with running_client(client, sim.bot_token):
        joined = waiter(client, "voice_state_update")
        await sim.set_voice_state(guild.id, bob.id, first)
        member, before, after = await joined
        assert member.id == bob.id
        assert before.channel is None
        assert after.channel is not None
        assert after.channel.id == first

        moved = waiter(client, "voice_state_update")
        await sim.set_voice_state(guild.id, bob.id, second)
        _, before, after = await moved
        assert before.channel is not None
        assert before.channel.id == first
        assert after.channel is not None
        assert after.channel.id == second
        channel = client.get_channel(second)
        assert isinstance(channel, discord.VoiceChannel)
        assert [m.id for m in channel.members] == [bob.id]

        left = waiter(client, "voice_state_update")
        await sim.set_voice_state(guild.id, bob.id, None)
        _, _, after = await left
        assert after.channel is None
        assert sim.voice_state(guild.id, bob.id) is None


async def test_autosharded_client_gets_each_guild_on_its_own_shard(discord_sim: DiscordSimulator) -> None:
    sim = discord_sim
    guilds = [sim.add_guild(f"guild-{i}") for i in range(4)]
    # Ids carry their own millisecond, so consecutive guilds alternate between two shards.
    assert sorted(shard_id_for(g.id, 2) for g in guilds) == [0, 0, 1, 1]
    client = FastShardedClient(shard_count=2, shard_ids=[0, 1])

    async with running_client(client, sim.bot_token):
        for guild in guilds:
            cached = client.get_guild(guild.id)
            assert cached is not None
            assert cached.shard_id == shard_id_for(guild.id, 2)
        for ready in frames(sim, "out", t="READY"):
            assert ready.shard_id is not None
            listed = {int(g["id"]) for g in ready.d["guilds"]}
            assert listed == {g.id for g in guilds if shard_id_for(g.id, 2) == ready.shard_id}
            assert ready.d["shard"] == [ready.shard_id, 2]
        for created in frames(sim, "out", t="GUILD_CREATE"):
            assert created.shard_id == shard_id_for(int(created.d["id"]), 2)

        joined = waiter(client, "guild_join")
        late = sim.add_guild("late")
        assert (await joined).id == late.id
        assert frames(sim, "out", t="GUILD_CREATE")[-1].shard_id == shard_id_for(late.id, 2)

    assert sim.identify_count == 2


async def test_autosharded_client_without_shard_count_asks_gateway_bot() -> None:
    async with DiscordSimulator(recommended_shards=3) as sim:
        with discord_py_pointed_at(sim):
            client = FastShardedClient()
            async with running_client(client, sim.bot_token):
                assert client.shard_count == 3
                assert sorted(client.shards) == [0, 1, 2]
                limits = await client.fetch_session_start_limits()
        assert sim.requests.matching("GET", "/gateway/bot")
        assert limits.total - limits.remaining == 3 == sim.identify_count
        assert limits.max_concurrency == 1


async def test_joining_voice_gets_voice_state_then_voice_server_update(
    discord_sim: DiscordSimulator,
) -> None:
    sim = discord_sim
    guild = sim.add_guild()
    voice_id = sim.add_voice_channel(guild.id)
    client = FastClient()

    async with running_client(client, sim.bot_token):
        channel = client.get_channel(voice_id)
        assert isinstance(channel, discord.VoiceChannel)
        vc = await channel.connect(cls=RecordingVoice, timeout=2.0, self_deaf=True)

        session_id = frames(sim, "out", t="READY")[0].d["session_id"]
        assert vc.states[0]["user_id"] == str(sim.bot_user_id)
        assert vc.states[0]["channel_id"] == str(voice_id)
        assert vc.states[0]["session_id"] == session_id
        assert vc.states[0]["self_deaf"] is True
        assert vc.servers[0]["guild_id"] == str(guild.id)
        assert vc.servers[0]["endpoint"].startswith("sim-voice-")
        assert vc.servers[0]["endpoint"].endswith(".discord.media:443")
        assert vc.servers[0]["token"]
        ordered = [f.t for f in frames(sim, "out", op=0)]
        assert ordered.index("VOICE_STATE_UPDATE") < ordered.index("VOICE_SERVER_UPDATE")
        assert channel.guild.me.voice is not None
        assert channel.guild.me.voice.channel == channel
        state = sim.voice_state(guild.id, sim.bot_user_id)
        assert state is not None
        assert state["channel_id"] == str(voice_id)

        # Discord moves the call to another voice server: a second VOICE_SERVER_UPDATE.
        assert await sim.move_voice_server(guild.id)
        await vc.wait_for("servers", 2)
        assert vc.servers[1]["endpoint"] != vc.servers[0]["endpoint"]

        # Kicked from voice: the bot's own VOICE_STATE_UPDATE with channel_id null.
        await sim.kick_bot_from_voice(guild.id)
        await vc.wait_for("states", 2)
        assert vc.states[-1]["channel_id"] is None
        assert sim.voice_state(guild.id, sim.bot_user_id) is None
        await vc.disconnect(force=True)


async def test_voice_join_goes_over_the_shard_owning_the_guild(discord_sim: DiscordSimulator) -> None:
    sim = discord_sim
    guilds = [sim.add_guild(f"g{i}") for i in range(2)]
    target = next(g for g in guilds if shard_id_for(g.id, 2) == 1)
    voice_id = sim.add_voice_channel(target.id)
    client = FastShardedClient(shard_count=2, shard_ids=[0, 1])

    async with running_client(client, sim.bot_token):
        channel = client.get_channel(voice_id)
        assert isinstance(channel, discord.VoiceChannel)
        vc = await channel.connect(cls=RecordingVoice, timeout=2.0)
        assert [f.shard_id for f in frames(sim, "in", op=4)] == [1]
        assert frames(sim, "out", t="VOICE_SERVER_UPDATE")[0].shard_id == 1
        await vc.disconnect(force=True)


@pytest.mark.parametrize(
    ("delay", "drop", "joins"),
    [
        (0.3, False, True),  # a slow VOICE_SERVER_UPDATE still completes the join
        (None, True, False),  # a dropped one makes the join time out
    ],
)
async def test_voice_server_update_faults(
    discord_sim: DiscordSimulator, delay: float | None, drop: bool, joins: bool
) -> None:
    sim = discord_sim
    guild = sim.add_guild()
    voice_id = sim.add_voice_channel(guild.id)
    sim.faults.voice_server_update_delay = delay
    sim.faults.drop_voice_server_update = drop
    client = FastClient()

    async with running_client(client, sim.bot_token):
        channel = client.get_channel(voice_id)
        assert isinstance(channel, discord.VoiceChannel)
        started = time.perf_counter()
        if joins:
            vc = await channel.connect(cls=RecordingVoice, timeout=2.0)
            assert time.perf_counter() - started >= 0.25
            await vc.disconnect(force=True)
        else:
            with pytest.raises(TimeoutError):
                await channel.connect(cls=RecordingVoice, timeout=0.3)
            assert not frames(sim, "out", t="VOICE_SERVER_UPDATE")


@pytest.mark.parametrize("fault", ["close_4000", "reconnect_op7", "invalidate_resumable", "tcp_drop"])
async def test_resumable_faults_make_discord_py_resume(discord_sim: DiscordSimulator, fault: str) -> None:
    sim = discord_sim
    guild = sim.add_guild()
    voice_id = sim.add_voice_channel(guild.id)
    carol = sim.add_member(guild.id, username="carol")
    client = FastClient()

    async with running_client(client, sim.bot_token):
        resumed = waiter(client, "resumed")
        if fault == "close_4000":
            assert await sim.close_gateway(code=4000) == 1
        elif fault == "reconnect_op7":
            assert await sim.send_reconnect() == 1
        elif fault == "tcp_drop":
            assert await sim.drop_gateway() == 1
        else:
            assert await sim.invalidate_session(resumable=True) == 1
        await resumed
        resume = frames(sim, "in", op=6)
        assert len(resume) == 1
        assert resume[0].d["session_id"] == frames(sim, "out", t="READY")[0].d["session_id"]
        assert sim.identify_count == 1

        # The resumed session keeps routing events.
        moved = waiter(client, "voice_state_update")
        await sim.set_voice_state(guild.id, carol.id, voice_id)
        member, _, _ = await moved
        assert member.id == carol.id


async def test_non_resumable_invalid_session_makes_discord_py_identify_again(
    discord_sim: DiscordSimulator,
) -> None:
    sim = discord_sim
    sim.add_guild()
    client = FastClient()

    async with running_client(client, sim.bot_token):
        assert await sim.invalidate_session(resumable=False) == 1
        await sim.wait_for_gateway_frame(
            lambda f: (
                f.direction == "out" and f.t == "READY" and f.s == 1 and f != frames(sim, "out", t="READY")[0]
            )
        )
        assert sim.identify_count == 2
        assert not frames(sim, "in", op=6)
        sessions = {f.d["session_id"] for f in frames(sim, "out", t="READY")}
        assert len(sessions) == 2


async def test_missing_heartbeat_acks_make_discord_py_reconnect_and_resume() -> None:
    async with DiscordSimulator(heartbeat_interval_ms=100) as sim:
        sim.add_guild()
        with discord_py_pointed_at(sim):
            client = FastClient(heartbeat_timeout=0.5)
            async with running_client(client, sim.bot_token):
                sim.faults.ignore_heartbeats = True
                await sim.wait_for_gateway_frame(lambda f: f.direction == "in" and f.op == 6, timeout=3.0)
                sim.faults.ignore_heartbeats = False
                assert sim.identify_count == 1


@pytest.mark.parametrize("code", [4004, 4010, 4013])
async def test_fatal_close_codes_stop_discord_py(discord_sim: DiscordSimulator, code: int) -> None:
    sim = discord_sim
    sim.add_guild()
    client = FastClient()

    async with running_client(client, sim.bot_token) as task:
        await sim.close_gateway(code=code)
        with pytest.raises(discord.ConnectionClosed) as closed:
            await asyncio.wait_for(asyncio.shield(task), 3.0)
        assert closed.value.code == code
    assert not frames(sim, "in", op=6)


async def test_privileged_intents_are_refused_with_4014(discord_sim: DiscordSimulator) -> None:
    members = intents()
    members.members = True
    client = FastClient(intents=members)
    with pytest.raises(discord.PrivilegedIntentsRequired):
        async with running_client(client, discord_sim.bot_token):
            pass


async def test_privileged_intents_allowed_when_the_app_has_them() -> None:
    from encore.simulators.discord.sessions import INTENT_GUILD_MEMBERS

    async with DiscordSimulator(allowed_privileged_intents=INTENT_GUILD_MEMBERS) as sim:
        with discord_py_pointed_at(sim):
            guild = sim.add_guild()
            members = intents()
            members.members = True
            client = FastClient(intents=members, chunk_guilds_at_startup=False)
            async with running_client(client, sim.bot_token):
                joined = waiter(client, "member_join")
                dave = sim.add_member(guild.id, username="dave")
                assert (await joined).id == dave.id


async def test_guild_delete_removes_the_guild_from_discord_py(discord_sim: DiscordSimulator) -> None:
    sim = discord_sim
    guild = sim.add_guild()
    client = FastClient()

    async with running_client(client, sim.bot_token):
        removed = waiter(client, "guild_remove")
        await sim.remove_guild(guild.id)
        assert (await removed).id == guild.id
        assert client.get_guild(guild.id) is None
