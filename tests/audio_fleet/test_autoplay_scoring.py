"""Autoplay's choice, on fixtures: what follows a history, and what must never play next."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from audio_fleet.autoplay_scoring import (
    AutoplayPolicy,
    Candidate,
    TrackFacts,
    artist_key,
    candidate_queries,
    genre_preferences,
    genres_of,
    pick,
    rank,
    score,
    song_key,
)


def track(
    title: str, author: str, length_s: int = 210, identifier: str | None = None, **extra: bool
) -> TrackFacts:
    return TrackFacts(
        identifier=identifier or f"{author}:{title}",
        title=title,
        author=author,
        length_ms=length_s * 1000,
        is_stream=extra.get("is_stream", False),
    )


SYNTH_HISTORY = [
    track("Midnight Drive (Synthwave Mix)", "Neon Coast"),
    track("Solar Flare - Techno Edit", "Kilohertz"),
    track("Deep House Sunrise", "Marina Vale"),
    track("Night Runner (Synthwave)", "Neon Coast"),
    track("Pulse (Extended Mix)", "Kilohertz"),
]


def offer(*tracks: TrackFacts) -> list[Candidate]:
    return [Candidate(t, "radio", index) for index, t in enumerate(tracks)]


def test_a_song_in_the_guilds_genre_beats_one_outside_it() -> None:
    rock = track("Stone Cold Guitar Anthem", "The Gravel")
    house = track("Warehouse House Groove", "Lumen")
    chosen = pick(offer(rock, house), SYNTH_HISTORY)
    assert chosen is not None
    assert chosen.track == house


def test_nothing_played_within_the_history_window_plays_again() -> None:
    again = SYNTH_HISTORY[0]
    reupload = track(
        "Midnight Drive (Synthwave Mix) [Official Video]", "NeonCoastVEVO", identifier="other-id"
    )
    fresh = track("Laser Highway (Synthwave)", "Arcade Ghost")
    chosen = pick(offer(again, reupload, fresh), SYNTH_HISTORY)
    assert chosen is not None
    assert chosen.track == fresh


def test_no_artist_twice_within_the_spacing() -> None:
    # Kilohertz played last (and Neon Coast two before): three tracks of spacing blocks both.
    same_artist = track("Another Techno Cut", "Kilohertz")
    recent_artist = track("Synthwave Dawn", "Neon Coast")
    other = track("Trance Horizon", "Vela")
    ranked = rank(offer(same_artist, recent_artist, other), SYNTH_HISTORY, genre_preferences(SYNTH_HISTORY))
    assert [s.candidate.track for s in ranked] == [other]
    # With a spacing of 1 only the last artist is blocked.
    loose = AutoplayPolicy(artist_spacing=1)
    ranked = rank(offer(same_artist, recent_artist), SYNTH_HISTORY, {}, loose)
    assert [s.candidate.track for s in ranked] == [recent_artist]


def test_an_artist_the_guild_played_earlier_counts_for_it() -> None:
    history = [track("Velvet", "Aurora Lane"), *SYNTH_HISTORY]
    known = Candidate(track("Glass", "Aurora Lane"), "artist", 3)
    stranger = Candidate(track("Glass Two", "Nobody Known"), "artist", 3)
    assert score(known, history, {}) > score(stranger, history, {})


def test_streams_and_ten_hour_loops_never_play() -> None:
    stream = track("lofi hip hop radio - beats to relax", "Lofi Girl", is_stream=True)
    loop = track("10 Hours of Rain", "Sleep Sounds", length_s=36_000)
    assert pick(offer(stream, loop), SYNTH_HISTORY) is None


def test_nothing_to_recommend() -> None:
    assert pick([], SYNTH_HISTORY) is None
    assert pick(offer(*SYNTH_HISTORY), SYNTH_HISTORY) is None


def test_the_guilds_genre_preferences_break_ties() -> None:
    history = [track("Quiet Piano Sonata", "Hana Ito"), track("Rainy Jazz Swing", "Blue Lamp")]
    jazz = Candidate(track("Bebop Walk", "Satin Keys"), "radio", 0)
    classical = Candidate(track("Cello Concerto", "Ilse Marr"), "radio", 0)
    leaning_jazz = {"jazz": 1.0, "classical": 0.1}
    assert score(jazz, history, leaning_jazz) > score(classical, history, leaning_jazz)
    leaning_classical = {"jazz": 0.1, "classical": 1.0}
    assert score(classical, history, leaning_classical) > score(jazz, history, leaning_classical)


def test_the_nodes_order_decides_between_equals() -> None:
    first, second = track("Alpha", "One"), track("Beta", "Two")
    chosen = pick([Candidate(second, "radio", 1), Candidate(first, "radio", 0)], [track("Gamma", "Three")])
    assert chosen is not None
    assert chosen.track == first


def test_genres_and_preferences() -> None:
    assert genres_of(track("Deep House Sunrise", "Marina Vale")) == {"electronic"}
    assert genres_of(track("Lo-Fi study beats", "Chill Cow")) == {"lofi"}
    assert genres_of(track("Untitled", "Someone")) == frozenset()
    prefs = genre_preferences(SYNTH_HISTORY)
    assert prefs["electronic"] == 1.0
    assert genre_preferences([]) == {}


def test_song_and_artist_keys_see_through_uploads() -> None:
    assert artist_key("RickAstleyVEVO") == artist_key("Rick Astley") == artist_key("Rick Astley - Topic")
    official = track("Never Gonna Give You Up (Official Music Video)", "Rick Astley")
    plain = track("Never Gonna Give You Up", "RickAstleyVEVO")
    assert song_key(official) == song_key(plain)
    assert song_key(track("Rick Astley - Never Gonna Give You Up", "Some Uploader"))[0] == song_key(plain)[0]


# -- properties ---------------------------------------------------------------------------------

ARTISTS = ["Ana", "Bo", "Cy", "Dee", "Eve", "Fay"]
WORDS = ["house", "rock", "jazz", "love", "night", "piano", "rain", "dance", "blue", "gold"]

tracks = st.builds(
    track,
    title=st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map(" ".join),
    author=st.sampled_from(ARTISTS),
    length_s=st.integers(min_value=1, max_value=4000),
    identifier=st.sampled_from([f"id{n}" for n in range(12)]),
)


@given(
    history=st.lists(tracks, max_size=12),
    candidates=st.lists(tracks, max_size=15),
    window=st.integers(min_value=0, max_value=12),
    spacing=st.integers(min_value=0, max_value=5),
)
def test_the_pick_never_breaks_the_rules(
    history: list[TrackFacts], candidates: list[TrackFacts], window: int, spacing: int
) -> None:
    policy = AutoplayPolicy(history_window=window, artist_spacing=spacing)
    offered = offer(*candidates)
    ranked = rank(offered, history, genre_preferences(history), policy)
    for entry in ranked:
        chosen = entry.candidate.track
        assert 0.0 <= entry.score <= 1.0
        assert not chosen.is_stream
        assert 0 < chosen.length_ms <= policy.max_length_ms
        recent = history[-window:] if window else []
        assert chosen.identifier not in {t.identifier for t in recent}
        assert song_key(chosen) not in {song_key(t) for t in recent}
        spaced = history[-spacing:] if spacing else []
        assert artist_key(chosen.author) not in {artist_key(t.author) for t in spaced}
    assert len({song_key(e.candidate.track) for e in ranked}) == len(ranked)  # one entry per song
    assert [e.score for e in ranked] == sorted((e.score for e in ranked), reverse=True)
    best = pick(offered, history, policy=policy)
    assert best == (ranked[0].candidate if ranked else None)


def test_what_autoplay_asks_the_node_for() -> None:
    seed = TrackFacts("dQw4w9WgXcQ", "Never Gonna Give You Up", "Rick Astley", 213_000)
    history = [track("Velvet", "Aurora Lane"), track("Glass", "Kilohertz"), *SYNTH_HISTORY[-3:], seed]
    queries = candidate_queries(seed, ["youtube"], history)
    assert queries[0] == ("radio", "https://www.youtube.com/watch?v=dQw4w9WgXcQ&list=RDdQw4w9WgXcQ")
    # Artists outside the spacing window (the last 3 tracks), most recent first, at most two.
    assert queries[1:] == [("artist", "ytsearch:Marina Vale"), ("artist", "ytsearch:Aurora Lane")]


def test_recommendations_only_when_the_node_has_the_source() -> None:
    spotify = TrackFacts("4cOdK2wGLETKBW3PvgPWqT", "Song", "Artist", 200_000, source="spotify")
    assert candidate_queries(spotify, ["youtube"], [spotify]) == [("artist", "ytsearch:Artist")]
    assert candidate_queries(spotify, ["youtube", "spotify"], [spotify])[0] == (
        "recommendations",
        "sprec:seed_tracks=4cOdK2wGLETKBW3PvgPWqT",
    )
    deezer = TrackFacts("3135556", "Song", "Artist", 200_000, source="deezer")
    assert candidate_queries(deezer, ["deezer"], [deezer])[0] == ("recommendations", "dzrec:3135556")
