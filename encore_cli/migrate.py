"""``encore migrate``: upgrade the database at ``DATABASE_URL`` to the latest schema."""

from __future__ import annotations

from encore.db.database import Database
from encore.db.migrate import current_revision, upgrade
from encore.settings import Settings

__all__ = ["migrate"]


async def migrate(settings: Settings, revision: str = "head") -> list[str]:
    """Run the migrations; the lines say where the schema was and where it is now."""
    database = Database(settings.database_url, pool_size=1, max_overflow=0)
    try:
        before = await current_revision(database)
        await upgrade(database, revision)
        after = await current_revision(database)
    finally:
        await database.dispose()
    if before == after:
        return [f"database is up to date (revision {after})"]
    return [f"migrated the database from revision {before or 'empty'} to {after}"]
