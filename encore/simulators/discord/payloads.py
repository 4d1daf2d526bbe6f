"""Render the simulated world as Discord's wire JSON (API v10).

Snowflakes are strings and permissions are decimal strings, as Discord sends them. Field sets
follow what Discord returns and what discord.py 2.7's parsers (``Guild._from_data``,
``Member``, ``VoiceState``, ``ClientUser``, ``AppInfo``) read.
"""

from __future__ import annotations

import datetime
from typing import Any

from .world import SimChannel, SimGuild, SimMember, SimRole, SimUser, SimVoiceState

__all__ = [
    "channel_payload",
    "guild_create_payload",
    "iso_time",
    "member_payload",
    "role_payload",
    "user_payload",
    "voice_state_payload",
]

Json = dict[str, Any]


def iso_time(unix: float) -> str:
    return datetime.datetime.fromtimestamp(unix, datetime.UTC).isoformat()


def user_payload(user: SimUser) -> Json:
    payload: Json = {
        "id": str(user.id),
        "username": user.username,
        "discriminator": "0",
        "global_name": user.global_name,
        "avatar": user.avatar,
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
        "collectibles": None,
        "primary_guild": None,
    }
    if user.bot:
        payload["bot"] = True
    return payload


def role_payload(role: SimRole) -> Json:
    payload: Json = {
        "id": str(role.id),
        "name": role.name,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": role.position,
        "permissions": str(role.permissions),
        "managed": role.managed,
        "mentionable": False,
        "flags": 0,
    }
    if role.bot_id is not None:
        payload["tags"] = {"bot_id": str(role.bot_id)}
    return payload


def channel_payload(channel: SimChannel, *, include_guild_id: bool = True) -> Json:
    payload: Json = {
        "id": str(channel.id),
        "type": channel.type,
        "name": channel.name,
        "position": channel.position,
        "permission_overwrites": list(channel.permission_overwrites),
        "parent_id": str(channel.parent_id) if channel.parent_id else None,
        "nsfw": False,
        "flags": 0,
        "rate_limit_per_user": 0,
        "last_message_id": None,
    }
    if include_guild_id:
        payload["guild_id"] = str(channel.guild_id)
    if channel.is_voice:
        payload.update(
            bitrate=channel.bitrate,
            user_limit=channel.user_limit,
            rtc_region=None,
            video_quality_mode=1,
        )
    else:
        payload["topic"] = channel.topic
    return payload


def member_payload(member: SimMember, guild: SimGuild | None = None) -> Json:
    """A guild member; with ``guild`` it also carries ``permissions`` (as in interactions)."""
    payload: Json = {
        "user": user_payload(member.user),
        "roles": [str(r) for r in member.roles],
        "joined_at": iso_time(member.joined_at),
        "nick": member.nick,
        "avatar": None,
        "banner": None,
        "premium_since": None,
        "deaf": member.deaf,
        "mute": member.mute,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
    }
    if guild is not None:
        payload["permissions"] = str(guild.member_permissions(member))
    return payload


def voice_state_payload(
    guild: SimGuild,
    state: SimVoiceState,
    *,
    in_guild_create: bool = False,
) -> Json:
    """A voice state. Inside GUILD_CREATE Discord omits ``guild_id`` and ``member``."""
    payload: Json = {
        "user_id": str(state.user_id),
        "channel_id": str(state.channel_id) if state.channel_id else None,
        "session_id": state.session_id,
        "deaf": state.deaf,
        "mute": state.mute,
        "self_deaf": state.self_deaf,
        "self_mute": state.self_mute,
        "self_video": state.self_video,
        "suppress": state.suppress,
        "request_to_speak_timestamp": None,
    }
    if state.self_stream:
        payload["self_stream"] = True
    if not in_guild_create:
        payload["guild_id"] = str(guild.id)
        member = guild.members.get(state.user_id)
        if member is not None:
            payload["member"] = member_payload(member)
    return payload


def guild_create_payload(guild: SimGuild, *, bot_id: int, newly_joined: bool = False) -> Json:
    """GUILD_CREATE: the whole guild, members limited to the bot and members in voice.

    After READY (guild becoming available) it carries ``unavailable: false``; when the bot joins
    a guild later the key is absent, which is what makes discord.py fire ``on_guild_join``.
    """
    in_voice = set(guild.voice_states)
    members = [m for uid, m in guild.members.items() if uid == bot_id or uid in in_voice]
    bot_member = guild.members.get(bot_id)
    payload: Json = {
        "id": str(guild.id),
        "name": guild.name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": str(guild.owner_id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "premium_progress_bar_enabled": False,
        "preferred_locale": guild.preferred_locale,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "safety_alerts_channel_id": None,
        "vanity_url_code": None,
        "max_members": 500_000,
        "max_video_channel_users": 25,
        "application_id": None,
        "features": [],
        "emojis": [],
        "stickers": [],
        "roles": [role_payload(r) for r in guild.roles.values()],
        "channels": [channel_payload(c, include_guild_id=False) for c in guild.channels.values()],
        "threads": [],
        "members": [member_payload(m) for m in members],
        "voice_states": [
            voice_state_payload(guild, s, in_guild_create=True) for s in guild.voice_states.values()
        ],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "member_count": len(guild.members),
        "large": len(guild.members) >= 250,
        "lazy": True,
        "joined_at": iso_time(bot_member.joined_at if bot_member else guild.joined_at),
    }
    if not newly_joined:
        payload["unavailable"] = False
    return payload
