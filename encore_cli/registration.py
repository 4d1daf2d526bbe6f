"""``encore register-commands``: bulk-overwrite the slash commands from the catalogue (idempotent).

It reads what Discord has, compares it with :data:`encore.commands.CATALOGUE`, and only PUTs when
something differs, printing what changed. Uses discord.py's HTTP client, which follows Discord's
rate limits.
"""

from __future__ import annotations

import asyncio
from typing import Any

import discord
import discord.http

from encore.commands import CATALOGUE
from encore.discord_api import use_discord_endpoints
from encore.errors import EncoreError, SettingsError
from encore.settings import Settings

__all__ = ["RegistrationError", "command_changes", "register_commands"]


class RegistrationError(EncoreError):
    """Discord refused to list or replace the commands."""


_COMPARED = ("type", "description", "options", "contexts")


def _normalised(command: dict[str, Any]) -> dict[str, Any]:
    return {key: command.get(key) or ([] if key == "options" else None) for key in _COMPARED}


def command_changes(current: list[dict[str, Any]], wanted: list[dict[str, Any]]) -> list[str]:
    """Human-readable differences between registered and wanted commands (empty when equal)."""
    have = {c["name"]: c for c in current}
    want = {c["name"]: c for c in wanted}
    changes = [f"+ /{name} (new)" for name in sorted(want.keys() - have.keys())]
    changes += [f"- /{name} (removed)" for name in sorted(have.keys() - want.keys())]
    for name in sorted(want.keys() & have.keys()):
        if _normalised(have[name]) != _normalised(want[name]):
            changes.append(f"~ /{name} (changed)")
    return changes


async def register_commands(settings: Settings, guild_id: int | None = None) -> list[str]:
    if settings.discord_bot_token is None:
        raise SettingsError("DISCORD_BOT_TOKEN", "needed to register commands")
    if settings.discord_application_id is None:
        raise SettingsError("DISCORD_APPLICATION_ID", "needed to register commands")
    use_discord_endpoints(settings.discord_api_base, settings.discord_gateway_url)
    app_id = settings.discord_application_id
    wanted = [spec.to_discord() for spec in CATALOGUE.values()]
    http = discord.http.HTTPClient(asyncio.get_running_loop())
    try:
        await http.static_login(settings.discord_bot_token.get_secret_value())
        if guild_id is None:
            current: Any = await http.get_global_commands(app_id)
        else:
            current = await http.get_guild_commands(app_id, guild_id)
        changes = command_changes(list(current), wanted)
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
