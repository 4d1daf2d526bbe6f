"""The simulator's catalogue: how loadtracks identifiers parse and resolve, and track encoding."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from encore.simulators.lavalink import (
    Catalogue,
    CatalogueTrack,
    TrackDecodeError,
    TrackInfo,
    decode_track,
    encode_track,
    parse_identifier,
)
from encore.simulators.lavalink.catalogue import (
    SEARCH_LIMIT,
    SEARCH_PREFIXES,
    BareIdentifier,
    SearchQuery,
    UrlQuery,
)

DEFAULT = Catalogue.default()

track_infos = st.builds(
    TrackInfo,
    identifier=st.text(),
    isSeekable=st.booleans(),
    author=st.text(),
    length=st.integers(min_value=0, max_value=2**63 - 1),
    isStream=st.booleans(),
    position=st.integers(min_value=0, max_value=2**63 - 1),
    title=st.text(),
    uri=st.none() | st.text(),
    artworkUrl=st.none() | st.text(),
    isrc=st.none() | st.text(),
    sourceName=st.sampled_from(["youtube", "soundcloud", "http"]) | st.text(),
)


@given(track_infos)
def test_encoding_round_trips_any_track_info(info: TrackInfo) -> None:
    encoded = encode_track(info)
    assert decode_track(encoded) == info
    # urlsafe: the encoded form survives a query string unescaped
    assert all(c.isalnum() or c in "-_=" for c in encoded)


@given(st.text())
def test_decoding_anything_else_raises_track_decode_error(garbage: str) -> None:
    try:
        info = decode_track(garbage)
    except TrackDecodeError:
        return
    assert encode_track(info) == garbage  # only our own encodings decode


@pytest.mark.parametrize(
    "encoded",
    [
        "",  # empty
        "QAAAjQIAJVJpY2sgQXN0bGV5",  # a real Lavalink encoding is not ours
        "SIM1!!!",  # our prefix, not base64
        "SIM1" + "e30=",  # base64 of "{}": wrong fields
        "SIM1" + "bnVsbA==",  # base64 of "null"
    ],
)
def test_decoding_known_bad_inputs_fails(encoded: str) -> None:
    with pytest.raises(TrackDecodeError):
        decode_track(encoded)


def test_a_track_with_a_bool_length_does_not_decode() -> None:
    info = DEFAULT.tracks[0].info()
    tampered = dict(info) | {"length": True}
    with pytest.raises(TrackDecodeError):
        decode_track(encode_track(tampered))  # type: ignore[arg-type]


@given(st.sampled_from(sorted(SEARCH_PREFIXES)), st.text())
def test_search_prefixes_parse_into_their_source(prefix: str, terms: str) -> None:
    parsed = parse_identifier(f"{prefix}:{terms}")
    assert parsed == SearchQuery(prefix=prefix, source=SEARCH_PREFIXES[prefix], terms=terms)


@given(st.from_regex(r"[a-z]{2,8}search", fullmatch=True), st.text())
def test_unknown_search_prefixes_are_bare_identifiers(prefix: str, terms: str) -> None:
    parsed = parse_identifier(f"{prefix}:{terms}")
    if prefix in SEARCH_PREFIXES:
        assert isinstance(parsed, SearchQuery)
    else:
        assert parsed == BareIdentifier(f"{prefix}:{terms}")


@given(
    st.sampled_from(["http", "https"]),
    st.from_regex(r"[a-z0-9]{1,10}(\.[a-z]{2,5}){1,2}", fullmatch=True),
    st.from_regex(r"(/[A-Za-z0-9_\-]{0,8}){0,3}", fullmatch=True),
)
def test_http_urls_parse_as_urls(scheme: str, host: str, path: str) -> None:
    assert parse_identifier(f"{scheme}://{host}{path}") == UrlQuery(f"{scheme}://{host}{path}")


@given(st.lists(st.sampled_from(["never", "gonna", "one", "more", "daft", "PUNK", "the", "x"])))
def test_every_search_result_contains_every_query_word(words: list[str]) -> None:
    terms = " ".join(words)
    results = DEFAULT.search(terms)
    assert len(results) <= SEARCH_LIMIT
    for track in results:
        haystack = f"{track.title} {track.author}".casefold()
        assert all(word.casefold() in haystack for word in words)
    if not words:
        assert results == []


def test_search_ranks_title_phrase_matches_first_and_ignores_case() -> None:
    titles = [t.title for t in DEFAULT.search("NEVER gonna")]
    assert titles[0] == "Never Gonna Give You Up"
    assert "Never Gonna Stop (The Red Red Kroovy)" in titles


def test_search_only_returns_tracks_of_the_prefix_source() -> None:
    youtube = DEFAULT.load("ytsearch:never")
    soundcloud = DEFAULT.load("scsearch:never")
    assert {t["info"]["sourceName"] for t in youtube["data"]} == {"youtube"}
    assert [t["info"]["title"] for t in soundcloud["data"]] == ["Never Be Like You"]


@pytest.mark.parametrize(
    ("identifier", "load_type"),
    [
        ("ytmsearch:daft punk", "search"),
        ("ytsearch:nothing matches this", "empty"),
        ("ytsearch:   ", "empty"),  # no words
        ("spsearch:never gonna", "empty"),  # a source this node does not have
        ("dQw4w9WgXcQ", "track"),  # a bare YouTube video id
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "track"),
        ("https://youtu.be/dQw4w9WgXcQ", "track"),
        ("https://music.youtube.com/watch?v=dQw4w9WgXcQ&feature=share", "track"),
        ("https://soundcloud.com/flume/never-be-like-you", "track"),
        ("https://example.com/audio/tone-440.mp3", "track"),  # the http source
        ("https://www.youtube.com/playlist?list=PLencoreTestMix01", "playlist"),
        ("https://example.com/not-in-the-catalogue.mp3", "empty"),
        ("https://www.youtube.com/watch?v=unknownvid0", "empty"),
    ],
)
def test_loadtracks_result_types(identifier: str, load_type: str) -> None:
    assert DEFAULT.load(identifier)["loadType"] == load_type


def test_a_watch_url_inside_a_playlist_selects_that_track() -> None:
    result = DEFAULT.load("https://www.youtube.com/watch?v=FGBhQbmPwH8&list=PLencoreTestMix01")
    assert result["loadType"] == "playlist"
    data = result["data"]
    assert data["info"] == {"name": "Encore Test Mix", "selectedTrack": 1}
    assert data["tracks"][1]["info"]["title"] == "One More Time"
    assert data["pluginInfo"] == {}


def test_track_objects_have_every_field_wavelink_reads() -> None:
    track = DEFAULT.load("dQw4w9WgXcQ")["data"]
    assert set(track) == {"encoded", "info", "pluginInfo", "userData"}
    assert track["info"] == {
        "identifier": "dQw4w9WgXcQ",
        "isSeekable": True,
        "author": "Rick Astley",
        "length": 213_000,
        "isStream": False,
        "position": 0,
        "title": "Never Gonna Give You Up",
        "uri": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "artworkUrl": "https://i.ytimg.com/vi/dQw4w9WgXcQ/maxresdefault.jpg",
        "isrc": "GBARL9300135",
        "sourceName": "youtube",
    }
    assert decode_track(track["encoded"]) == track["info"]


def test_the_default_catalogue_covers_the_awkward_cases() -> None:
    assert len(DEFAULT.tracks) >= 15
    stream = DEFAULT.find("lofi")
    assert stream.is_stream
    assert not stream.info()["isSeekable"]
    assert "@everyone" in DEFAULT.find("**Bold**").title
    assert any(t.source_name == "soundcloud" for t in DEFAULT.tracks)
    assert len({t.identifier for t in DEFAULT.tracks}) == len(DEFAULT.tracks)


def test_a_custom_catalogue_resolves_only_its_own_tracks() -> None:
    song = CatalogueTrack(title="Custom Song", author="Tester", length=1_000, identifier="custom1")
    catalogue = Catalogue([song])
    assert [t["info"]["title"] for t in catalogue.load("ytsearch:custom")["data"]] == ["Custom Song"]
    assert catalogue.load("ytsearch:never gonna")["loadType"] == "empty"
    assert catalogue.resolve_single("custom1") == song
    assert catalogue.resolve_single("ytsearch:custom") is None  # a search is not a single track
