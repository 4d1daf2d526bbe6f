"""Lavalink's track exceptions in words a listener can act on, and the Source of loads."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audio_fleet.track_errors import TrackProblem, classify, explain, retryable, source_label, source_of


@pytest.mark.parametrize(
    ("message", "severity", "problem"),
    [
        # What YouTube (through Lavalink's youtube-source plugin) actually says.
        ("Sign in to confirm you're not a bot", "common", TrackProblem.BOT_CHECK),
        # (YouTube writes a typographic apostrophe.)
        ("Sign in to confirm you\u2019re not a bot. This helps protect our community.", "common",
         TrackProblem.BOT_CHECK),
        ("This video requires login.", "common", TrackProblem.BOT_CHECK),
        ("Sign in to confirm your age. This video may be inappropriate for some users.", "common",
         TrackProblem.AGE_RESTRICTED),
        ("This video is age restricted", "common", TrackProblem.AGE_RESTRICTED),
        ("The uploader has not made this video available in your country", "common",
         TrackProblem.REGION_BLOCKED),
        ("Video unavailable", "common", TrackProblem.UNAVAILABLE),
        ("This video is private", "common", TrackProblem.UNAVAILABLE),
        ("This video has been removed for violating YouTube's Terms of Service", "common",
         TrackProblem.UNAVAILABLE),
        ("Read timed out", "fault", TrackProblem.TRANSIENT),
        ("Connection reset", "suspicious", TrackProblem.TRANSIENT),
        ("Something went wrong when looking up the track", "fault", TrackProblem.TRANSIENT),
        ("Something broke when playing the track.", "common", TrackProblem.UNKNOWN),
        (None, "suspicious", TrackProblem.UNKNOWN),
    ],
)  # fmt: skip
def test_lavalink_messages_are_classified(message: str | None, severity: str, problem: TrackProblem) -> None:
    assert classify(message, severity) is problem


def test_the_cause_explains_a_vague_message() -> None:
    cause = "java.net.SocketTimeoutException: Read timed out"
    assert classify("Something went wrong", "suspicious", cause) is TrackProblem.TRANSIENT


def test_only_transient_problems_are_retried() -> None:
    assert [p for p in TrackProblem if retryable(p)] == [TrackProblem.TRANSIENT]


@given(st.text(), st.sampled_from(["common", "suspicious", "fault", ""]), st.text() | st.none())
def test_any_exception_gets_a_problem_and_a_message(message: str, severity: str, cause: str | None) -> None:
    problem = classify(message, severity, cause)
    assert explain(problem, "en-US", source="youtube", reason=message or None)


@pytest.mark.parametrize(
    ("query", "source"),
    [
        ("ytsearch:never gonna", "youtube"),
        ("ytmsearch:never gonna", "youtube"),
        ("scsearch:flume", "soundcloud"),
        ("SCSEARCH:flume", "soundcloud"),
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "youtube"),
        ("https://youtu.be/dQw4w9WgXcQ", "youtube"),
        ("https://soundcloud.com/flume/never-be-like-you", "soundcloud"),
        ("https://open.spotify.com/track/4cOdK2wGLETKBW3PvgPWqT", "spotify"),
        ("https://example.com/stream.mp3", "http"),
        ("dQw4w9WgXcQ", "unknown"),
        ("", "unknown"),
    ],
)
def test_the_source_of_a_query(query: str, source: str) -> None:
    assert source_of(query) == source


def test_a_tracks_own_source_name_wins() -> None:
    assert source_of("https://example.com/x", "SoundCloud") == "soundcloud"


def test_explanations_name_the_source_as_listeners_know_it() -> None:
    text = explain(TrackProblem.BOT_CHECK, "en-US", source="youtube")
    assert text.startswith("YouTube is blocking the music server right now")
    assert source_label("soundcloud") == "SoundCloud"
    assert (
        explain(TrackProblem.UNKNOWN, "en-US", source="youtube", reason="Boom")
        == "I couldn't load that: Boom"
    )


def test_explanations_are_localised() -> None:
    assert explain(TrackProblem.AGE_RESTRICTED, "fr", source="youtube").startswith("Ce titre est soumis")
    assert explain(TrackProblem.TRANSIENT, "pt-BR", source="soundcloud").startswith("O SoundCloud")
