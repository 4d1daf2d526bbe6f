"""Migrations from code: an Alembic :class:`Config` built in Python, so an installed package migrates
without an ``alembic.ini`` in the working directory. ``encore migrate`` calls :func:`upgrade`, or
:func:`downgrade` when the revision asked for lies below the current one (rolling back a deploy).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from encore.db.database import Database

__all__ = ["MIGRATIONS", "alembic_config", "current_revision", "downgrade", "is_below", "upgrade"]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


async def upgrade(database: Database, revision: str = "head") -> None:
    """Upgrade the database to ``revision`` (all migrations by default) in one transaction."""

    def run(connection: Connection) -> None:
        command.upgrade(alembic_config(connection), revision)

    async with database.engine.begin() as connection:
        await connection.run_sync(run)


async def downgrade(database: Database, revision: str) -> None:
    """Downgrade the database to ``revision`` (``base``: no tables left) in one transaction."""

    def run(connection: Connection) -> None:
        command.downgrade(alembic_config(connection), revision)

    async with database.engine.begin() as connection:
        await connection.run_sync(run)


def is_below(target: str, current: str | None) -> bool:
    """``target`` (a revision id, ``head`` or ``base``) lies below ``current``: reaching it is a downgrade.
    An unknown ``target`` raises Alembic's ``CommandError``."""
    if current is None:
        return False
    script = ScriptDirectory.from_config(alembic_config())
    if target == "base":
        return True
    wanted = script.get_revision(target)
    return wanted is not None and wanted.revision in {
        r.revision for r in script.iterate_revisions(current, "base") if r.revision != current
    }


async def current_revision(database: Database) -> str | None:
    def read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with database.engine.connect() as connection:
        return await connection.run_sync(read)
