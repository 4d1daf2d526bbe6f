"""``/seek`` positions: clock times and seconds, absolute or relative, and a message for the rest."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from encore.commands import MAX_SEEK_MS, OptionError, SeekTarget, parse_seek


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("1:23", SeekTarget(absolute_ms=83_000)),
        ("83", SeekTarget(absolute_ms=83_000)),
        ("+10", SeekTarget(relative_ms=10_000)),
        ("-10", SeekTarget(relative_ms=-10_000)),
        ("1:02:03", SeekTarget(absolute_ms=3_723_000)),
        ("-1:30", SeekTarget(relative_ms=-90_000)),  # relative moves take the clock forms too
        ("  0:05 ", SeekTarget(absolute_ms=5_000)),  # Discord's client may keep spaces
        ("0", SeekTarget(absolute_ms=0)),
        ("90:00", SeekTarget(absolute_ms=5_400_000)),  # minutes past the hour without an hour field
        ("1:5", SeekTarget(absolute_ms=65_000)),  # one digit after the colon still means seconds
        ("99:59:59", SeekTarget(absolute_ms=MAX_SEEK_MS)),
    ],
)
def test_positions_people_type(text: str, target: SeekTarget) -> None:
    assert parse_seek(text) == target


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "isn't a time"),
        ("soon", "isn't a time"),
        ("1:60", "isn't a time"),  # seconds past 59
        ("1:60:00", "isn't a time"),  # minutes past 59 once there are hours
        ("1:2:3:4", "isn't a time"),
        ("1:", "isn't a time"),
        (":30", "isn't a time"),
        ("1:005", "isn't a time"),
        ("1.5", "isn't a time"),
        ("+", "isn't a time"),
        ("+-10", "isn't a time"),
        ("1 23", "isn't a time"),
        ("\u0661\u0662", "isn't a time"),  # Arabic-Indic digits: int() would take them, we do not
        ("1234567", "isn't a time"),
        ("100:00:00", "too far: at most `99:59:59`"),
        ("-360000", "too far"),
    ],
)
def test_anything_else_gets_a_message(text: str, says: str) -> None:
    with pytest.raises(OptionError) as caught:
        parse_seek(text)
    assert isinstance(caught.value, ValueError)
    assert says in str(caught.value)


def test_the_message_speaks_the_users_language() -> None:
    with pytest.raises(OptionError, match="Ce n'est pas une durée"):
        parse_seek("bientôt", "fr")


def clock(seconds: int, form: str) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if form == "seconds":
        return str(seconds)
    if form == "minutes":
        return f"{hours * 60 + minutes}:{secs:02}"
    return f"{hours}:{minutes:02}:{secs:02}"


@given(
    st.integers(0, MAX_SEEK_MS // 1000),
    st.sampled_from(["seconds", "minutes", "hours"]),
    st.sampled_from(["", "+", "-"]),
)
def test_every_written_time_reads_back(seconds: int, form: str, sign: str) -> None:
    text = sign + clock(seconds, form)
    target = parse_seek(text)
    if sign:
        assert target == SeekTarget(relative_ms=(-1 if sign == "-" else 1) * seconds * 1000)
    else:
        assert target == SeekTarget(absolute_ms=seconds * 1000)


@given(st.text(max_size=20))
def test_arbitrary_text_is_a_target_or_a_value_error(text: str) -> None:
    try:
        target = parse_seek(text)
    except OptionError as exc:
        message = str(exc)
        assert message.strip()  # an error is a legitimate outcome; it must say why
        return
    moved = target.absolute_ms if target.absolute_ms is not None else target.relative_ms
    assert moved is not None
    assert -MAX_SEEK_MS <= moved <= MAX_SEEK_MS


@given(
    st.integers(-(10**7), 10**7).map(lambda ms: SeekTarget(relative_ms=ms))
    | st.integers(0, 10**7).map(lambda ms: SeekTarget(absolute_ms=ms)),
    st.integers(0, 10**7),
    st.integers(0, 10**7),
)
def test_resolve_stays_inside_the_track(target: SeekTarget, position: int, length: int) -> None:
    assert 0 <= target.resolve(position, length) <= length


def test_resolve_moves_from_the_current_position() -> None:
    assert SeekTarget(relative_ms=10_000).resolve(60_000, 200_000) == 70_000
    assert SeekTarget(relative_ms=-90_000).resolve(60_000, 200_000) == 0
    assert SeekTarget(absolute_ms=500_000).resolve(60_000, 200_000) == 200_000


@pytest.mark.parametrize(("absolute", "relative"), [(None, None), (1, 1)])
def test_a_target_is_one_or_the_other(absolute: int | None, relative: int | None) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        SeekTarget(absolute, relative)
