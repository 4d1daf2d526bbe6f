"""Rolling a deploy back: ``encore migrate --revision base`` (or an older id) downgrades, and migrating
up again gives the very same schema, on PostgreSQL (a fresh schema) and SQLite."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from encore.db.database import Database
from encore.db.migrate import alembic_config, current_revision, downgrade, upgrade
from encore_cli.main import main
from tests.ports import free_port


def _schema(connection: Connection) -> dict[str, Any]:
    """Every table's columns, keys, indexes and checks, comparable between two migrations."""
    inspector = inspect(connection)
    tables: dict[str, Any] = {}
    for table in sorted(inspector.get_table_names()):
        if table == "alembic_version":
            continue
        tables[table] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
                for c in inspector.get_columns(table)
            ],
            "pk": inspector.get_pk_constraint(table)["constrained_columns"],
            "fks": sorted(
                (f["name"] or "", tuple(f["constrained_columns"]), f["referred_table"], str(f.get("options")))
                for f in inspector.get_foreign_keys(table)
            ),
            "indexes": sorted(
                (i["name"] or "", tuple(str(c) for c in i["column_names"]), bool(i["unique"]))
                for i in inspector.get_indexes(table)
            ),
            "uniques": sorted(
                (u["name"] or "", tuple(u["column_names"])) for u in inspector.get_unique_constraints(table)
            ),
            "checks": sorted((c["name"] or "", c["sqltext"]) for c in inspector.get_check_constraints(table)),
        }
    return tables


async def _snapshot(database: Database) -> dict[str, Any]:
    async with database.engine.connect() as connection:
        return await connection.run_sync(_schema)


async def test_down_to_base_and_up_again_gives_the_same_schema(database: Database) -> None:
    migrated = await _snapshot(database)
    assert "subscriptions" in migrated
    assert "always_on" in {c[0] for c in migrated["guild_settings"]["columns"]}

    await downgrade(database, "base")
    assert await current_revision(database) is None
    assert await _snapshot(database) == {}  # every table is gone, nothing half-dropped

    await upgrade(database)
    assert await current_revision(database) == "0002"
    assert await _snapshot(database) == migrated


async def test_one_step_back_removes_only_the_player_modes(database: Database) -> None:
    migrated = await _snapshot(database)
    await downgrade(database, "0001")
    assert await current_revision(database) == "0001"
    older = await _snapshot(database)
    columns = {c[0] for c in older["guild_settings"]["columns"]}
    assert not {"always_on", "autoplay_channel_id"} & columns
    assert {k: v for k, v in older.items() if k != "guild_settings"} == {
        k: v for k, v in migrated.items() if k != "guild_settings"
    }
    await upgrade(database)
    assert await _snapshot(database) == migrated


def test_encore_migrate_rolls_back_and_forward(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    assert main(["migrate"]) == 0
    assert main(["migrate", "--revision", "0001"]) == 0
    assert main(["migrate", "--revision", "base"]) == 0
    assert main(["migrate", "--revision", "base"]) == 0
    assert main(["migrate"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "migrated the database from revision empty to 0002",
        "downgraded the database from revision 0002 to 0001",
        "downgraded the database from revision 0001 to empty",
        "database is up to date (revision empty)",
        "migrated the database from revision empty to 0002",
    ]


def test_encore_migrate_names_an_unknown_revision(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    assert main(["migrate"]) == 0
    assert main(["migrate", "--revision", "0099"]) == 2
    assert "--revision 0099" in capsys.readouterr().err


def test_encore_migrate_against_an_unreachable_database_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"postgresql+asyncpg://encore:s3cret@127.0.0.1:{free_port()}/encore"
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["migrate"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        "encore: DATABASE_URL: cannot use the database at postgresql+asyncpg://encore:***@127.0.0.1"
    )
    assert "s3cret" not in err


def test_the_bare_alembic_cli_is_pointed_at_encore_migrate() -> None:
    # env.py has no alembic.ini URL to fall back on: it says which command migrates instead
    with pytest.raises(RuntimeError, match="through `encore migrate`"):
        command.upgrade(alembic_config(), "head")
