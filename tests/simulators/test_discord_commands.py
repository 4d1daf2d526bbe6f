"""Application command validation (pure functions, property-tested) and snowflake sharding."""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st

from encore.simulators.discord.commands import (
    is_valid_chat_input_name,
    validate_command,
    validate_commands,
)
from encore.simulators.discord.snowflake import SnowflakeGenerator, shard_id_for, snowflake_time

LOWER_NAME_CHARS = string.ascii_lowercase + string.digits + "-_'" + "éüßñçøπжя日本語"
valid_names = st.text(alphabet=LOWER_NAME_CHARS, min_size=1, max_size=32)


@given(name=valid_names)
def test_lowercase_names_of_1_to_32_allowed_characters_are_valid(name: str) -> None:
    assert is_valid_chat_input_name(name)
    assert validate_command({"name": name, "description": "d"}) == {}


@given(name=valid_names, upper=st.sampled_from("ABCXYZÉÜЖ"), at=st.integers(min_value=0, max_value=31))
def test_a_capital_letter_makes_a_chat_input_name_invalid(name: str, upper: str, at: int) -> None:
    broken = (name[:at] + upper + name[at:])[:32]
    errors = validate_command({"name": broken, "description": "d"})
    assert errors["name"]["_errors"][0]["code"] == "APPLICATION_COMMAND_INVALID_NAME"


@given(name=valid_names, bad=st.sampled_from(" !?./\\@#:\t"), at=st.integers(min_value=0, max_value=31))
def test_spaces_and_punctuation_are_invalid_in_chat_input_names(name: str, bad: str, at: int) -> None:
    broken = (name[:at] + bad + name[at:])[:32]
    assert not is_valid_chat_input_name(broken)


@given(name=st.text(alphabet=LOWER_NAME_CHARS, min_size=33, max_size=60))
def test_names_longer_than_32_are_rejected_for_length(name: str) -> None:
    errors = validate_command({"name": name, "description": "d"})
    assert errors["name"]["_errors"][0]["code"] == "BASE_TYPE_BAD_LENGTH"


@given(name=st.text(alphabet=string.ascii_letters + " ", min_size=1, max_size=32).filter(str.strip))
def test_context_menu_names_may_have_capitals_and_spaces(name: str) -> None:
    assert validate_command({"name": name, "type": 2, "description": ""}) == {}


@given(count=st.integers(min_value=0, max_value=130))
def test_at_most_100_chat_input_commands(count: int) -> None:
    errors = validate_commands([{"name": f"c{i}", "description": "d"} for i in range(count)])
    assert (errors == {}) is (count <= 100)


def test_option_rules() -> None:
    required_after_optional = {
        "name": "play",
        "description": "d",
        "options": [
            {"type": 3, "name": "query", "description": "d"},
            {"type": 4, "name": "position", "description": "d", "required": True},
        ],
    }
    errors = validate_command(required_after_optional)
    assert errors["options"]["1"]["required"]["_errors"][0]["code"] == (
        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID"
    )
    duplicate = [{"name": "play", "description": "d"}, {"name": "play", "description": "e"}]
    assert validate_commands(duplicate)["1"]["name"]["_errors"][0]["code"] == (
        "APPLICATION_COMMANDS_DUPLICATE_NAME"
    )


@given(count=st.integers(min_value=1, max_value=64), shards=st.integers(min_value=1, max_value=16))
def test_consecutive_guild_ids_spread_over_every_shard(count: int, shards: int) -> None:
    clock_time = 1_750_000_000.0
    ids = SnowflakeGenerator(lambda: clock_time, consecutive=True)
    guilds = [ids.next() for _ in range(count)]
    assert len(set(guilds)) == count
    assert guilds == sorted(guilds)
    used = {shard_id_for(g, shards) for g in guilds}
    assert len(used) == min(count, shards)
    assert abs(snowflake_time(guilds[0]) - clock_time) < 0.01
