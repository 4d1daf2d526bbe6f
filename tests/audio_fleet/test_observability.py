"""Correlation ids, the X-Ray trace header and the DequeueToLavalink timing."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator

import aiohttp
import pytest
from aiohttp import web
from hypothesis import given
from hypothesis import strategies as st
from yarl import URL

from audio_fleet import observability
from audio_fleet.observability import (
    TraceContext,
    current_interaction,
    handling,
    install_correlation,
    lavalink_trace_config,
    origins,
)
from encore.metrics import RecordingSink

HEADER = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"


@pytest.fixture(autouse=True)
def correlated_logs() -> Iterator[None]:
    undo = install_correlation()
    yield
    undo()


def test_trace_header_is_parsed() -> None:
    trace = TraceContext.parse(HEADER)
    assert trace == TraceContext(
        root="1-5759e988-bd862e3fe1be46a994272793", parent="53995c3f42cd8ad8", sampled=True, header=HEADER
    )
    assert TraceContext.parse("Root=1-a-b") == TraceContext(root="1-a-b", header="Root=1-a-b")


@pytest.mark.parametrize("header", [None, "", "Parent=53995c3f42cd8ad8;Sampled=1", "garbage", "Root="])
def test_header_without_a_root_is_no_trace(header: str | None) -> None:
    assert TraceContext.parse(header) is None


@given(st.text(max_size=200))
def test_any_header_parses_without_error(header: str) -> None:
    trace = TraceContext.parse(header)
    assert trace is None or (trace.root and "Root=" in header)


async def test_concurrent_commands_keep_their_own_ids(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    sink = RecordingSink()

    async def command(interaction_id: int) -> int | None:
        with handling(interaction_id, None, sink=sink, dequeued_at=0.0):
            await asyncio.sleep(0.01)
            logging.getLogger("audio_fleet.test").info("in %s", interaction_id)
            return current_interaction()

    assert list(await asyncio.gather(command(1), command(2))) == [1, 2]
    stamped = {r.getMessage(): r.correlation_id for r in caplog.records}  # type: ignore[attr-defined]
    assert stamped == {"in 1": "1", "in 2": "2"}
    assert current_interaction() is None
    logging.getLogger("audio_fleet.test").info("outside")
    assert caplog.records[-1].correlation_id == "-"  # type: ignore[attr-defined]


async def test_first_lavalink_request_of_a_command_is_timed() -> None:
    async def ok(request: web.Request) -> web.Response:
        return web.json_response({})

    app = web.Application()
    app.router.add_get("/{tail:.*}", ok)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    lavalink = f"http://127.0.0.1:{port}"
    sink = RecordingSink()
    trace = lavalink_trace_config(origins([lavalink]))
    try:
        async with aiohttp.ClientSession(trace_configs=[trace]) as session:
            await (await session.get(f"{lavalink}/v4/info")).read()  # outside a command: nothing
            with handling(1, None, sink=sink, dequeued_at=100.0, clock=lambda: 100.25):
                await (await session.get(f"http://localhost:{port}/other")).read()  # not a node
                await (await session.get(f"{lavalink}/v4/loadtracks")).read()
                await (await session.get(f"{lavalink}/v4/sessions")).read()
    finally:
        await runner.cleanup()
    assert sink.values == [("DequeueToLavalink", 250.0, {})]


def test_origins_match_scheme_host_and_port() -> None:
    is_node = origins(["http://lavalink:2333", "https://node-b.example/"])
    assert is_node(URL("http://lavalink:2333/v4/loadtracks?identifier=x"))
    assert is_node(URL("https://node-b.example/v4/info"))
    assert not is_node(URL("http://lavalink:2334/v4/info"))
    assert not is_node(URL("https://discord.com/api/v10/webhooks/1/t/messages/@original"))


@pytest.fixture
def restored_loggers() -> Iterator[None]:
    """configure_logging reconfigures process-wide loggers: put them back for the other tests."""
    names = [*observability.FLEET_LOGGERS, observability.FLEET_LOG_SERVICE]
    saved = {name: logging.getLogger(name) for name in names}
    state = {name: (lg.handlers[:], lg.propagate, lg.level, dict(vars(lg))) for name, lg in saved.items()}
    service_logger = saved[observability.FLEET_LOG_SERVICE]
    service_logger.handlers = []  # as in a new process: an earlier test may have configured it
    yield
    for name, logger in saved.items():
        logger.handlers, logger.propagate, logger.level = state[name][0], state[name][1], state[name][2]
        for added in set(vars(logger)) - set(state[name][3]):  # Powertools' markers ("init", ...)
            delattr(logger, added)


@pytest.mark.usefixtures("restored_loggers")
def test_deployed_logs_are_json_with_the_correlation_id(capsys: pytest.CaptureFixture[str]) -> None:
    observability.configure_logging("INFO", json_logs=True)
    with handling(99, HEADER, sink=RecordingSink(), dequeued_at=0.0):
        logging.getLogger("audio_fleet.consumer").info("handling /play")
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["message"] == "handling /play"
    assert line["service"] == "encore-fleet"
    assert line["correlation_id"] == "99"
    assert line["trace_id"] == "1-5759e988-bd862e3fe1be46a994272793"
