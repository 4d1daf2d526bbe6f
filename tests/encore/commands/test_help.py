"""/help: every command in the listener's language, within Discord's message limit."""

from __future__ import annotations

import pytest

from encore.commands import CATALOGUE, HELP_LIMIT, CommandSpec, help_text, text_key
from encore.i18n import SUPPORTED_LOCALES, command_text


@pytest.mark.parametrize("locale", [*SUPPORTED_LOCALES, "es-419", "en-GB", "ja", None])
def test_help_lists_every_command_within_discords_message_limit(locale: str | None) -> None:
    text = help_text(locale)
    assert len(text) <= HELP_LIMIT
    assert not text.endswith("…")  # nothing had to be cut
    for spec in CATALOGUE.values():
        shown = command_text(text_key(spec.name, "name"), locale) or spec.name
        assert f"`/{shown}" in text


def test_help_shows_arguments() -> None:
    text = help_text("en-US")
    assert "`/play query [next]` — Play a song or add it to the queue" in text
    assert "`/remove position|range`" in text
    assert "`/reproducir query [next]`" in help_text("es-ES")


def test_help_is_cut_to_the_limit_when_a_catalogue_is_huge() -> None:
    huge = {f"c{i}": CommandSpec(f"c{i}", "d" * 100) for i in range(40)}
    text = help_text("en-US", huge)
    assert len(text) <= HELP_LIMIT
    assert text.endswith("\n…")
