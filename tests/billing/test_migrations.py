"""The migrations build exactly the models' schema, on both databases, from an installed package."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from encore.db.database import Database
from encore.db.migrate import current_revision, upgrade
from encore.db.models import Base
from encore_cli.main import main


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def _indexes(connection: Connection) -> dict[str, dict[str, object]]:
    return {i["name"] or "": dict(i) for i in inspect(connection).get_indexes("subscriptions")}


async def test_the_migrated_schema_is_the_models_schema(database: Database) -> None:
    async with database.engine.connect() as connection:
        assert await connection.run_sync(_diff) == []
        indexes = await connection.run_sync(_indexes)
    live = indexes["uq_subscriptions_live_guild"]
    assert live["unique"]
    assert await current_revision(database) == "0002"


async def test_upgrading_twice_changes_nothing(database: Database) -> None:
    await upgrade(database)
    assert await current_revision(database) == "0002"


def test_encore_migrate_upgrades_the_configured_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no alembic.ini here: the config is built in code
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    assert main(["migrate"]) == 0
    assert main(["migrate"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "migrated the database from revision empty to 0002",
        "database is up to date (revision 0002)",
    ]


def test_encore_migrate_names_a_bad_url(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://nope")
    assert main(["migrate"]) == 2
    assert "DATABASE_URL" in capsys.readouterr().err
