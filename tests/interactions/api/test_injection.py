"""Strings that would break a query built by string concatenation, in every string field: they are
stored and returned verbatim, or refused with a 4xx -- never a server error, never a lost table."""

from __future__ import annotations

import pytest

from tests.interactions.api.conftest import GUILD_A, Api

BASE = f"/api/v1/guilds/{GUILD_A}"

NASTY = [
    "'; DROP TABLE guilds; --",
    "Robert'); DROP TABLE playlists;--",
    '" OR "1"="1',
    "1 OR 1=1",
    "%' UNION SELECT key_hash FROM admin_keys --",
    "\\'; SELECT pg_sleep(5); --",
    "😀 ünïcödé ‮reversed",
]


@pytest.mark.parametrize("nasty", NASTY)
async def test_injection_strings_are_data(api: Api, nasty: str) -> None:
    created = await api.post(f"{BASE}/playlists", {"name": nasty})
    assert created.status_code == 201, created.text
    assert created.json()["name"] == nasty
    playlist = created.json()["id"]
    tracks = {"tracks": [{"title": nasty, "uri": nasty}]}
    added = await api.post(f"{BASE}/playlists/{playlist}/tracks", tracks)
    assert added.status_code == 200, added.text
    track = added.json()["tracks"][0]
    assert (track["title"], track["uri"]) == (nasty, nasty)
    refused = [
        await api.post(f"{BASE}/subscription/trial", {"tier": nasty}),
        await api.post(f"{BASE}/subscription/change", {"tier": nasty, "when": "now"}),
        await api.get(f"{BASE}/ledger", params={"cursor": nasty}),
        await api.client.patch(f"{BASE}/settings", json={"language": nasty}, headers=api.admin()),
        await api.client.patch(f"{BASE}/settings", json={"genre_preferences": [nasty]}, headers=api.admin()),
        await api.client.get(f"{BASE}/subscription", headers={b"Authorization": f"Bearer {nasty}".encode()}),
        await api.client.get(f"{BASE}/subscription", headers={b"X-Admin-Key": nasty.encode()}),
        await api.client.post(
            f"{BASE}/playlists",
            json={"name": "x"},
            headers={b"X-Admin-Key": api.admin_key.encode(), b"Idempotency-Key": nasty.encode()},
        ),
    ]
    for answer in refused:
        assert answer.status_code < 500, answer.text
    # Everything is still there.
    listed = (await api.get(f"{BASE}/playlists")).json()
    assert [p["name"] for p in listed] == [nasty]
    assert (await api.get(f"{BASE}/subscription")).status_code == 200
