"""The simulated Discord world: guilds, roles, channels, members and voice states.

Plain mutable dataclasses and one :class:`World` that owns them and hands out snowflakes. Nothing
here knows about HTTP or the gateway: :mod:`.payloads` renders these objects as Discord's wire
JSON, and the simulator decides who gets told about a change.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from .snowflake import SnowflakeGenerator

__all__ = [
    "ALL_PERMISSIONS",
    "BOT_PERMISSIONS",
    "CHANNEL_GUILD_TEXT",
    "CHANNEL_GUILD_VOICE",
    "DEFAULT_EVERYONE_PERMISSIONS",
    "SimChannel",
    "SimGuild",
    "SimMember",
    "SimRole",
    "SimUser",
    "SimVoiceState",
    "World",
]

CHANNEL_GUILD_TEXT: Final = 0
CHANNEL_GUILD_VOICE: Final = 2

ADMINISTRATOR: Final = 1 << 3
ALL_PERMISSIONS: Final = (1 << 51) - 1
DEFAULT_EVERYONE_PERMISSIONS: Final = (
    (1 << 0)  # CREATE_INSTANT_INVITE
    | (1 << 6)  # ADD_REACTIONS
    | (1 << 9)  # STREAM
    | (1 << 10)  # VIEW_CHANNEL
    | (1 << 11)  # SEND_MESSAGES
    | (1 << 14)  # EMBED_LINKS
    | (1 << 15)  # ATTACH_FILES
    | (1 << 16)  # READ_MESSAGE_HISTORY
    | (1 << 18)  # USE_EXTERNAL_EMOJIS
    | (1 << 20)  # CONNECT
    | (1 << 21)  # SPEAK
    | (1 << 25)  # USE_VAD
    | (1 << 26)  # CHANGE_NICKNAME
    | (1 << 31)  # USE_APPLICATION_COMMANDS
)
BOT_PERMISSIONS: Final = DEFAULT_EVERYONE_PERMISSIONS | (1 << 13)  # + MANAGE_MESSAGES


@dataclass
class SimUser:
    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    avatar: str | None = None


@dataclass
class SimRole:
    id: int
    name: str
    permissions: int
    position: int = 0
    managed: bool = False
    bot_id: int | None = None


@dataclass
class SimChannel:
    id: int
    guild_id: int
    name: str
    type: int
    position: int = 0
    bitrate: int = 64_000
    user_limit: int = 0
    topic: str | None = None
    parent_id: int | None = None
    permission_overwrites: list[dict[str, object]] = field(default_factory=list)

    @property
    def is_voice(self) -> bool:
        return self.type == CHANNEL_GUILD_VOICE


@dataclass
class SimMember:
    user: SimUser
    guild_id: int
    joined_at: float
    roles: list[int] = field(default_factory=list)
    explicit_permissions: int | None = None
    nick: str | None = None
    deaf: bool = False
    mute: bool = False

    @property
    def id(self) -> int:
        return self.user.id


@dataclass
class SimVoiceState:
    user_id: int
    channel_id: int
    session_id: str
    self_mute: bool = False
    self_deaf: bool = False
    mute: bool = False
    deaf: bool = False
    self_video: bool = False
    self_stream: bool = False
    suppress: bool = False


@dataclass
class SimGuild:
    id: int
    name: str
    owner_id: int
    joined_at: float
    preferred_locale: str = "en-US"
    roles: dict[int, SimRole] = field(default_factory=dict)
    channels: dict[int, SimChannel] = field(default_factory=dict)
    members: dict[int, SimMember] = field(default_factory=dict)
    voice_states: dict[int, SimVoiceState] = field(default_factory=dict)
    voice_server_generation: int = 0

    def member_permissions(self, member: SimMember) -> int:
        """Guild-level permissions of ``member`` (what an interaction's ``member.permissions``
        carries when no channel overwrite applies)."""
        if member.explicit_permissions is not None:
            return member.explicit_permissions
        if member.id == self.owner_id:
            return ALL_PERMISSIONS
        value = self.roles[self.id].permissions
        for role_id in member.roles:
            role = self.roles.get(role_id)
            if role is not None:
                value |= role.permissions
        return ALL_PERMISSIONS if value & ADMINISTRATOR else value


class World:
    """Every guild the bot is in, and the users the simulator knows."""

    def __init__(self, ids: SnowflakeGenerator, bot: SimUser, clock: Callable[[], float]) -> None:
        self._ids = ids
        # Guild ids: their own generator, one millisecond apart, so they round-robin the shards.
        self._guild_ids = SnowflakeGenerator(clock, process_id=1, consecutive=True)
        self._clock = clock
        self.bot = bot
        self.guilds: dict[int, SimGuild] = {}
        self.users: dict[int, SimUser] = {bot.id: bot}

    def guild(self, guild_id: int) -> SimGuild:
        try:
            return self.guilds[guild_id]
        except KeyError:
            raise KeyError(f"unknown guild {guild_id}") from None

    def channel(self, channel_id: int) -> SimChannel | None:
        for guild in self.guilds.values():
            found = guild.channels.get(channel_id)
            if found is not None:
                return found
        return None

    def add_guild(
        self,
        name: str = "Sandbox",
        guild_id: int | None = None,
        *,
        owner_id: int | None = None,
        preferred_locale: str = "en-US",
    ) -> SimGuild:
        gid = guild_id if guild_id is not None else self._guild_ids.next()
        if gid in self.guilds:
            raise ValueError(f"guild {gid} already exists")
        owner = self._user(owner_id, "owner") if owner_id is not None else None
        guild = SimGuild(
            id=gid,
            name=name,
            owner_id=owner.id if owner else self._ids.next(),
            joined_at=self._clock(),
            preferred_locale=preferred_locale,
        )
        guild.roles[gid] = SimRole(id=gid, name="@everyone", permissions=DEFAULT_EVERYONE_PERMISSIONS)
        bot_role = SimRole(
            id=self._ids.next(),
            name=self.bot.username,
            permissions=BOT_PERMISSIONS,
            position=1,
            managed=True,
            bot_id=self.bot.id,
        )
        guild.roles[bot_role.id] = bot_role
        self.guilds[gid] = guild
        guild.members[self.bot.id] = SimMember(
            user=self.bot, guild_id=gid, joined_at=self._clock(), roles=[bot_role.id]
        )
        if owner is not None:
            guild.members[owner.id] = SimMember(user=owner, guild_id=gid, joined_at=self._clock())
        return guild

    def remove_guild(self, guild_id: int) -> SimGuild:
        return self.guilds.pop(self.guild(guild_id).id)

    def add_channel(self, guild_id: int, name: str, channel_type: int, *, user_limit: int = 0) -> SimChannel:
        guild = self.guild(guild_id)
        channel = SimChannel(
            id=self._ids.next(),
            guild_id=guild.id,
            name=name,
            type=channel_type,
            position=sum(1 for c in guild.channels.values() if c.type == channel_type),
            user_limit=user_limit,
        )
        guild.channels[channel.id] = channel
        return channel

    def add_role(self, guild_id: int, name: str, permissions: int = 0) -> SimRole:
        guild = self.guild(guild_id)
        role = SimRole(id=self._ids.next(), name=name, permissions=permissions, position=len(guild.roles))
        guild.roles[role.id] = role
        return role

    def add_member(
        self,
        guild_id: int,
        user_id: int | None = None,
        username: str = "listener",
        roles: list[int] | None = None,
        permissions: int | None = None,
        *,
        bot: bool = False,
    ) -> SimMember:
        guild = self.guild(guild_id)
        user = self._user(user_id, username, bot=bot)
        for role_id in roles or []:
            if role_id not in guild.roles:
                guild.roles[role_id] = SimRole(
                    id=role_id, name=f"role-{role_id}", permissions=0, position=len(guild.roles)
                )
        member = SimMember(
            user=user,
            guild_id=guild.id,
            joined_at=self._clock(),
            roles=list(roles or []),
            explicit_permissions=permissions,
        )
        guild.members[user.id] = member
        return member

    def set_voice_state(
        self,
        guild_id: int,
        user_id: int,
        channel_id: int | None,
        *,
        session_id: str | None = None,
        self_mute: bool | None = None,
        self_deaf: bool | None = None,
    ) -> tuple[SimVoiceState | None, SimVoiceState]:
        """Move ``user_id`` to ``channel_id`` (``None`` = leave voice); return ``(before, after)``.

        ``after.channel_id`` is 0 when the user left (the wire payload says ``null``).
        """
        guild = self.guild(guild_id)
        if user_id not in guild.members:
            raise KeyError(f"user {user_id} is not a member of guild {guild_id}")
        if channel_id is not None:
            channel = guild.channels.get(channel_id)
            if channel is None or not channel.is_voice:
                raise KeyError(f"{channel_id} is not a voice channel of guild {guild_id}")
        before = guild.voice_states.get(user_id)
        after = SimVoiceState(
            user_id=user_id,
            channel_id=channel_id or 0,
            session_id=session_id or (before.session_id if before else secrets.token_hex(16)),
            self_mute=self_mute if self_mute is not None else bool(before and before.self_mute),
            self_deaf=self_deaf if self_deaf is not None else bool(before and before.self_deaf),
            mute=bool(before and before.mute),
            deaf=bool(before and before.deaf),
        )
        if channel_id is None:
            guild.voice_states.pop(user_id, None)
        else:
            guild.voice_states[user_id] = after
        return before, after

    def voice_state(self, guild_id: int, user_id: int) -> SimVoiceState | None:
        guild = self.guilds.get(guild_id)
        return guild.voice_states.get(user_id) if guild else None

    def _user(self, user_id: int | None, username: str, *, bot: bool = False) -> SimUser:
        if user_id is not None and user_id in self.users:
            return self.users[user_id]
        user = SimUser(
            id=user_id if user_id is not None else self._ids.next(),
            username=username,
            global_name=username.title(),
            bot=bot,
        )
        self.users[user.id] = user
        return user
