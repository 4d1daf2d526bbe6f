"""Settings, playlists and the paginated ledger through the API, as a guild admin uses them."""

from __future__ import annotations

from tests.interactions.api.conftest import GUILD_A, Api

BASE = f"/api/v1/guilds/{GUILD_A}"


async def test_settings_change_only_what_is_sent(api: Api) -> None:
    before = (await api.get(f"{BASE}/settings")).json()
    assert before["default_volume"] == 100
    changed = await api.client.patch(
        f"{BASE}/settings", json={"default_volume": 70, "language": "fr"}, headers=api.manager_of(GUILD_A)
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["default_volume"] == 70
    assert changed.json()["language"] == "fr"
    assert changed.json()["vote_skip_ratio"] == before["vote_skip_ratio"]
    cleared = await api.client.patch(f"{BASE}/settings", json={"language": None}, headers=api.admin())
    assert cleared.json()["language"] is None
    assert cleared.json()["default_volume"] == 70


async def test_playlists_are_created_filled_read_and_deleted(api: Api) -> None:
    created = await api.post(f"{BASE}/playlists", {"name": "Friday night"})
    assert created.status_code == 201
    playlist = created.json()
    tracks = {"tracks": [{"title": "One More Time", "uri": "https://example.com/1", "duration_ms": 320_000}]}
    added = await api.post(f"{BASE}/playlists/{playlist['id']}/tracks", tracks)
    assert added.status_code == 200, added.text
    assert [t["title"] for t in added.json()["tracks"]] == ["One More Time"]
    listed = (await api.get(f"{BASE}/playlists")).json()
    assert [(p["name"], p["track_count"]) for p in listed] == [("Friday night", 1)]
    gone = await api.client.delete(f"{BASE}/playlists/{playlist['id']}", headers=api.admin())
    assert gone.status_code == 204
    assert (await api.get(f"{BASE}/playlists/{playlist['id']}")).status_code == 404


async def test_the_free_tier_playlist_limit_is_409(api: Api) -> None:
    for n in range(3):
        assert (await api.post(f"{BASE}/playlists", {"name": f"list {n}"})).status_code == 201
    refused = await api.post(f"{BASE}/playlists", {"name": "one too many"})
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"].endswith("limit-exceeded")


async def test_the_ledger_pages_through_every_entry_once(api: Api) -> None:
    await api.post(f"{BASE}/subscription/change", {"tier": "premium", "when": "now"})
    api.clock.advance(days=3)
    await api.post(f"{BASE}/subscription/change", {"tier": "pro", "when": "now"})
    everything = (await api.get(f"{BASE}/ledger", params={"limit": 100})).json()
    assert everything["next_cursor"] is None
    assert len(everything["items"]) >= 3  # a charge, then a proration credit and charge
    seen: list[int] = []
    cursor: str | None = None
    while True:
        params: dict[str, str | int] = {"limit": 1}
        if cursor is not None:
            params["cursor"] = cursor
        page = (await api.get(f"{BASE}/ledger", params=params)).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [item["id"] for item in everything["items"]]
    bad = await api.get(f"{BASE}/ledger", params={"cursor": "not-a-cursor"})
    assert bad.status_code == 422
