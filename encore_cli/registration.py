"""``encore register-commands``: bulk-overwrite the slash commands from the catalogue (idempotent).

It reads what Discord has (``GET .../commands?with_localizations=true``, so translations come back
as whole dictionaries), compares it with :data:`encore.commands.CATALOGUE`, and only PUTs when
something differs, printing what changed. Uses discord.py's HTTP client, which follows Discord's
rate limits.

Discord answers with more than was sent and leaves out what is at its default, so both sides are
normalised before comparing (:func:`command_changes`): only the fields that matter are kept (name,
description, their localizations, options recursively with subcommands and choices, contexts,
integration types, permissions, nsfw), and a field that is missing or null takes the value Discord
means by that (``required`` false, ``options`` empty, localizations empty, ``integration_types``
guild install...). Server-assigned fields (``id``, ``application_id``, ``version``, ``guild_id``)
and deprecated ones (``dm_permission``) are not compared.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, Final

import discord
import discord.http

from encore.commands import CATALOGUE, CommandSpec
from encore.discord_api import use_discord_endpoints
from encore.errors import EncoreError, SettingsError
from encore.settings import Settings

__all__ = [
    "CHOICE_FIELDS",
    "COMMAND_FIELDS",
    "OPTION_FIELDS",
    "RegistrationError",
    "command_changes",
    "normalised_command",
    "register_commands",
]


class RegistrationError(EncoreError):
    """Discord refused to list or replace the commands."""


#: What is compared of a command, of an option and of a choice, each with the value Discord means
#: when the field is missing or null.
COMMAND_FIELDS: Final[Mapping[str, object]] = {
    "type": 1,
    "name": None,
    "name_localizations": {},
    "description": "",
    "description_localizations": {},
    "options": [],
    "contexts": None,
    "integration_types": [0],
    "default_member_permissions": None,
    "nsfw": False,
}
OPTION_FIELDS: Final[Mapping[str, object]] = {
    "type": None,
    "name": None,
    "name_localizations": {},
    "description": "",
    "description_localizations": {},
    "required": False,
    "choices": [],
    "options": [],
    "channel_types": [],
    "min_value": None,
    "max_value": None,
    "min_length": None,
    "max_length": None,
    "autocomplete": False,
}
CHOICE_FIELDS: Final[Mapping[str, object]] = {"name": None, "name_localizations": {}, "value": None}


def _fields(item: Mapping[str, Any], fields: Mapping[str, object]) -> dict[str, Any]:
    return {key: default if item.get(key) is None else item[key] for key, default in fields.items()}


def _option(option: Mapping[str, Any]) -> dict[str, Any]:
    normal = _fields(option, OPTION_FIELDS)
    normal["choices"] = [_fields(choice, CHOICE_FIELDS) for choice in normal["choices"]]
    normal["options"] = [_option(nested) for nested in normal["options"]]
    normal["channel_types"] = sorted(normal["channel_types"])
    return normal


def normalised_command(command: Mapping[str, Any]) -> dict[str, Any]:
    """``command`` (as sent in a PUT, or as a GET returns it) reduced to what the comparison sees."""
    normal = _fields(command, COMMAND_FIELDS)
    normal["options"] = [_option(option) for option in normal["options"]]
    if normal["contexts"] is not None:
        normal["contexts"] = sorted(normal["contexts"])
    normal["integration_types"] = sorted(normal["integration_types"])
    if normal["default_member_permissions"] is not None:
        normal["default_member_permissions"] = str(normal["default_member_permissions"])
    return normal


def command_changes(current: list[dict[str, Any]], wanted: list[dict[str, Any]]) -> list[str]:
    """Human-readable differences between registered and wanted commands (empty when equal)."""
    have = {c["name"]: c for c in current}
    want = {c["name"]: c for c in wanted}
    changes = [f"+ /{name} (new)" for name in sorted(want.keys() - have.keys())]
    changes += [f"- /{name} (removed)" for name in sorted(have.keys() - want.keys())]
    for name in sorted(want.keys() & have.keys()):
        if normalised_command(have[name]) != normalised_command(want[name]):
            changes.append(f"~ /{name} (changed)")
    return changes


def _commands_route(method: str, application_id: int, guild_id: int | None) -> discord.http.Route:
    if guild_id is None:
        return discord.http.Route(
            method, "/applications/{application_id}/commands", application_id=application_id
        )
    return discord.http.Route(
        method,
        "/applications/{application_id}/guilds/{guild_id}/commands",
        application_id=application_id,
        guild_id=guild_id,
    )


async def register_commands(
    settings: Settings, guild_id: int | None = None, catalogue: Mapping[str, CommandSpec] = CATALOGUE
) -> list[str]:
    """Make Discord's commands (global, or ``guild_id``'s) those of ``catalogue``; return what changed."""
    if settings.discord_bot_token is None:
        raise SettingsError("DISCORD_BOT_TOKEN", "needed to register commands")
    if settings.discord_application_id is None:
        raise SettingsError("DISCORD_APPLICATION_ID", "needed to register commands")
    use_discord_endpoints(settings.discord_api_base, settings.discord_gateway_url)
    app_id = settings.discord_application_id
    wanted = [spec.to_discord() for spec in catalogue.values()]
    http = discord.http.HTTPClient(asyncio.get_running_loop())
    try:
        await http.static_login(settings.discord_bot_token.get_secret_value())
        # discord.py's get_*_commands cannot ask for the localization dictionaries: same route
        # (so the same rate-limit bucket), with the query parameter.
        current: Any = await http.request(
            _commands_route("GET", app_id, guild_id), params={"with_localizations": "true"}
        )
        if not isinstance(current, list) or not all(isinstance(c, dict) and "name" in c for c in current):
            raise RegistrationError(f"Discord listed the commands in an unexpected form: {current!r:.200}")
        changes = command_changes(current, wanted)
        if not changes:
            return ["commands are up to date; nothing sent"]
        if guild_id is None:
            await http.bulk_upsert_global_commands(app_id, wanted)
        else:
            await http.bulk_upsert_guild_commands(app_id, guild_id, wanted)
        scope = "globally" if guild_id is None else f"in guild {guild_id}"
        return [*changes, f"registered {len(wanted)} commands {scope}"]
    except discord.HTTPException as exc:
        hint = " (is the bot in that guild?)" if guild_id is not None and exc.status == 403 else ""
        raise RegistrationError(f"Discord refused the commands: {exc}{hint}") from exc
    finally:
        await http.close()
