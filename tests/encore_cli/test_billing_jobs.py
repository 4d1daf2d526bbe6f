"""`encore billing-jobs` and the embedded database on a fresh machine."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from encore_cli.main import main
from tests.ports import free_port


@pytest.fixture(autouse=True)
def _fresh_machine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("DATABASE_URL", "DISCORD_BOT_TOKEN", "DISCORD_PUBLIC_KEY", "ENCORE_QUEUE", "LAVALINK_NODES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_billing_jobs_runs_on_the_embedded_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["billing-jobs"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["scheduled"]["expired"] == 0
    assert report["warnings_pending"] is True  # no bot token: left for a run that has one
    assert (tmp_path / "encore.db").exists()


def test_the_sandbox_creates_migrates_and_counts_in_the_embedded_database(tmp_path: Path) -> None:
    assert main(["sandbox", "-c", "/play query:never gonna give you up"]) == 0
    with sqlite3.connect(tmp_path / "encore.db") as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [("0002",)]
        titles = db.execute("SELECT title FROM play_history").fetchall()
    assert titles == [("Never Gonna Give You Up",)]


@pytest.mark.parametrize("action", ["billing-jobs", "sandbox"])
def test_a_database_that_cannot_be_opened_is_named_not_a_traceback(
    action: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'missing-dir' / 'encore.db'}")
    assert main([action]) == 2
    err = capsys.readouterr().err
    assert "encore: DATABASE_URL: cannot use the database at sqlite+aiosqlite:///" in err
    assert "missing-dir does not exist" in err
    assert "Traceback" not in err


def test_billing_jobs_against_an_unreachable_postgres_names_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"postgresql+asyncpg://encore:s3cret@127.0.0.1:{free_port()}/encore")
    assert main(["billing-jobs"]) == 2
    err = capsys.readouterr().err
    assert (
        "encore: DATABASE_URL: cannot use the database at postgresql+asyncpg://encore:***@127.0.0.1:" in err
    )
    assert "s3cret" not in err
