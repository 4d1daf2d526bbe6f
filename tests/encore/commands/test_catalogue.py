"""The catalogue: the whole command set, and who answers each command and who may run it."""

from __future__ import annotations

from encore.commands import CATALOGUE, SUBCOMMAND, Policy, Where
from encore.i18n import SUPPORTED_LOCALES

# -- the policy: who answers, who may ------------------------------------------------------------


def test_where_each_command_is_answered() -> None:
    front = {
        (spec.name, sub.name if sub else None)
        for spec in CATALOGUE.values()
        for sub in (spec.subcommands or (None,))
        if spec.policy({SUBCOMMAND: sub.name} if sub else {}).where is Where.FRONT
    }
    assert front == {
        ("queue", None),
        ("nowplaying", None),
        ("history", None),
        ("help", None),
        ("settings", "view"),
        ("premium", "status"),
        ("premium", "upgrade"),
        ("playlist", "list"),
    }


def test_policies_follow_the_subcommand() -> None:
    settings = CATALOGUE["settings"]
    assert settings.policy({SUBCOMMAND: "view"}) == Policy(Where.FRONT)
    assert settings.policy({SUBCOMMAND: "dj-role", "role": "1"}) == Policy(Where.FLEET, manage_guild=True)
    assert CATALOGUE["remove"].policy({SUBCOMMAND: "range"}).dj_only
    assert CATALOGUE["247"].policy() == Policy(Where.FLEET, dj_only=True, premium_feature="24/7")
    # Turning 24/7 off is free (a guild that lost premium can switch it off); on, or switching, is not.
    assert CATALOGUE["247"].policy({"mode": "off"}) == Policy(Where.FLEET, dj_only=True)
    assert CATALOGUE["247"].policy({"mode": "on"}).premium_feature == "24/7"
    assert CATALOGUE["play"].policy({"query": "x"}) == Policy(Where.FLEET)
    assert CATALOGUE["play"].needs_audio
    assert not CATALOGUE["help"].needs_audio
    assert CATALOGUE["settings"].needs_audio  # some of its subcommands write through the fleet


def test_catalogue_has_the_whole_command_set() -> None:
    assert set(CATALOGUE) == {
        "play", "search", "pause", "resume", "skip", "previous", "seek", "replay", "stop", "leave",
        "queue", "nowplaying", "volume", "loop", "shuffle", "remove", "move", "clear", "history",
        "autoplay", "filter", "lyrics", "playlist", "247", "settings", "premium", "help",
    }  # fmt: skip
    assert {s.name for s in CATALOGUE["playlist"].subcommands} == {"save", "load", "list", "delete", "add"}
    assert {s.name for s in CATALOGUE["premium"].subcommands} == {"status", "trial", "upgrade"}
    language = CATALOGUE["settings"].subcommand("language")
    assert language is not None
    assert [c.value for c in language.options[0].choices] == list(SUPPORTED_LOCALES)


def test_no_option_is_called_subcommand() -> None:
    names = {o.name for spec in CATALOGUE.values() for o in spec.options} | {
        o.name for spec in CATALOGUE.values() for sub in spec.subcommands for o in sub.options
    }
    assert SUBCOMMAND not in names
