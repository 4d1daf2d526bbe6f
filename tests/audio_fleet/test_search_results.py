"""Stored /search results and the picker built from them."""

from __future__ import annotations

import wavelink

from audio_fleet.search import SearchResults, picker
from encore.custom_ids import SearchPick, decode


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def track(title: str, author: str = "Someone") -> wavelink.Playable:
    data = {
        "encoded": f"enc-{title}",
        "info": {
            "identifier": title,
            "isSeekable": True,
            "author": author,
            "length": 61_000,
            "isStream": False,
            "position": 0,
            "title": title,
            "uri": None,
            "sourceName": "youtube",
        },
        "pluginInfo": {},
    }
    return wavelink.Playable(data)  # type: ignore[arg-type]


def test_results_last_their_ttl_and_belong_to_their_guild() -> None:
    clock = Clock()
    results = SearchResults(ttl_s=60, clock=clock)
    tracks = [track("a"), track("b")]
    nonce = results.put(1, tracks)
    SearchPick(1, nonce)  # a nonce is valid in a custom id
    assert results.get(1, nonce) == tuple(tracks)
    assert results.get(2, nonce) is None
    clock.now += 60
    assert results.get(1, nonce) is None


def test_the_oldest_results_make_room() -> None:
    results = SearchResults(capacity=2, clock=Clock())
    first = results.put(1, [track("a")])
    second = results.put(1, [track("b")])
    third = results.put(1, [track("c")])
    assert results.get(1, first) is None
    assert results.get(1, second) is not None
    assert results.get(1, third) is not None


def test_picker_is_one_select_menu_within_discords_limits() -> None:
    long = track("x" * 150, author="y" * 150)
    [row] = picker(7, "nonce", [track("Song"), long], "Choose a song")
    [select] = row["components"]
    assert decode(select["custom_id"]) == SearchPick(7, "nonce")
    assert select["type"] == 3
    assert select["min_values"] == select["max_values"] == 1
    assert [o["value"] for o in select["options"]] == ["0", "1"]
    assert select["options"][0]["description"] == "Someone · 1:01"
    assert all(len(o["label"]) <= 100 and len(o["description"]) <= 100 for o in select["options"])
