"""Localisation: every locale says everything, with the same placeholders, and falls back sensibly."""

from __future__ import annotations

import string
import subprocess
import sys
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from encore.commands import CATALOGUE, catalogue_texts, text_key
from encore.i18n import (
    DEFAULT_LOCALE,
    DISCORD_LOCALES,
    SUPPORTED_LOCALES,
    command_text,
    command_texts,
    discord_localizations,
    messages,
    resolve_locale,
    supported_locale,
    translate,
)

OTHER_LOCALES = [loc for loc in SUPPORTED_LOCALES if loc != DEFAULT_LOCALE]


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def test_at_least_three_locales_all_known_to_discord() -> None:
    assert len(SUPPORTED_LOCALES) >= 3
    assert {"en-US", "es-ES"} <= set(SUPPORTED_LOCALES)
    assert set(SUPPORTED_LOCALES) <= DISCORD_LOCALES


@pytest.mark.parametrize("locale", OTHER_LOCALES)
def test_every_locale_has_every_message_with_the_same_placeholders(locale: str) -> None:
    english = messages(DEFAULT_LOCALE)
    translated = messages(locale)
    assert set(translated) == set(english)
    for key, template in english.items():
        assert placeholders(translated[key]) == placeholders(template), key


@pytest.mark.parametrize("locale", OTHER_LOCALES)
def test_every_locale_translates_the_whole_command_catalogue(locale: str) -> None:
    wanted = catalogue_texts()
    assert set(command_texts(locale)) == set(wanted)  # nothing missing, nothing stale
    for key, text in command_texts(locale).items():
        assert placeholders(text) == set(), key


def test_english_command_texts_are_the_catalogues_own() -> None:
    assert command_texts(DEFAULT_LOCALE) == {}
    assert (
        catalogue_texts()[text_key("play", "query", "description")]
        == CATALOGUE["play"].options[0].description
    )


def _discord_name(name: str) -> bool:
    return (
        1 <= len(name) <= 32
        and all(c in "-_" or unicodedata.category(c)[0] in "LN" for c in name)
        and name == name.lower()
    )


@pytest.mark.parametrize("locale", OTHER_LOCALES)
def test_translated_command_names_are_valid_and_unambiguous(locale: str) -> None:
    names = [command_texts(locale)[text_key(spec.name, "name")] for spec in CATALOGUE.values()]
    assert [n for n in names if not _discord_name(n)] == []
    assert len(set(names)) == len(names)
    # a translated name must not be another command's English name either
    for spec, name in zip(CATALOGUE.values(), names, strict=True):
        assert name == spec.name or name not in CATALOGUE


@pytest.mark.parametrize("locale", OTHER_LOCALES)
def test_translated_descriptions_fit_discords_limit(locale: str) -> None:
    too_long = {k: v for k, v in command_texts(locale).items() if not 1 <= len(v) <= 100}
    assert too_long == {}


@pytest.mark.parametrize(
    ("locale", "served_by"),
    [
        ("es-ES", "es-ES"),
        ("es-419", "es-ES"),  # Latin American Spanish: the language's catalogue
        ("ES_es", "es-ES"),  # spelled loosely
        ("fr", "fr"),
        ("pt-BR", "pt-BR"),
        ("pt-PT", "pt-BR"),
        ("en-GB", "en-US"),
        ("ja", None),
        ("", None),
        (None, None),
    ],
)
def test_supported_locale_tries_the_exact_locale_then_the_language(
    locale: str | None, served_by: str | None
) -> None:
    assert supported_locale(locale) == served_by


def test_translate_falls_back_to_the_language_then_english() -> None:
    assert translate("error.empty", "es-419", option="query") == "`query` no puede estar vacío."
    assert translate("error.empty", "fr", option="query") == "`query` ne peut pas être vide."
    assert translate("error.empty", "ja", option="query") == "`query` can't be empty."
    assert translate("error.empty", None, option="query") == "`query` can't be empty."


def test_a_missing_key_or_placeholder_is_a_bug_not_a_blank() -> None:
    with pytest.raises(KeyError, match="no message"):
        translate("error.no_such_message", "fr")
    with pytest.raises(KeyError, match="option"):
        translate("error.empty", "fr")


@pytest.mark.parametrize(
    ("guild_language", "user_locale", "answer_in"),
    [
        ("fr", "es-ES", "fr"),  # the guild's chosen language wins
        (None, "es-419", "es-ES"),  # else the user's, through its language
        (None, "pt-BR", "pt-BR"),
        ("ja", "pt-BR", "pt-BR"),  # a guild language Encore cannot speak does not hide the user's
        (None, "ko", "en-US"),
        (None, None, "en-US"),
    ],
)
def test_resolve_locale(guild_language: str | None, user_locale: str | None, answer_in: str) -> None:
    assert resolve_locale(guild_language, user_locale) == answer_in


@given(
    st.one_of(st.none(), st.text(max_size=16), st.sampled_from(sorted(DISCORD_LOCALES))), st.text(max_size=16)
)
def test_any_locale_gets_an_answer(locale: str | None, value: str) -> None:
    assert resolve_locale(locale, locale) in SUPPORTED_LOCALES
    assert value in translate("error.not_text", locale, option=value)


def test_discord_localizations_cover_regional_variants() -> None:
    found = discord_localizations(text_key("help", "description"))
    assert set(found) <= DISCORD_LOCALES
    assert found["es-419"] == found["es-ES"] == "Lista los comandos de Encore"
    assert "en-GB" not in found  # English variants use the default text
    assert discord_localizations("cmd.nothing.description") == {}
    assert command_text(text_key("help", "description"), "en-US") is None


def test_catalogues_are_cached() -> None:
    assert messages("fr") is messages("fr")


def test_importing_the_catalogue_loads_no_translation() -> None:
    """The front imports encore.commands on every cold start; locales load when first needed."""
    probe = (
        "import sys, encore.commands, encore.i18n as i18n;"
        "print(sorted(m for m in sys.modules if m.startswith('encore.i18n.')));"
        "i18n.translate('error.empty', 'es-419', option='x');"
        "print(sorted(m for m in sys.modules if m.startswith('encore.i18n.')))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["[]", "['encore.i18n.es_es']"]
