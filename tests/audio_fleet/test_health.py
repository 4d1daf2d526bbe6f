"""The health endpoints, over real HTTP: liveness always, readiness only when every check passes."""

from __future__ import annotations

from collections.abc import Mapping

import httpx
import pytest

from audio_fleet.health import HealthServer
from encore.errors import SettingsError
from encore.settings import load_settings


async def test_health_answers_while_the_process_runs() -> None:
    server = HealthServer(lambda: {"gateway": False}, host="127.0.0.1", port=0)
    async with server, httpx.AsyncClient() as client:
        answer = await client.get(f"http://127.0.0.1:{server.port}/health")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok"}


async def test_ready_follows_the_checks() -> None:
    checks = {"gateway": True, "lavalink": False, "consumer": True}
    async with HealthServer(lambda: checks, host="127.0.0.1", port=0) as server:
        url = f"http://127.0.0.1:{server.port}/ready"
        async with httpx.AsyncClient() as client:
            not_ready = await client.get(url)
            checks["lavalink"] = True
            ready = await client.get(url)
    assert not_ready.status_code == 503
    assert not_ready.json() == {
        "status": "not ready",
        "checks": {"gateway": True, "lavalink": False, "consumer": True},
    }
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"


async def test_a_failing_check_means_not_ready() -> None:
    def broken() -> Mapping[str, bool]:
        raise RuntimeError("gateway state unreadable")

    async with HealthServer(broken, host="127.0.0.1", port=0) as server, httpx.AsyncClient() as client:
        answer = await client.get(f"http://127.0.0.1:{server.port}/ready")
    assert answer.status_code == 503
    assert answer.json()["checks"] == {"readiness_check": False}


async def test_no_checks_is_not_ready() -> None:
    async with HealthServer(dict, host="127.0.0.1", port=0) as server, httpx.AsyncClient() as client:
        answer = await client.get(f"http://127.0.0.1:{server.port}/ready")
    assert answer.status_code == 503


def test_health_port_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ENCORE_HEALTH_PORT", raising=False)
    assert load_settings().encore_health_port == 8080
    assert load_settings(encore_health_port=0).encore_health_port == 0  # off
    with pytest.raises(SettingsError, match="ENCORE_HEALTH_PORT"):
        load_settings(encore_health_port=70_000)
