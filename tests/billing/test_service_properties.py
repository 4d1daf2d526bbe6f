"""Random sequences of billing calls against the real service (SQLite, a fresh database each):
the stored ledger always reconciles and a guild never has two live subscriptions."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from encore.billing.errors import BillingError
from encore.billing.service import BillingService
from encore.db.models import Guild, LedgerEntry, Subscription
from tests.billing_support import ADMIN, SettableClock, sqlite_database

GUILD = 444
OPS = st.sampled_from(
    ["trial", "premium", "pro", "down_end", "cancel", "cancel_now", "reactivate", "fail", "pay"]
)


async def run(billing: BillingService, op: str) -> None:
    with contextlib.suppress(BillingError):
        match op:
            case "trial":
                await billing.start_trial(GUILD, "premium", ADMIN)
            case "premium" | "pro":
                await billing.change_plan(GUILD, op, "now", ADMIN)
            case "down_end":
                await billing.change_plan(GUILD, "premium", "period_end", ADMIN)
            case "cancel" | "cancel_now":
                await billing.cancel(GUILD, ADMIN, at_period_end=op == "cancel")
            case "reactivate":
                await billing.reactivate(GUILD, ADMIN)
            case _:
                await billing.record_payment(GUILD, op == "pay", ADMIN)


@settings(max_examples=15, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(OPS, st.integers(0, 20 * 86_400)), min_size=1, max_size=15))
async def test_any_sequence_keeps_the_stored_ledger_consistent(steps: list[tuple[str, int]]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        database = await sqlite_database(Path(directory))
        clock = SettableClock()
        billing = BillingService(database, clock, cache_ttl_s=0)
        try:
            for op, wait in steps:
                await billing.run_scheduled(clock.advance(seconds=wait))
                await run(billing, op)
            async with database.read_session() as session:
                lines = (await session.execute(select(LedgerEntry).order_by(LedgerEntry.id))).scalars().all()
                statuses = (await session.execute(select(Subscription.status))).scalars().all()
                guild = await session.get(Guild, GUILD)
        finally:
            await database.dispose()
    assert sum(s in ("trialing", "active", "past_due") for s in statuses) <= 1
    balance = 0
    for line in lines:
        balance += line.amount_minor if line.kind == "charge" else -line.amount_minor
        assert line.balance_after_minor == balance >= 0
    assert (guild.balance_minor if guild else 0) == balance
