"""The ``/help`` message: every command of the catalogue, its arguments and what it does."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from encore.commands.catalogue import CATALOGUE
from encore.commands.spec import CommandSpec, text_key
from encore.i18n import command_text, translate

__all__ = ["HELP_LIMIT", "help_text"]

#: Discord's message length limit, which ``/help`` must fit.
HELP_LIMIT: Final = 2000


def _usage(spec: CommandSpec) -> str:
    if spec.subcommands:
        return " " + "|".join(s.name for s in spec.subcommands)
    return "".join(f" {o.name}" if o.required else f" [{o.name}]" for o in spec.options)


def help_text(locale: str | None = None, catalogue: Mapping[str, CommandSpec] = CATALOGUE) -> str:
    """The ``/help`` message: every command, its arguments and what it does, in ``locale``.

    Command names are the ones Discord shows in that language. At most :data:`HELP_LIMIT`
    characters (lines that would not fit are left out, ending with "…").
    """
    lines = [translate("help.title", locale)]
    for spec in catalogue.values():
        name = command_text(text_key(spec.name, "name"), locale) or spec.name
        description = command_text(text_key(spec.name, "description"), locale) or spec.description
        lines.append(f"`/{name}{_usage(spec)}` — {description}")
    lines.append(translate("help.footer", locale))
    text = "\n".join(lines)
    if len(text) <= HELP_LIMIT:
        return text
    kept: list[str] = []
    for line in lines:
        if sum(len(k) + 1 for k in kept) + len(line) + 2 > HELP_LIMIT:
            break
        kept.append(line)
    return "\n".join([*kept, "…"])
