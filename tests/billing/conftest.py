"""The billing fixtures (a migrated database on PostgreSQL and SQLite, the settable clock)."""

from tests.billing_support import billing, clock, database, pg_database

__all__ = ["billing", "clock", "database", "pg_database"]
