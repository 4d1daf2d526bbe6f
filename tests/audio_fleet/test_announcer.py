"""The now-playing buttons: one per action, pause or resume as the player is."""

from __future__ import annotations

from audio_fleet.announcer import player_buttons
from encore.custom_ids import NowPlayingAction, NowPlayingButton, decode


def actions(rows: list[dict[str, object]]) -> list[NowPlayingAction]:
    found = []
    for row in rows:
        for button in row["components"]:  # type: ignore[attr-defined]
            target = decode(button["custom_id"])
            assert isinstance(target, NowPlayingButton)
            assert target.guild_id == 5
            found.append(target.action)
    return found


def test_playing_shows_pause_and_paused_shows_resume() -> None:
    playing = actions(player_buttons(5, paused=False))
    paused = actions(player_buttons(5, paused=True))
    assert NowPlayingAction.PAUSE in playing
    assert NowPlayingAction.RESUME not in playing
    assert NowPlayingAction.RESUME in paused
    assert NowPlayingAction.PAUSE not in paused
    everything_else = set(NowPlayingAction) - {NowPlayingAction.PAUSE, NowPlayingAction.RESUME}
    assert everything_else <= set(playing)
    assert len(playing) == len(set(playing)) == 6


def test_rows_fit_discords_limits() -> None:
    rows = player_buttons(5, paused=False)
    assert len(rows) <= 5
    assert all(len(row["components"]) <= 5 for row in rows)
