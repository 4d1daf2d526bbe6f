"""The command envelope survives the queue unchanged, and unknown versions are refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from encore.envelope import CommandEnvelope, EntitlementRef, snowflake_time
from encore.errors import EnvelopeError

snowflakes = st.integers(min_value=1, max_value=2**64 - 1)
option_values = st.one_of(
    st.text(max_size=50),
    st.integers(-(2**53), 2**53),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False),
)


def make(**overrides: object) -> CommandEnvelope:
    fields: dict[str, object] = {
        "interaction_id": 1180000000000000001,
        "interaction_token": "token",
        "application_id": 1000000000000000001,
        "guild_id": 1100000000000000000,
        "channel_id": 1100000000000000100,
        "user_id": 1100000000000000200,
        "command": "play",
        "options": {"query": "never gonna give you up"},
        "received_at": datetime(2026, 11, 27, 12, 0, tzinfo=UTC),
    }
    fields.update(overrides)
    return CommandEnvelope.model_validate(fields)


@given(
    interaction_id=snowflakes,
    guild_id=snowflakes,
    user_id=snowflakes,
    options=st.dictionaries(st.from_regex(r"[a-z]{1,10}", fullmatch=True), option_values, max_size=5),
    sku=snowflakes,
)
def test_round_trip_through_json(
    interaction_id: int, guild_id: int, user_id: int, options: dict[str, object], sku: int
) -> None:
    envelope = make(
        interaction_id=interaction_id,
        guild_id=guild_id,
        user_id=user_id,
        options=options,
        entitlements=[EntitlementRef(id=sku, sku_id=sku)],
    )
    assert CommandEnvelope.from_json(envelope.to_json()) == envelope


def test_snowflakes_travel_as_strings() -> None:
    # JavaScript consumers (and jq) would lose precision on 64-bit integers.
    wire = json.loads(make().to_json())
    assert wire["guild_id"] == "1100000000000000000"
    assert wire["version"] == 1


@pytest.mark.parametrize(
    "mutate",
    [
        lambda w: w.update(version=2),  # a newer producer: refuse rather than guess
        lambda w: w.pop("interaction_token"),  # cannot reply without it
        lambda w: w.update(guild_id="0"),  # not a snowflake
        lambda w: w.update(surprise=True),  # unknown field means an unknown format
    ],
)
def test_malformed_envelopes_are_refused(mutate: object) -> None:
    wire = json.loads(make().to_json())
    mutate(wire)  # type: ignore[operator]
    with pytest.raises(EnvelopeError, match="not a v1 command envelope"):
        CommandEnvelope.from_json(json.dumps(wire))


def test_not_json_is_refused() -> None:
    with pytest.raises(EnvelopeError):
        CommandEnvelope.from_json(b"\x00garbage")


def test_token_expires_after_fifteen_minutes() -> None:
    envelope = make()
    assert not envelope.token_expired(envelope.received_at + timedelta(minutes=14, seconds=59))
    assert envelope.token_expired(envelope.received_at + timedelta(minutes=15))


@pytest.mark.parametrize("value", [float("inf"), float("nan")])
def test_non_finite_numbers_cannot_enter_the_queue(value: float) -> None:
    # JSON has no infinity: it would come out of the queue as null and fail there instead.
    with pytest.raises(ValueError, match="finite"):
        make(options={"speed": value})


@given(
    interaction_id=st.integers(min_value=1, max_value=2**63 - 1),
    received_at=st.datetimes(
        min_value=datetime(2015, 1, 2), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
)
def test_token_clock_starts_at_the_interactions_creation(interaction_id: int, received_at: datetime) -> None:
    envelope = make().model_copy(update={"interaction_id": interaction_id, "received_at": received_at})
    # Never later than the front's stamp, and never more than a token lifetime before it.
    assert received_at - timedelta(minutes=15) <= envelope.issued_at <= received_at
    created = snowflake_time(interaction_id)
    if received_at - timedelta(minutes=15) <= created <= received_at:
        assert envelope.issued_at == created
