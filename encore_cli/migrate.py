"""``encore migrate``: move the database at ``DATABASE_URL`` to a schema revision (the latest by default).

A revision below the current one (an id, or ``base`` for no tables) is a downgrade: how an operator
rolls a bad deploy back. An unreachable database or an unknown revision is a clear error (exit 2).
"""

from __future__ import annotations

from alembic.util import CommandError
from sqlalchemy.exc import SQLAlchemyError

from encore.db.database import Database, DatabaseUnavailableError
from encore.db.migrate import current_revision, downgrade, is_below, upgrade
from encore.errors import EncoreError
from encore.settings import Settings

__all__ = ["MigrationError", "migrate"]


class MigrationError(EncoreError):
    """The revision asked for is not one of the migrations."""


async def migrate(settings: Settings, revision: str = "head") -> list[str]:
    """Run the migrations; the lines say where the schema was and where it is now."""
    database = Database(settings.database_url, pool_size=1, max_overflow=0)
    try:
        before = await current_revision(database)
        down = is_below(revision, before)
        await (downgrade(database, revision) if down else upgrade(database, revision))
        after = await current_revision(database)
    except CommandError as exc:
        raise MigrationError(f"--revision {revision}: {exc}") from exc
    except (OSError, SQLAlchemyError) as exc:
        raise DatabaseUnavailableError(settings.database_url, exc) from exc
    finally:
        await database.dispose()
    if before == after:
        return [f"database is up to date (revision {after or 'empty'})"]
    verb = "downgraded" if down else "migrated"
    return [f"{verb} the database from revision {before or 'empty'} to {after or 'empty'}"]
