"""The hot queries use an index on PostgreSQL (checked with EXPLAIN on ~5,000 seeded rows each).

The queries are the service's own statement builders, compiled for PostgreSQL; the planner is left
alone (no ``enable_seqscan = off``): with statistics from ANALYZE it must choose the index itself.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, text
from sqlalchemy.sql import ClauseElement

from encore.billing import guild_data, store
from encore.db.database import Database
from encore.db.models import Guild, IdempotencyKey, LedgerEntry, Playlist, Subscription
from tests.billing_support import START

GUILDS = 1_000
PER_GUILD = 5
TARGET = 500  # a guild in the middle


async def seed(database: Database) -> None:
    end = START + timedelta(days=30)
    async with database.transaction() as session:
        await session.execute(insert(Guild), [{"id": g, "created_at": START} for g in range(1, GUILDS + 1)])
        subscriptions = [
            {
                "guild_id": g,
                "status": "active" if n == 0 else "canceled",
                "tier": "premium",
                "price_minor": 499,
                "currency": "USD",
                "period_start": START,
                "period_end": end,
                "cancel_at_period_end": False,
                "segment_charged_minor": 0,
                "created_at": START,
                "updated_at": START,
            }
            for g in range(1, GUILDS + 1)
            for n in range(PER_GUILD)
        ]
        await session.execute(insert(Subscription), subscriptions)
        await session.execute(
            insert(LedgerEntry),
            [
                {
                    "guild_id": g,
                    "subscription_id": (g - 1) * PER_GUILD + 1,
                    "kind": "charge",
                    "reason": "renewal",
                    "amount_minor": 499,
                    "currency": "USD",
                    "tier": "premium",
                    "period_start": START,
                    "period_end": end,
                    "description": "renewal",
                    "balance_after_minor": 499 * (n + 1),
                    "created_at": START,
                }
                for g in range(1, GUILDS + 1)
                for n in range(PER_GUILD)
            ],
        )
        await session.execute(
            insert(Playlist),
            [
                {"guild_id": g, "name": f"list {n}", "created_by": "user:1", "created_at": START}
                for g in range(1, GUILDS + 1)
                for n in range(PER_GUILD)
            ],
        )
        await session.execute(
            insert(IdempotencyKey),
            [
                {
                    "principal": f"user:{g}",
                    "key": f"key-{n}",
                    "guild_id": g,
                    "operation": "cancel",
                    "fingerprint": "fp",
                    "response": {},
                    "created_at": START,
                }
                for g in range(1, GUILDS + 1)
                for n in range(PER_GUILD)
            ],
        )
    async with database.transaction() as session:
        await session.execute(text("ANALYZE"))


async def plan(database: Database, query: ClauseElement) -> str:
    compiled = query.compile(dialect=database.engine.dialect, compile_kwargs={"literal_binds": True})
    async with database.read_session() as session:
        rows = (await session.execute(text(f"EXPLAIN {compiled}"))).scalars().all()
    return "\n".join(rows)


async def test_the_hot_queries_use_their_indexes(pg_database: Database) -> None:
    await seed(pg_database)
    cases = {
        "subscription by guild": (store.live_subscription_query(TARGET), "uq_subscriptions_live_guild"),
        "ledger page by guild and cursor": (
            store.ledger_page_query(TARGET, 10**9, 51),
            "ix_ledger_entries_guild_id_id",
        ),
        "playlists by guild": (guild_data.playlists_query(TARGET), "uq_playlists_guild_id_name"),
        "idempotency lookup": (store.idempotency_query(f"user:{TARGET}", "key-3"), "pk_idempotency_keys"),
    }
    for name, (query, index) in cases.items():
        explained = await plan(pg_database, query)
        assert index in explained, f"{name} does not use {index}:\n{explained}"
    async with pg_database.read_session() as session:  # and they answer for that guild only
        assert (await store.live_subscription(session, TARGET)) is not None
        assert len(await guild_data.list_playlists(session, TARGET)) == PER_GUILD
