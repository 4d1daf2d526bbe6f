"""Application commands: Discord's validation rules and the per-scope command store.

Validation is a pure function over the JSON a client PUTs (``validate_commands``) so it can be
tested directly; :class:`CommandStore` keeps the registered commands per scope (global or one
guild), keeps ids stable across bulk overwrites for the same (type, name), and bumps ``version``
when a command changes.

Rules checked (Discord docs, "Application Commands"): name 1-32 characters; chat-input command
and option names only ``-``, ``_``, ``'``, letters and numbers of any script (plus Devanagari and
Thai marks), in their lowercase form when one exists; user/message command names may contain
spaces and capitals; chat-input descriptions 1-100 characters, user/message descriptions empty;
at most 25 options and 25 choices; required options before optional ones; names unique per
type; at most 100 chat-input, 15 user and 15 message commands per scope.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any, Final

from .errors import RestError, field_error

__all__ = [
    "MAX_COMMANDS",
    "CommandStore",
    "is_valid_chat_input_name",
    "validate_command",
    "validate_commands",
]

CHAT_INPUT: Final = 1
USER: Final = 2
MESSAGE: Final = 3
MAX_COMMANDS: Final = {CHAT_INPUT: 100, USER: 15, MESSAGE: 15}
_OPTION_TYPES: Final = frozenset(range(1, 12))
_SUB_COMMAND_TYPES: Final = frozenset({1, 2})

Json = dict[str, Any]


def _name_char_ok(ch: str) -> bool:
    if ch in "-_'" or ch.isalnum():
        return True
    if unicodedata.category(ch) in ("Mn", "Mc"):
        name = unicodedata.name(ch, "")
        return name.startswith(("DEVANAGARI", "THAI"))
    return False


def is_valid_chat_input_name(name: str) -> bool:
    """Discord's chat-input name rule: 1-32 allowed characters, lowercase where possible."""
    return 1 <= len(name) <= 32 and all(_name_char_ok(c) and c.lower() == c for c in name)


def _length_error(low: int, high: int) -> Json:
    return field_error("BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")


def _validate_name(name: Any, *, chat_input: bool) -> Json | None:
    if not isinstance(name, str):
        return field_error("BASE_TYPE_REQUIRED", "This field is required")
    if not 1 <= len(name) <= 32:
        return _length_error(1, 32)
    if chat_input and not is_valid_chat_input_name(name):
        return field_error("APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
    return None


def _validate_description(description: Any, *, chat_input: bool) -> Json | None:
    if chat_input:
        if not isinstance(description, str):
            return field_error("BASE_TYPE_REQUIRED", "This field is required")
        if not 1 <= len(description) <= 100:
            return _length_error(1, 100)
    elif description not in (None, ""):
        return field_error(
            "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION", "Context menu commands cannot have a description"
        )
    return None


def _validate_options(options: Any) -> Json:
    errors: Json = {}
    if not isinstance(options, list):
        return field_error("BASE_TYPE_LIST", "Must be a list.")
    if len(options) > 25:
        return field_error("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    seen_optional = False
    names: set[str] = set()
    for index, option in enumerate(options):
        option_errors: Json = {}
        if not isinstance(option, dict):
            errors[str(index)] = field_error("MODEL_TYPE_CONVERT", "Only dictionaries may be used.")
            continue
        if option.get("type") not in _OPTION_TYPES:
            option_errors["type"] = field_error("BASE_TYPE_CHOICES", "Value must be one of 1..11.")
        name_error = _validate_name(option.get("name"), chat_input=True)
        if name_error:
            option_errors["name"] = name_error
        elif option["name"] in names:
            option_errors["name"] = field_error(
                "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS", "Option names must be unique"
            )
        else:
            names.add(option["name"])
        desc_error = _validate_description(option.get("description"), chat_input=True)
        if desc_error:
            option_errors["description"] = desc_error
        if option.get("required"):
            if seen_optional:
                option_errors["required"] = field_error(
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        elif option.get("type") not in _SUB_COMMAND_TYPES:
            seen_optional = True
        choices = option.get("choices")
        if isinstance(choices, list) and len(choices) > 25:
            option_errors["choices"] = field_error("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        if option.get("type") in _SUB_COMMAND_TYPES and "options" in option:
            nested = _validate_options(option["options"])
            if nested:
                option_errors["options"] = nested
        if option_errors:
            errors[str(index)] = option_errors
    return errors


def validate_command(command: Any) -> Json:
    """Errors for one command, as the nested ``errors`` object of a 50035 (empty: valid)."""
    if not isinstance(command, dict):
        return field_error("MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
    errors: Json = {}
    command_type = command.get("type", CHAT_INPUT)
    if command_type not in MAX_COMMANDS:
        errors["type"] = field_error("BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3}.")
        return errors
    chat_input = command_type == CHAT_INPUT
    name_error = _validate_name(command.get("name"), chat_input=chat_input)
    if name_error:
        errors["name"] = name_error
    desc_error = _validate_description(command.get("description"), chat_input=chat_input)
    if desc_error:
        errors["description"] = desc_error
    if "options" in command and command["options"] is not None:
        if not chat_input:
            errors["options"] = field_error(
                "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Context menu commands cannot have options"
            )
        else:
            option_errors = _validate_options(command["options"])
            if option_errors:
                errors["options"] = option_errors
    return errors


def validate_commands(commands: Any) -> Json:
    """Errors for a bulk overwrite body (a list of commands); empty when Discord would accept it."""
    if not isinstance(commands, list):
        return field_error("BASE_TYPE_LIST", "Must be a list.")
    errors: Json = {}
    counts: dict[int, int] = {}
    seen: set[tuple[int, str]] = set()
    for index, command in enumerate(commands):
        command_errors = validate_command(command)
        if not command_errors and isinstance(command, dict):
            key = (int(command.get("type", CHAT_INPUT)), str(command["name"]))
            if key in seen:
                command_errors["name"] = field_error(
                    "APPLICATION_COMMANDS_DUPLICATE_NAME",
                    f"Application command names must be unique: {key[1]}",
                )
            seen.add(key)
            counts[key[0]] = counts.get(key[0], 0) + 1
        if command_errors:
            errors[str(index)] = command_errors
    for command_type, count in counts.items():
        if count > MAX_COMMANDS[command_type]:
            limit = MAX_COMMANDS[command_type]
            errors.setdefault("_errors", []).append(
                {"code": "BASE_TYPE_MAX_LENGTH", "message": f"Must be {limit} or fewer in length."}
            )
    return errors


class CommandStore:
    """Registered commands per scope: ``None`` for global, else a guild id."""

    def __init__(self, application_id: int, new_id: Callable[[], int]) -> None:
        self._application_id = application_id
        self._new_id = new_id
        self._scopes: dict[int | None, dict[tuple[int, str], Json]] = {}

    def in_scope(self, guild_id: int | None) -> list[Json]:
        return [dict(c) for c in self._scopes.get(guild_id, {}).values()]

    def overwrite(self, guild_id: int | None, commands: Any) -> list[Json]:
        errors = validate_commands(commands)
        if errors:
            raise RestError.invalid_form_body(errors)
        old = self._scopes.get(guild_id, {})
        new: dict[tuple[int, str], Json] = {}
        for command in commands:
            stored = self._render(guild_id, command, old.get(_key(command)))
            new[_key(command)] = stored
        self._scopes[guild_id] = new
        return self.in_scope(guild_id)

    def upsert(self, guild_id: int | None, command: Any) -> tuple[Json, bool]:
        """POST: create or replace one command; returns ``(command, created)``."""
        errors = validate_command(command)
        if errors:
            raise RestError.invalid_form_body(errors)
        scope = self._scopes.setdefault(guild_id, {})
        previous = scope.get(_key(command))
        if previous is None:
            same_type = sum(1 for k in scope if k[0] == _key(command)[0])
            if same_type >= MAX_COMMANDS[_key(command)[0]]:
                raise RestError(400, 30032, "Maximum number of application commands reached")
        stored = self._render(guild_id, command, previous)
        scope[_key(command)] = stored
        return dict(stored), previous is None

    def get(self, guild_id: int | None, command_id: int) -> Json:
        for command in self._scopes.get(guild_id, {}).values():
            if int(command["id"]) == command_id:
                return dict(command)
        raise RestError(404, 10063, "Unknown application command")

    def delete(self, guild_id: int | None, command_id: int) -> None:
        scope = self._scopes.get(guild_id, {})
        for key, command in list(scope.items()):
            if int(command["id"]) == command_id:
                del scope[key]
                return
        raise RestError(404, 10063, "Unknown application command")

    def find(self, name: str, guild_id: int | None, command_type: int = CHAT_INPUT) -> Json | None:
        """The command a user would invoke by ``name`` in ``guild_id`` (guild scope first)."""
        for scope in (guild_id, None) if guild_id is not None else (None,):
            found = self._scopes.get(scope, {}).get((command_type, name))
            if found is not None:
                return dict(found)
        return None

    def _render(self, guild_id: int | None, command: Json, previous: Json | None) -> Json:
        command_type = int(command.get("type", CHAT_INPUT))
        body: Json = {
            "application_id": str(self._application_id),
            "type": command_type,
            "name": command["name"],
            "name_localizations": command.get("name_localizations"),
            "description": command.get("description") or "",
            "description_localizations": command.get("description_localizations"),
            "default_member_permissions": _optional_str(command.get("default_member_permissions")),
            "contexts": command.get("contexts"),
            "integration_types": command.get("integration_types", [0]),
            "nsfw": bool(command.get("nsfw", False)),
        }
        if command.get("options"):
            body["options"] = command["options"]
        if guild_id is not None:
            body["guild_id"] = str(guild_id)
        if previous is not None:
            unchanged = all(previous.get(k) == v for k, v in body.items())
            body["id"] = previous["id"]
            body["version"] = previous["version"] if unchanged else str(self._new_id())
        else:
            body["id"] = str(self._new_id())
            body["version"] = str(self._new_id())
        return body


def _key(command: Json) -> tuple[int, str]:
    return int(command.get("type", CHAT_INPUT)), str(command["name"])


def _optional_str(value: Any) -> str | None:
    return None if value is None else str(value)
