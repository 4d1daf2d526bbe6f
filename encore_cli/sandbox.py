"""The sandbox: Encore's front and fleet, the Discord and Lavalink simulators and the in-process
queue, all in one process -- what ``make run`` starts on a machine without Discord credentials.

A simulated listener sits in a simulated voice channel; :meth:`Sandbox.run_command` types a slash
command the way Discord's client shows it (``/play query:never gonna give you up``), sends it
through the simulator exactly as Discord would (signed, to the front's HTTP endpoint), waits for the
fleet to edit the reply, and reports the reply and the player state.
"""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, cast

import uvicorn
import wavelink

from audio_fleet.fleet_billing import FleetBilling
from audio_fleet.formatting import duration
from audio_fleet.service import AudioFleet
from encore.billing.service import BillingService
from encore.command_line import TypedCommand, parse_command_line
from encore.commands import CATALOGUE, OptionType
from encore.errors import CommandLineError
from encore.lifecycle import Startable
from encore.player_snapshot import MemorySnapshotStore
from encore.queue import CommandQueue, CommandSource
from encore.queue.memory import InMemoryQueue
from encore.settings import Settings, load_settings
from encore.simulators.discord import DiscordSimulator
from encore.simulators.lavalink import LavalinkSimulator
from encore_cli.front_app import front_app

__all__ = ["CommandOutcome", "Sandbox", "discord_options"]

REPLY_TIMEOUT_S: Final = 15.0


@dataclass(frozen=True, slots=True)
class CommandOutcome:
    """What the simulated user saw for one command."""

    line: str
    initial: str
    final: str | None
    ephemeral: bool = False

    @property
    def answered(self) -> bool:
        return self.final is not None


def _free_socket(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)  # connections wait in the backlog until uvicorn starts accepting
    return sock


class Sandbox(Startable):
    def __init__(
        self,
        *,
        front_port: int = 0,
        playback_speed: float = 1.0,
        queue: CommandQueue | None = None,
        source: CommandSource | None = None,
        fleet_options: Mapping[str, Any] | None = None,
        settings_overrides: Mapping[str, Any] | None = None,
        billing: BillingService | None = None,
    ) -> None:
        """``queue``/``source`` replace the in-process queue (tests pass the SQS adapter on moto);
        ``fleet_options`` are extra :class:`AudioFleet` arguments (e.g. ``guild_settings``) and
        ``settings_overrides`` change settings of both the front and the fleet (e.g. timeouts).
        ``billing`` (``make run`` passes the embedded database's) gives both the front and the fleet
        the stored subscriptions, guild settings and usage; without it only the entitlements an
        interaction carries count and every guild has the default settings."""
        self.billing = billing
        self._fleet_options = dict(fleet_options or {})
        self._settings_overrides = dict(settings_overrides or {})
        if (queue is None) != (source is None):
            raise ValueError("give both queue and source, or neither")
        self._queue = queue
        self._source = source
        self.discord = DiscordSimulator()
        self.lavalink = LavalinkSimulator(playback_speed=playback_speed, player_update_interval=1.0)
        self._front_port = front_port
        self._server: uvicorn.Server | None = None
        self._server_task: asyncio.Task[None] | None = None
        self.fleet: AudioFleet | None = None
        self.guild_id = 0
        self.voice_channel_id = 0
        self.text_channel_id = 0
        self.user_id = 0
        self.front_url = ""

    def settings(self) -> Settings:
        return load_settings(
            discord_application_id=self.discord.application_id,
            discord_public_key=self.discord.public_key_hex,
            discord_bot_token=self.discord.bot_token,
            discord_api_base=self.discord.api_base,
            discord_gateway_url=self.discord.gateway_url,
            lavalink_nodes=[
                {"name": "sandbox", "uri": self.lavalink.uri, "password": self.lavalink.password}
            ],
            encore_queue="memory",
            shard_count=1,
            shards_per_group=1,
            encore_shard_group=0,
            **self._settings_overrides,
        )

    async def start(self) -> None:
        await self.discord.start()
        await self.lavalink.start()
        guild = self.discord.add_guild(name="Encore Sandbox")
        self.guild_id = guild.id
        self.text_channel_id = self.discord.add_text_channel(guild.id, name="music")
        self.voice_channel_id = self.discord.add_voice_channel(guild.id, name="Lounge")
        self.user_id = self.discord.add_member(guild.id, username="you").id
        await self.discord.set_voice_state(guild.id, self.user_id, self.voice_channel_id)

        settings = self.settings()
        if self._queue is None or self._source is None:
            memory = InMemoryQueue(settings.shard_layout)
            self._queue, self._source = memory, memory.source(0)
        # The fleet writes what the front reads (``fleet_options["snapshots"]``: a store of the test's).
        snapshots = self._fleet_options.get("snapshots") or MemorySnapshotStore()
        app = front_app(settings, self._queue, self.billing, snapshots=snapshots)
        sock = _free_socket("127.0.0.1", self._front_port)
        config = uvicorn.Config(app, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._server_task = asyncio.create_task(self._server.serve(sockets=[sock]))
        port = sock.getsockname()[1]
        self.front_url = f"http://127.0.0.1:{port}/interactions"
        self.discord.interactions_url = self.front_url

        fleet_options = {k: v for k, v in self._fleet_options.items() if k != "snapshots"}
        if self.billing is not None:
            fleet_options.setdefault(
                "billing",
                FleetBilling(self.billing, settings.encore_sku_tiers, tiers=settings.tiers, settings_ttl_s=0),
            )
        self.fleet = AudioFleet(
            settings,
            self._source,
            guild_ready_timeout=0.1,
            identify_delay_s=0.0,
            wait_seconds=1.0,
            snapshots=snapshots,
            **fleet_options,
        )
        await self.fleet.start()

    async def close(self) -> None:
        if self.fleet is not None:
            await self.fleet.close()
        if self._server is not None:
            self._server.should_exit = True
        if self._server_task is not None:
            await self._server_task
        await self.lavalink.close()
        await self.discord.close()

    async def set_listening(self, in_voice: bool) -> None:
        """Move the simulated user into the voice channel, or out of voice."""
        channel = self.voice_channel_id if in_voice else None
        await self.discord.set_voice_state(self.guild_id, self.user_id, channel)

    async def run_command(self, line: str, timeout: float = REPLY_TIMEOUT_S) -> CommandOutcome:
        """Type ``line`` as the simulated user; return what they saw once the bot answered."""
        typed = parse_command_line(line, CATALOGUE)
        exchange = await self.discord.send_slash_command(
            self.guild_id, self.text_channel_id, self.user_id, typed.name, discord_options(typed)
        )
        body = exchange.body or {}
        kind = body.get("type")
        data = body.get("data") or {}
        if exchange.failed or kind not in (4, 5):
            return CommandOutcome(line, f"The application did not respond (HTTP {exchange.status})", None)
        if kind == 4:
            content = str(data.get("content", ""))
            return CommandOutcome(line, content, content, ephemeral=bool(data.get("flags", 0) & 64))
        try:
            message = await self.discord.wait_for_original_edit(exchange.token, timeout=timeout)
        except TimeoutError:
            return CommandOutcome(line, "Encore is thinking…", None)
        return CommandOutcome(line, "Encore is thinking…", str(message.get("content", "")))

    def player_state(self) -> str:
        """One line describing what the guild's player is doing, as Lavalink and the fleet see it."""
        player = self.lavalink.player(self.guild_id)
        if player is None or player.track is None:
            return "⏹ nothing playing"
        info = player.track["info"]
        position = duration(int(player.position))
        length = duration(int(info["length"]), is_stream=bool(info["isStream"]))
        state = "⏸" if player.paused else "▶"
        line = f"{state} {info['title']} — {info['author']} [{position} / {length}] volume {player.volume}"
        queued = self._queued_titles()
        if queued:
            line += " · up next: " + ", ".join(queued[:3]) + (" …" if len(queued) > 3 else "")
        return line

    def _queued_titles(self) -> list[str]:
        if self.fleet is None:
            return []
        guild = self.fleet.client.get_guild(self.guild_id)
        voice = cast(wavelink.Player | None, guild.voice_client if guild else None)
        return [track.title for track in voice.queue] if voice is not None else []


def discord_options(typed: TypedCommand) -> list[dict[str, Any]]:
    """The ``options`` Discord sends for ``typed``: a list of ``{name, type, value}``, nested in
    ``{name, type: 1, options}`` for a subcommand, as in an interaction's ``data.options``."""
    spec = CATALOGUE[typed.name]
    sub = spec.subcommand(typed.subcommand) if typed.subcommand is not None else None
    options: list[dict[str, Any]] = []
    for name, raw in typed.options.items():
        option = sub.option(name) if sub is not None else spec.option(name)
        assert option is not None  # parse_command_line only takes the command's own options
        options.append({"name": name, "type": int(option.type), "value": _typed(option.type, raw)})
    if sub is None:
        return options
    return [{"name": sub.name, "type": int(OptionType.SUB_COMMAND), "options": options}]


#: Mentions as Discord's client writes them: <@user>, <@!user>, <#channel>, <@&role>.
_MENTION: Final = {
    OptionType.USER: re.compile(r"<@!?([0-9]+)>"),
    OptionType.CHANNEL: re.compile(r"<#([0-9]+)>"),
    OptionType.ROLE: re.compile(r"<@&([0-9]+)>"),
}
_KINDS: Final = {OptionType.USER: "user", OptionType.CHANNEL: "channel", OptionType.ROLE: "role"}


def _typed(kind: OptionType, raw: str) -> str | int | float | bool:
    """Convert a typed value the way Discord's client would before sending it."""
    try:
        if kind is OptionType.INTEGER:
            return int(raw)
        if kind is OptionType.NUMBER:
            return float(raw)
    except ValueError:
        raise CommandLineError(f"{raw!r} is not a number") from None
    if kind is OptionType.BOOLEAN:
        return raw.strip().lower() in {"true", "yes", "1", "on"}
    if kind in _MENTION:  # Discord sends the picked user, channel or role as its id, a string
        text = raw.strip()
        mention = _MENTION[kind].fullmatch(text)
        snowflake = mention.group(1) if mention else text
        if not snowflake.isascii() or not snowflake.isdigit():
            raise CommandLineError(f"{raw!r} is not a {_KINDS[kind]} id (type the id or a mention)")
        return snowflake
    return raw
