"""Connection faults and session resuming, as the real wavelink 3.5.2 lives through them.

These document what the fleet must handle itself: wavelink resumes after a dropped TCP connection,
starts over after a Lavalink restart, and silently stalls after a proper close frame.
"""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
import wavelink

from encore.simulators.lavalink import LavalinkSimulator
from tests.simulators.conftest import GUILD_ID, FakeClock, Harness, play


async def test_a_dropped_connection_is_resumed(sim: LavalinkSimulator, harness: Harness) -> None:
    node = await harness.connect(sim)
    await play(node, "africa")
    old_session = node.session_id
    mark = len(harness.client.events)

    await sim.abort_websockets()

    ready = await harness.client.wait_for_event("wavelink_node_ready", after=mark)
    assert ready.resumed
    assert ready.session_id == old_session
    assert harness.client.payloads("wavelink_node_disconnected")  # wavelink noticed the drop
    handshakes = sim.requests.matching("GET", "/v4/websocket")
    assert [h.headers.get("Session-Id") for h in handshakes] == [None, old_session]
    player = await sim.wait_for_track(GUILD_ID, "africa")  # kept playing on the node
    assert player.connected
    assert list(sim.sessions) == [old_session]


async def test_events_missed_while_away_are_replayed(sim: LavalinkSimulator, harness: Harness) -> None:
    node = await harness.connect(sim)
    track = await play(node, "africa")
    session = sim.sessions[node.session_id or ""]
    sim.faults.reject_handshake(count=1_000)  # keep wavelink out until the event is queued
    mark = len(harness.client.events)

    await sim.abort_websockets()
    assert not session.connected
    await sim.finish_track(GUILD_ID)  # happens while wavelink is away

    queued = await sim.wait_for_sent(lambda m: m.queued)
    assert queued.payload["type"] == "TrackEndEvent"
    await sim.requests.wait_for(lambda r: r.status == 503)  # wavelink is knocking
    sim.faults.clear()
    ready = await harness.client.wait_for_event("wavelink_node_ready", after=mark)
    assert ready.resumed
    end = await harness.client.wait_for_event("wavelink_track_end", after=mark)
    assert (end.track, end.reason) == (track, "finished")
    assert session.queued == []


async def test_a_restart_loses_sessions_and_players(
    sim: LavalinkSimulator, harness: Harness, http: aiohttp.ClientSession
) -> None:
    node = await harness.connect(sim)
    await play(node, "africa")
    old_session = node.session_id
    port = sim.port
    mark = len(harness.client.events)

    await sim.restart(wipe_sessions=True)

    ready = await harness.client.wait_for_event("wavelink_node_ready", after=mark)
    assert not ready.resumed  # wavelink asked to resume but the node forgot the session
    assert ready.session_id != old_session
    assert sim.port == port
    assert sim.requests.matching("GET", "/v4/websocket")[-1].headers["Session-Id"] == old_session
    assert sim.player(GUILD_ID) is None
    assert list(sim.sessions) == [ready.session_id]
    async with http.get(
        f"{sim.uri}/v4/sessions/{old_session}/players",
        headers={"Authorization": sim.password},
    ) as response:
        assert response.status == 404
        assert (await response.json())["message"] == "Session not found"


async def test_a_restart_that_keeps_sessions_resumes(sim: LavalinkSimulator, harness: Harness) -> None:
    node = await harness.connect(sim)
    await play(node, "africa")
    mark = len(harness.client.events)

    await sim.restart(wipe_sessions=False, downtime=0.1)

    ready = await harness.client.wait_for_event("wavelink_node_ready", after=mark)
    assert ready.resumed
    assert sim.player(GUILD_ID) is not None


async def test_a_close_frame_stalls_wavelink(sim: LavalinkSimulator, harness: Harness) -> None:
    """wavelink 3.5.2 bug: on a close frame its keep-alive task dies with a TypeError (it parses
    the close code as JSON). No reconnect, no node_disconnected, and the node still says CONNECTED.
    The fleet's watchdog must catch this."""
    node = await harness.connect(sim)
    mark = len(harness.client.events)

    await sim.close_websockets(1000)

    assert node._websocket is not None
    keep_alive = node._websocket.keep_alive_task
    assert keep_alive is not None
    await asyncio.wait_for(asyncio.wait([keep_alive]), 2.0)
    assert isinstance(keep_alive.exception(), TypeError)
    await asyncio.sleep(0.3)
    assert node.status is wavelink.NodeStatus.CONNECTED
    assert len(sim.requests.matching("GET", "/v4/websocket")) == 1  # it never came back
    assert harness.client.payloads("wavelink_node_disconnected")[mark:] == []
    assert sim.sessions == {node.session_id: sim.sessions[node.session_id or ""]}
    assert not sim.sessions[node.session_id or ""].connected  # waiting, in vain, for a resume


async def raw_session(
    sim: LavalinkSimulator, http: aiohttp.ClientSession, session_id: str | None = None
) -> tuple[aiohttp.ClientWebSocketResponse, dict[str, object]]:
    headers = {"Authorization": sim.password, "User-Id": "1", "Client-Name": "raw/1.0"}
    if session_id:
        headers["Session-Id"] = session_id
    socket = await http.ws_connect(f"{sim.uri}/v4/websocket", headers=headers)
    ready: dict[str, object] = await socket.receive_json()
    assert ready["op"] == "ready"
    return socket, ready


async def test_a_session_is_resumable_only_within_its_timeout(
    http: aiohttp.ClientSession,
) -> None:
    clock = FakeClock()
    async with LavalinkSimulator(clock=clock) as sim:
        socket, ready = await raw_session(sim, http)
        session_id = str(ready["sessionId"])
        async with http.patch(
            f"{sim.uri}/v4/sessions/{session_id}",
            json={"resuming": True, "timeout": 30},
            headers={"Authorization": sim.password},
        ) as response:
            assert await response.json() == {"resuming": True, "timeout": 30}
        await socket.close()
        await sim.wait_until(lambda: not sim.sessions[session_id].connected)

        clock.advance(29)
        await sim.tick()
        assert session_id in sim.sessions
        clock.advance(2)
        await sim.tick()
        assert session_id not in sim.sessions  # timed out

        socket, ready = await raw_session(sim, http, session_id)
        assert ready["resumed"] is False
        assert ready["sessionId"] != session_id
        await socket.close()


async def test_a_resuming_session_survives_a_tick_while_its_socket_closes(
    sim: LavalinkSimulator, http: aiohttp.ClientSession
) -> None:
    """On a loaded machine the ticker can run after a socket started closing but before the
    endpoint detached its session; the session must still wait to be resumed, not vanish."""
    socket, ready = await raw_session(sim, http)
    session_id = str(ready["sessionId"])
    sim.sessions[session_id].resuming = True

    async with sim.lock:  # hold the ticker back until the socket is closed on both ends
        await asyncio.sleep(sim.tick_interval * 5)  # the ticker is now queued first for the lock
        await socket.close()

    again, ready = await raw_session(sim, http, session_id)
    assert (ready["resumed"], ready["sessionId"]) == (True, session_id)
    await again.close()


@pytest.mark.parametrize("resuming", [False, True])
async def test_closing_a_socket_destroys_a_session_unless_resuming(
    sim: LavalinkSimulator, http: aiohttp.ClientSession, resuming: bool
) -> None:
    socket, ready = await raw_session(sim, http)
    session_id = str(ready["sessionId"])
    sim.sessions[session_id].resuming = resuming

    await socket.close()
    await sim.wait_until(lambda: session_id not in sim.sessions or not sim.sessions[session_id].connected)

    assert (session_id in sim.sessions) is resuming
    if resuming:
        again, ready = await raw_session(sim, http, session_id)
        assert (ready["resumed"], ready["sessionId"]) == (True, session_id)
        await again.close()
