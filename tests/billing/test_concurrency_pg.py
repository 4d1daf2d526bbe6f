"""1,000 concurrent plan changes on one guild (PostgreSQL): one live subscription, a consistent
ledger, no double charge, and every retry answered with the first result."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from encore.billing.errors import BillingError
from encore.billing.service import BillingService
from encore.billing.views import ChangeView, IdempotencyRequest, SubscriptionView
from encore.db.database import Database
from encore.db.models import AuditEntry, Guild, LedgerEntry, Subscription
from tests.billing_support import ADMIN, START

GUILD = 333_333_333_333_333_333
CALLS = 1_000
RETRIES = 200


@dataclass
class TickingClock:
    """Each read is one second later: concurrent calls see different, interleaved times."""

    now: datetime = START

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


async def test_a_thousand_concurrent_changes_leave_a_consistent_ledger(pg_database: Database) -> None:
    billing = BillingService(pg_database, TickingClock(), cache_ttl_s=0)
    await billing.change_plan(GUILD, "premium", "now", ADMIN)
    rng = random.Random(5)
    operations = ["up", "down_now", "down_end", "cancel", "reactivate"]
    calls = [(f"key-{n}", rng.choice(operations)) for n in range(CALLS - RETRIES)]
    calls += rng.sample(calls, RETRIES)  # the same keys again: client retries
    rng.shuffle(calls)
    gate = asyncio.Semaphore(pg_database.pool_size)

    async def call(key: str, op: str) -> ChangeView | SubscriptionView | BillingError:
        idem = IdempotencyRequest(key, op, "user:42")
        async with gate:
            try:
                if op == "up":
                    return await billing.change_plan(GUILD, "pro", "now", ADMIN, idem)
                if op == "down_now":
                    return await billing.change_plan(GUILD, "premium", "now", ADMIN, idem)
                if op == "down_end":
                    return await billing.change_plan(GUILD, "premium", "period_end", ADMIN, idem)
                if op == "cancel":
                    return await billing.cancel(GUILD, ADMIN, idem)
                return await billing.reactivate(GUILD, ADMIN, idem)
            except BillingError as refused:  # an invalid transition at that moment is a fine answer
                return refused

    results = await asyncio.gather(*(call(key, op) for key, op in calls))

    by_key: dict[str, list[ChangeView | SubscriptionView | BillingError]] = {}
    for (key, _), result in zip(calls, results, strict=True):
        by_key.setdefault(key, []).append(result)
    succeeded = 0
    returned_lines: list[int] = []
    for answers in by_key.values():
        # A refused call stores nothing, so its retry may run (and succeed) in a later state; every
        # successful answer for one key must be the same one.
        done = [a for a in answers if not isinstance(a, BillingError)]
        if not done:
            continue
        first = done[0]
        succeeded += 1
        assert all(a == first for a in done), "a retry got a different answer"
        if isinstance(first, ChangeView):
            returned_lines += [line.id for line in first.lines]
    assert succeeded > 100

    async with pg_database.read_session() as session:
        lines = (await session.execute(select(LedgerEntry).order_by(LedgerEntry.id))).scalars().all()
        live = (
            (
                await session.execute(
                    select(Subscription).where(Subscription.status.in_(["trialing", "active", "past_due"]))
                )
            )
            .scalars()
            .all()
        )
        guild = (await session.execute(select(Guild).where(Guild.id == GUILD))).scalar_one()
        audits = len((await session.execute(select(AuditEntry.id))).all())

    assert len(live) == 1
    assert sorted(returned_lines) == [line.id for line in lines[1:]]  # every line once, from one call
    balance = 0
    for line in lines:
        balance += line.amount_minor if line.kind == "charge" else -line.amount_minor
        assert line.balance_after_minor == balance >= 0
    assert guild.balance_minor == balance
    assert audits == succeeded + 1  # one audit entry per change that happened (plus the first)
