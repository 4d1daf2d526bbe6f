"""Autoplay's idea of a guild's taste: what it played, plus the genres its admins chose."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from audio_fleet.autoplay_scoring import (
    GENRE_WORDS,
    Candidate,
    TrackFacts,
    genre_preferences,
    guild_preferences,
    pick,
)

JAZZ = TrackFacts("j1", "Late Night Jazz Session", "Blue Trio", 240_000)
ROCK = TrackFacts("r1", "Garage Rock Anthem", "The Amps", 230_000)
POP = TrackFacts("p1", "Summer Pop Hit", "Sunny", 200_000)


def test_stated_genres_count_fully_whatever_their_spelling() -> None:
    assert guild_preferences([POP], ["Jazz", "hip-hop", "K-Pop", "polka"]) == {
        "pop": 1.0,
        "jazz": 1.0,
        "hiphop": 1.0,
        "kpop": 1.0,
    }


def test_the_guilds_chosen_genre_tips_the_pick() -> None:
    history = [POP]
    offered = [Candidate(ROCK, "radio", 0), Candidate(JAZZ, "radio", 1)]
    assert pick(offered, history, guild_preferences(history)) == offered[0]  # the node's order
    assert pick(offered, history, guild_preferences(history, ["jazz"])) == offered[1]


@given(
    titles=st.lists(st.sampled_from(["jazz night", "rock song", "lofi beats", "plain"]), max_size=8),
    stated=st.lists(st.sampled_from([*GENRE_WORDS, "unknown", "HIP HOP"]), max_size=5),
)
def test_preferences_stay_within_0_and_1_and_keep_the_history(titles: list[str], stated: list[str]) -> None:
    history = [TrackFacts(str(i), t, "Artist", 200_000) for i, t in enumerate(titles)]
    learnt = genre_preferences(history)
    merged = guild_preferences(history, stated)
    assert all(0.0 <= v <= 1.0 for v in merged.values())
    assert set(merged) <= set(GENRE_WORDS)
    for genre, share in learnt.items():
        assert merged[genre] >= share
