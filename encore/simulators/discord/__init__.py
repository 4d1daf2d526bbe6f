"""A protocol-faithful Discord simulator: REST v10 and the gateway on a loopback port, and
Discord's side of HTTP interactions (signed POSTs to our front, interaction webhooks).

Usage::

    async with DiscordSimulator(interactions_url="http://127.0.0.1:8080/interactions") as sim:
        guild = sim.add_guild("Sandbox")
        voice = sim.add_voice_channel(guild.id)
        user = sim.add_member(guild.id, username="listener")
        await sim.set_voice_state(guild.id, user.id, voice)
        ex = await sim.send_slash_command(guild.id, voice, user.id, "play", [{"name": "query",
                                          "value": "never gonna"}])
        message = await sim.wait_for_original_edit(ex.token)

Point the real discord.py at it with :func:`encore.simulators.discord.testing.discord_py_pointed_at`
(``Route.BASE = sim.api_base``, ``DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(sim.gateway_url)``).
Run it as a process with ``python -m encore.simulators.discord --port N``.
"""

from __future__ import annotations

from encore.simulators.recording import RecordedRequest, RequestLog

from .errors import RestError
from .faults import Faults
from .gateway import GatewayFrame
from .interaction_store import InteractionRecord, InteractionState
from .interactions import InteractionExchange
from .ratelimit import RateLimiter
from .simulator import DiscordSimulator
from .snowflake import shard_id_for
from .world import SimChannel, SimGuild, SimMember, SimRole, SimUser, SimVoiceState

__all__ = [
    "DiscordSimulator",
    "Faults",
    "GatewayFrame",
    "InteractionExchange",
    "InteractionRecord",
    "InteractionState",
    "RateLimiter",
    "RecordedRequest",
    "RequestLog",
    "RestError",
    "SimChannel",
    "SimGuild",
    "SimMember",
    "SimRole",
    "SimUser",
    "SimVoiceState",
    "shard_id_for",
]
