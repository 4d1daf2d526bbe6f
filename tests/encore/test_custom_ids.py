"""Component custom ids: compact, versioned, and nothing malformed gets through."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from encore.commands import MAX_QUEUE_PAGE
from encore.custom_ids import (
    MAX_CUSTOM_ID_LENGTH,
    CustomId,
    CustomIdError,
    NowPlayingAction,
    NowPlayingButton,
    PageDirection,
    QueuePage,
    SearchPick,
    decode,
    encode,
)

GUILD = 1100000000000000000
guild_ids = st.integers(1, 2**64 - 1)
custom_ids: st.SearchStrategy[CustomId] = st.one_of(
    st.builds(NowPlayingButton, guild_ids, st.sampled_from(NowPlayingAction)),
    st.builds(QueuePage, guild_ids, st.sampled_from(PageDirection), st.integers(1, MAX_QUEUE_PAGE)),
    st.builds(SearchPick, guild_ids, st.from_regex(r"[A-Za-z0-9_-]{1,32}", fullmatch=True)),
)


@pytest.mark.parametrize(
    ("cid", "text"),
    [
        (NowPlayingButton(GUILD, NowPlayingAction.PAUSE), f"v1:np:pause:{GUILD}"),
        (NowPlayingButton(GUILD, NowPlayingAction.PREVIOUS), f"v1:np:previous:{GUILD}"),
        (QueuePage(GUILD, PageDirection.NEXT, 2), f"v1:queue:next:{GUILD}:2"),
        (QueuePage(GUILD, PageDirection.PREV, 1), f"v1:queue:prev:{GUILD}:1"),
        (SearchPick(GUILD, "1200000000000000000"), f"v1:search:pick:{GUILD}:1200000000000000000"),
    ],
)
def test_the_wire_format(cid: CustomId, text: str) -> None:
    assert encode(cid) == text
    assert decode(text) == cid


@given(custom_ids)
def test_round_trip_within_discords_limit(cid: CustomId) -> None:
    text = encode(cid)
    assert len(text) <= MAX_CUSTOM_ID_LENGTH
    assert decode(text) == cid


@pytest.mark.parametrize(
    "text",
    [
        "",
        "v1",
        "v2:np:pause:1",  # a version this code does not know
        "V1:np:pause:1",
        "v1:np:dance:1",
        "v1:np:pause",
        "v1:np:pause:1:2",
        "v1:np:pause:01",  # not canonical: two spellings of one id would be two ids
        "v1:np:pause:0",
        "v1:np:pause:18446744073709551616",  # 2**64
        "v1:np:pause:\u0661",  # ARABIC-INDIC DIGIT ONE: int() takes it, the format does not
        "v1:np:pause:1\n",
        "v1:np:pause:+1",
        "v1:queue:next:1",
        "v1:queue:next:1:0",
        f"v1:queue:next:1:{MAX_QUEUE_PAGE + 1}",
        "v1:queue:last:1:2",
        "v1:search:pick:1:",
        "v1:search:pick:1:a b",
        "v1:search:pick:1:" + "a" * 33,
        "v1:search:drop:1:abc",
        "v1:np:pause:1" + " " * 100,
    ],
)
def test_malformed_ids_are_refused(text: str) -> None:
    with pytest.raises(CustomIdError):
        decode(text)


@pytest.mark.parametrize(
    "build",
    [
        lambda: NowPlayingButton(0, NowPlayingAction.STOP),
        lambda: QueuePage(GUILD, PageDirection.NEXT, 0),
        lambda: QueuePage(2**64, PageDirection.NEXT, 1),
        lambda: SearchPick(GUILD, "no spaces"),
        lambda: SearchPick(GUILD, ""),
    ],
)
def test_ids_that_cannot_be_encoded_cannot_be_built(build: Callable[[], CustomId]) -> None:
    with pytest.raises(ValueError, match=r"range|nonce"):
        build()


def _decoded_or_refused(text: str) -> CustomId | None:
    try:
        return decode(text)
    except ValueError:  # CustomIdError is one; anything else escapes and fails the test
        return None


@given(st.text(max_size=120))
def test_arbitrary_text_is_refused_with_a_value_error(text: str) -> None:
    cid = _decoded_or_refused(text)
    if cid is not None:
        assert encode(cid) == text  # only canonical spellings are accepted


near_misses = st.from_regex(
    r"v[0-9]:(np|queue|search):(pause|next|prev|pick|[a-z]{0,6}):[0-9]{0,22}(:[0-9A-Za-z_ -]{0,35})?",
    fullmatch=True,
)


@given(near_misses)
def test_near_misses_are_refused_or_canonical(text: str) -> None:
    cid = _decoded_or_refused(text)
    if cid is not None:
        assert encode(cid) == text


@given(st.text(min_size=MAX_CUSTOM_ID_LENGTH + 1, max_size=300))
def test_nothing_longer_than_discords_limit_is_accepted(text: str) -> None:
    assert _decoded_or_refused(text) is None
    assert _decoded_or_refused(f"v1:np:pause:{GUILD}" + " " * len(text)) is None
