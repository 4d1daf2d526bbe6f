"""Point discord.py at the configured Discord API and gateway.

discord.py reads its REST base from ``discord.http.Route.BASE`` (also used by its webhook adapter)
and its gateway from ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY``, both class attributes
read when each request or connection is made. :func:`use_discord_endpoints` sets both from
``DISCORD_API_BASE`` / ``DISCORD_GATEWAY_URL``, so the same code talks to Discord or to the simulator.
"""

from __future__ import annotations

import discord.gateway
import discord.http
import yarl

__all__ = ["use_discord_endpoints"]


def use_discord_endpoints(api_base: str, gateway_url: str) -> None:
    discord.http.Route.BASE = api_base.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
