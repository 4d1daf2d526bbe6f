"""Localisation: what Encore says, in the listener's language.

Each supported locale is one module of plain data (``en_us.py``, ``es_es.py``, ``fr.py``,
``pt_br.py``), imported the first time that locale is asked for and cached afterwards, so a warm
front pays one dict lookup per message and a cold one loads only the locales it meets. Python
modules rather than JSON files: they ship with the package without any packaging configuration
and mypy checks them.

A locale module holds two mappings:

* ``MESSAGES``: every message Encore writes (errors, help), keyed like ``error.too_long``, with
  ``str.format`` placeholders (``{option}``). Every locale has every key with the same placeholders
  (a test checks it); :func:`translate` renders them.
* ``COMMANDS``: translations of the slash-command catalogue's texts (names, descriptions, choice
  names) keyed by their path, e.g. ``cmd.play.query.description``. The English originals live in
  the catalogue itself (:mod:`encore.commands.catalogue`), so ``en_us.COMMANDS`` is empty;
  :func:`discord_localizations` turns the others into Discord's ``*_localizations`` dictionaries.

Lookup goes exact locale -> its language's locale (``es-419`` -> ``es-ES``, ``pt-PT`` -> ``pt-BR``)
-> ``en-US``.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

__all__ = [
    "DEFAULT_LOCALE",
    "DISCORD_LOCALES",
    "LANGUAGE_NAMES",
    "SUPPORTED_LOCALES",
    "command_text",
    "command_texts",
    "discord_localizations",
    "messages",
    "resolve_locale",
    "supported_locale",
    "translate",
]

DEFAULT_LOCALE: Final = "en-US"

#: The locales Encore has catalogues for, in the order ``/settings language`` offers them.
SUPPORTED_LOCALES: Final[tuple[str, ...]] = ("en-US", "es-ES", "fr", "pt-BR")

#: Each supported locale's name in its own language (the ``/settings language`` choices).
LANGUAGE_NAMES: Final[Mapping[str, str]] = {
    "en-US": "English",
    "es-ES": "Español",
    "fr": "Français",
    "pt-BR": "Português (Brasil)",
}

#: Every locale code Discord sends in ``locale``/``guild_locale`` and accepts in ``*_localizations``.
DISCORD_LOCALES: Final[frozenset[str]] = frozenset(
    {
        "id", "da", "de", "en-GB", "en-US", "es-ES", "es-419", "fr", "hr", "it", "lt", "hu", "nl",
        "no", "pl", "pt-BR", "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg", "ru", "uk", "hi",
        "th", "zh-CN", "ja", "zh-TW", "ko",
    }
)  # fmt: skip

_MODULES: Final[Mapping[str, str]] = {"en-US": "en_us", "es-ES": "es_es", "fr": "fr", "pt-BR": "pt_br"}
_BY_LOWER: Final[Mapping[str, str]] = {code.lower(): code for code in SUPPORTED_LOCALES}
#: The locale that speaks for a whole language when the exact regional variant has no catalogue.
_LANGUAGES: Final[Mapping[str, str]] = {"en": "en-US", "es": "es-ES", "fr": "fr", "pt": "pt-BR"}


@dataclass(frozen=True, slots=True)
class _Catalogue:
    messages: Mapping[str, str]
    commands: Mapping[str, str]


@functools.cache
def _load(locale: str) -> _Catalogue:
    module = importlib.import_module(f"{__name__}.{_MODULES[locale]}")
    return _Catalogue(messages=module.MESSAGES, commands=module.COMMANDS)


def _exact(locale: str | None) -> str | None:
    if not locale:
        return None
    return _BY_LOWER.get(locale.strip().replace("_", "-").lower())


def _language(locale: str | None) -> str | None:
    if not locale:
        return None
    return _LANGUAGES.get(locale.strip().replace("_", "-").split("-")[0].lower())


def _chain(locale: str | None) -> tuple[str, ...]:
    chain: list[str] = []
    for candidate in (_exact(locale), _language(locale), DEFAULT_LOCALE):
        if candidate is not None and candidate not in chain:
            chain.append(candidate)
    return tuple(chain)


def supported_locale(locale: str | None) -> str | None:
    """The supported locale that serves ``locale`` (exact, else its language), or None."""
    return _exact(locale) or _language(locale)


def resolve_locale(guild_language: str | None, user_locale: str | None) -> str:
    """The locale to answer in: the guild's chosen language, else the user's, else ``en-US``.

    Either may be any Discord locale code (or None); the result is always in
    :data:`SUPPORTED_LOCALES`. A guild language Encore cannot speak does not hide the user's.
    """
    return supported_locale(guild_language) or supported_locale(user_locale) or DEFAULT_LOCALE


def messages(locale: str) -> Mapping[str, str]:
    """The raw message catalogue of one supported locale (no fallback)."""
    return _load(locale).messages


def command_texts(locale: str) -> Mapping[str, str]:
    """The raw command-text translations of one supported locale (empty for ``en-US``)."""
    return _load(locale).commands


def translate(key: str, locale: str | None, **params: object) -> str:
    """The message ``key`` in ``locale`` (falling back to its language, then ``en-US``).

    Raises KeyError for a key no catalogue has, or a placeholder missing from ``params``: both
    are bugs, which the tests catch.
    """
    for candidate in _chain(locale):
        template = _load(candidate).messages.get(key)
        if template is not None:
            return template.format(**params)
    raise KeyError(f"no message {key!r}")


def command_text(key: str, locale: str | None) -> str | None:
    """The translation of catalogue text ``key`` in ``locale`` or its language; None for English.

    The English original is the command catalogue's own text, which the caller already holds.
    """
    for candidate in _chain(locale):
        if candidate == DEFAULT_LOCALE:
            return None
        text = _load(candidate).commands.get(key)
        if text is not None:
            return text
    return None


def discord_localizations(key: str) -> dict[str, str]:
    """Discord's ``name_localizations``/``description_localizations`` for catalogue text ``key``.

    Every Discord locale that one of Encore's non-English catalogues serves (``es-419`` gets the
    ``es-ES`` text) and that translates ``key``; English locales fall back to the default text.
    """
    found: dict[str, str] = {}
    for code in sorted(DISCORD_LOCALES):
        text = command_text(key, code)
        if text is not None:
            found[code] = text
    return found
