"""The simulator's REST and handshake edges, spoken to with a plain aiohttp client."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from encore.simulators.lavalink import Catalogue, LavalinkSimulator
from tests.simulators.conftest import GUILD_ID, VOICE

RICK = Catalogue.default().find("never gonna give")


class Rest:
    """A tiny Lavalink REST client holding one open session."""

    def __init__(self, sim: LavalinkSimulator, http: aiohttp.ClientSession) -> None:
        self.sim = sim
        self.http = http
        self.session_id = ""
        self.socket: aiohttp.ClientWebSocketResponse | None = None

    async def open(self) -> None:
        self.socket = await self.http.ws_connect(
            f"{self.sim.uri}/v4/websocket",
            headers={"Authorization": self.sim.password, "User-Id": "1", "Client-Name": "t/1"},
        )
        ready = await self.socket.receive_json()
        self.session_id = ready["sessionId"]

    async def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: str | None = None,
        password: str | None = None,
    ) -> tuple[int, Any]:
        headers = {"Authorization": self.sim.password if password is None else password}
        async with self.http.request(
            method, self.sim.uri + path, json=json, data=data, headers=headers
        ) as response:
            if response.status == 204:
                return 204, None
            if response.content_type == "application/json":
                return response.status, await response.json()
            return response.status, await response.text()

    def player_path(self, query: str = "") -> str:
        return f"/v4/sessions/{self.session_id}/players/{GUILD_ID}{query}"


@pytest.fixture
async def rest(sim: LavalinkSimulator, http: aiohttp.ClientSession) -> AsyncIterator[Rest]:
    client = Rest(sim, http)
    await client.open()
    yield client
    if client.socket is not None:
        await client.socket.close()


def assert_lavalink_error(body: Any, status: int, path: str) -> None:
    assert set(body) == {"timestamp", "status", "error", "message", "path"}
    assert body["status"] == status
    assert body["path"] == path
    assert abs(body["timestamp"] - time.time() * 1000) < 60_000


async def test_every_route_needs_the_password(rest: Rest) -> None:
    for method, path in [("GET", "/version"), ("GET", "/v4/info"), ("GET", rest.player_path())]:
        status, body = await rest.call(method, path, password="nope")
        assert status == 401
        assert_lavalink_error(body, 401, path)
        assert body["error"] == "Unauthorized"
    assert {r.status for r in rest.sim.requests.matching("GET", "/v")} >= {401}


async def test_version_is_plain_text_and_stats_have_no_frame_stats(rest: Rest) -> None:
    assert await rest.call("GET", "/version") == (200, "4.2.1")
    status, stats = await rest.call("GET", "/v4/stats")
    assert status == 200
    assert "frameStats" not in stats
    assert stats["players"] == 0


async def test_the_handshake_needs_a_user_id(sim: LavalinkSimulator, http: aiohttp.ClientSession) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError) as raised:
        await http.ws_connect(f"{sim.uri}/v4/websocket", headers={"Authorization": sim.password})
    assert raised.value.status == 400
    assert sim.requests.matching("GET", "/v4/websocket")[0].status == 400


async def test_unknown_sessions_and_players_are_404(rest: Rest) -> None:
    status, body = await rest.call("GET", f"/v4/sessions/nope/players/{GUILD_ID}")
    assert status == 404
    assert body["message"] == "Session not found"
    status, body = await rest.call("GET", rest.player_path())
    assert (status, body["message"]) == (404, "Player not found")
    assert await rest.call("DELETE", rest.player_path()) == (204, None)  # deleting nothing is fine


@pytest.mark.parametrize(
    ("query", "replaced"),
    [
        ("?noReplace=False", True),  # wavelink spells Python booleans
        ("?noReplace=TRUE", False),
        ("?noReplace=true", False),
        ("", True),  # default: replace
    ],
)
async def test_no_replace_is_parsed_case_insensitively(rest: Rest, query: str, replaced: bool) -> None:
    other = Catalogue.default().find("one more time")
    await rest.call("PATCH", rest.player_path(), json={"track": {"encoded": RICK.encoded}})
    status, body = await rest.call(
        "PATCH", rest.player_path(query), json={"track": {"encoded": other.encoded}}
    )
    assert status == 200
    assert (body["track"]["info"]["title"] == "One More Time") is replaced


@pytest.mark.parametrize(
    "body",
    [
        {"volume": 1001},
        {"volume": -1},
        {"volume": "loud"},
        {"position": -5},
        {"paused": "yes"},
        {"voice": {"token": "t", "sessionId": "s"}},  # partial voice state
        {"track": {"encoded": "garbage"}},
        {"track": {"encoded": RICK.encoded, "identifier": "dQw4w9WgXcQ"}},
        {"track": {"identifier": "ytsearch:never gonna"}},  # a search is not a single track
        {"encodedTrack": RICK.encoded, "track": {"encoded": RICK.encoded}},
    ],
)
async def test_invalid_player_updates_are_400(rest: Rest, body: dict[str, Any]) -> None:
    status, answer = await rest.call("PATCH", rest.player_path(), json=body)
    assert status == 400
    assert_lavalink_error(answer, 400, rest.player_path())
    assert rest.sim.player(GUILD_ID) is None  # nothing was created


async def test_a_bad_no_replace_or_json_body_is_400(rest: Rest) -> None:
    status, _ = await rest.call("PATCH", rest.player_path("?noReplace=maybe"), json={})
    assert status == 400
    status, _ = await rest.call("PATCH", rest.player_path(), data="{not json")
    assert status == 400


async def test_a_player_object_is_complete(rest: Rest) -> None:
    body = {
        "track": {"identifier": "https://youtu.be/dQw4w9WgXcQ", "userData": {"q": 1}},
        "voice": VOICE,
        "volume": 55,
        "filters": {"timescale": {"speed": 1.25}},
    }
    status, player = await rest.call("PATCH", rest.player_path(), json=body)

    assert status == 200
    assert set(player) == {"guildId", "track", "volume", "paused", "state", "voice", "filters"}
    assert player["track"]["info"]["identifier"] == "dQw4w9WgXcQ"
    assert player["track"]["userData"] == {"q": 1}
    assert (player["volume"], player["paused"]) == (55, False)
    assert player["voice"] == VOICE
    assert player["filters"] == {"timescale": {"speed": 1.25}}
    assert set(player["state"]) == {"time", "position", "connected", "ping"}
    status, players = await rest.call("GET", f"/v4/sessions/{rest.session_id}/players")
    assert [p["guildId"] for p in players] == [str(GUILD_ID)]


async def test_user_data_alone_updates_the_current_track(rest: Rest) -> None:
    await rest.call("PATCH", rest.player_path(), json={"track": {"encoded": RICK.encoded}})
    status, player = await rest.call(
        "PATCH", rest.player_path(), json={"track": {"userData": {"loop": True}}}
    )
    assert status == 200
    assert player["track"]["userData"] == {"loop": True}
    starts = [m for m in rest.sim.sent if m.payload.get("type") == "TrackStartEvent"]
    assert len(starts) == 1  # not restarted


async def test_decoding_tracks(rest: Rest) -> None:
    status, track = await rest.call("GET", f"/v4/decodetrack?encodedTrack={RICK.encoded}")
    assert status == 200
    assert track["info"]["title"] == "Never Gonna Give You Up"
    status, body = await rest.call("GET", "/v4/decodetrack?encodedTrack=QAAAgarbage")
    assert status == 400
    assert_lavalink_error(body, 400, "/v4/decodetrack")
    status, tracks = await rest.call("POST", "/v4/decodetracks", json=[RICK.encoded, RICK.encoded])
    assert (status, len(tracks)) == (200, 2)


async def test_rest_latency_delays_answers(rest: Rest) -> None:
    rest.sim.faults.rest_latency = 0.2
    started = time.monotonic()
    assert (await rest.call("GET", "/version"))[0] == 200
    assert time.monotonic() - started >= 0.2


async def test_generic_request_failures(rest: Rest) -> None:
    rest.sim.faults.fail_requests("GET", "/v4/loadtracks", count=2, status=503)
    for _ in range(2):
        status, body = await rest.call("GET", "/v4/loadtracks?identifier=ytsearch:africa")
        assert status == 503
        assert body["error"] == "Service Unavailable"
    status, body = await rest.call("GET", "/v4/loadtracks?identifier=ytsearch:africa")
    assert (status, body["loadType"]) == (200, "search")
    assert [r.status for r in rest.sim.requests.matching("GET", "/v4/loadtracks")] == [503, 503, 200]


async def test_unknown_routes_get_a_lavalink_404(rest: Rest) -> None:
    status, body = await rest.call("GET", "/v4/nothing-here")
    assert status == 404
    assert_lavalink_error(body, 404, "/v4/nothing-here")
