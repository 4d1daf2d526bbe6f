"""Checking an interaction's options against a :class:`~encore.commands.spec.CommandSpec`.

:func:`validate_options` takes ``{option: value}``; for a command with subcommands it takes
``{subcommand: {option: value}}`` (:func:`options_from_discord` builds either from Discord's nested
option list). Its result is flat: ``{"subcommand": "range", "from": 2, "to": 5}`` (the
``subcommand`` key only for commands with subcommands; no option is called ``subcommand``). Role,
channel and user options come back as snowflake strings, as Discord sends them. Errors are
:class:`~encore.commands.option_error.OptionError` (a ``ValueError``) with a message for the user,
in the requested locale.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Final, Protocol

from encore.commands.option_error import OptionError
from encore.commands.spec import SUBCOMMAND, CommandSpec, OptionSpec, OptionType, OptionValue

__all__ = ["DiscordOption", "options_from_discord", "validate_options"]

_SNOWFLAKE_TYPES: Final = frozenset(
    {OptionType.USER, OptionType.CHANNEL, OptionType.ROLE, OptionType.MENTIONABLE, OptionType.ATTACHMENT}
)


class DiscordOption(Protocol):
    """An option as an interaction carries it (e.g. ``interactions.payload.CommandOption``)."""

    @property
    def name(self) -> str: ...
    @property
    def type(self) -> int: ...
    @property
    def value(self) -> object: ...
    @property
    def options(self) -> Sequence[DiscordOption]: ...


def options_from_discord(options: Iterable[DiscordOption]) -> dict[str, object]:
    """Discord's option list as :func:`validate_options` takes it (subcommands nest a mapping)."""
    return {
        o.name: options_from_discord(o.options)
        if o.type in (OptionType.SUB_COMMAND, OptionType.SUB_COMMAND_GROUP)
        else o.value
        for o in options
    }


def validate_options(
    spec: CommandSpec, options: Mapping[str, object], locale: str | None = None
) -> dict[str, OptionValue]:
    """Check ``options`` against ``spec``: return them typed, or raise OptionError saying why.

    ``options`` is ``{name: value}``, or ``{subcommand: {name: value}}`` for a command with
    subcommands; the result is flat, ``{"subcommand": "range", "from": 2, "to": 5}`` for the
    latter. The message is written for the user who typed the command, in ``locale``.
    """
    try:
        if not spec.subcommands:
            return _check_options(spec.name, spec.options, options)
        names = ", ".join(f"`{s.name}`" for s in spec.subcommands)
        unknown = next((n for n in options if spec.subcommand(n) is None), None)
        if unknown is not None:
            raise OptionError("error.unknown_subcommand", command=spec.name, subcommand=unknown)
        if len(options) != 1:
            raise OptionError("error.needs_subcommand", command=spec.name, subcommands=names)
        ((name, inner),) = options.items()
        sub = spec.subcommand(name)
        assert sub is not None
        if not isinstance(inner, Mapping | None):
            raise OptionError("error.needs_subcommand", command=spec.name, subcommands=names)
        clean = _check_options(f"{spec.name} {sub.name}", sub.options, inner or {})
        if sub.check is not None:
            sub.check(clean)
        return {SUBCOMMAND: sub.name, **clean}
    except OptionError as exc:
        if locale is None:
            raise
        raise exc.in_locale(locale) from None


def _check_options(
    command: str, specs: tuple[OptionSpec, ...], options: Mapping[str, object]
) -> dict[str, OptionValue]:
    clean: dict[str, OptionValue] = {}
    known = {o.name for o in specs}
    for name in options:
        if name not in known:
            raise OptionError("error.unknown_option", command=command, option=name)
    for option in specs:
        if option.name not in options:
            if option.required:
                raise OptionError("error.missing_option", command=command, option=option.name)
            continue
        clean[option.name] = _check_value(option, options[option.name])
    return clean


def _check_value(option: OptionSpec, value: object) -> OptionValue:
    checked = _check_type(option, value)
    if option.choices and checked not in {c.value for c in option.choices}:
        shown = ", ".join(f"`{c.value}`" for c in option.choices)
        raise OptionError("error.not_a_choice", option=option.name, choices=shown)
    if option.check is not None and isinstance(checked, str):
        option.check(checked)
    return checked


def _check_type(option: OptionSpec, value: object) -> OptionValue:
    name = option.name
    if option.type is OptionType.STRING:
        if not isinstance(value, str):
            raise OptionError("error.not_text", option=name)
        text = value.strip()
        if not text and option.min_length:
            raise OptionError("error.empty", option=name)
        if option.min_length is not None and len(text) < option.min_length:
            raise OptionError("error.too_short", option=name, min=option.min_length)
        if option.max_length is not None and len(text) > option.max_length:
            raise OptionError("error.too_long", option=name, max=option.max_length)
        return text
    if option.type is OptionType.BOOLEAN:
        if not isinstance(value, bool):
            raise OptionError("error.not_boolean", option=name)
        return value
    if option.type in _SNOWFLAKE_TYPES:
        return _snowflake(value, name)
    # INTEGER or NUMBER (OptionSpec refuses the subcommand types)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise OptionError("error.not_number", option=name)
    if option.type is OptionType.INTEGER and not float(value).is_integer():
        raise OptionError("error.not_whole", option=name)
    number: int | float = int(value) if option.type is OptionType.INTEGER else float(value)
    if option.min_value is not None and number < option.min_value:
        raise OptionError("error.too_small", option=name, min=option.min_value)
    if option.max_value is not None and number > option.max_value:
        raise OptionError("error.too_large", option=name, max=option.max_value)
    return number


_SNOWFLAKE_TEXT: Final = re.compile(r"[1-9][0-9]{0,19}")


def _snowflake(value: object, option: str) -> str:
    """A snowflake as its decimal string (the envelope keeps snowflakes as strings)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and _SNOWFLAKE_TEXT.fullmatch(value) and int(value) < 2**64:
        return value
    raise OptionError("error.not_a_pick", option=option)
