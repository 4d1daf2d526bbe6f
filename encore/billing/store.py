"""The billing service's database steps, each inside the caller's transaction (bound parameters only).

Nothing here commits: :class:`encore.billing.service.BillingService` opens one transaction per
change, calls these steps, and commits once.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from encore.billing.errors import IdempotencyKeyReusedError, InvalidInputError
from encore.billing.lifecycle import LIVE, PlannedLine, Status, SubscriptionState
from encore.billing.views import Actor, IdempotencyRequest, LedgerEntryView
from encore.db.models import AuditEntry, Guild, IdempotencyKey, LedgerEntry, Subscription, Trial

__all__ = [
    "add_audit",
    "decode_cursor",
    "encode_cursor",
    "ensure_guild",
    "find_idempotent",
    "latest_subscription",
    "ledger_view",
    "live_subscription",
    "lock_guild",
    "save_idempotent",
    "save_state",
    "state_of",
    "write_lines",
]

_LIVE = [s.value for s in LIVE]


def insert_for(session: AsyncSession) -> Any:
    """The dialect's INSERT (both have ``on_conflict_do_nothing``/``_do_update``)."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


async def ensure_guild(session: AsyncSession, guild_id: int, now: datetime) -> None:
    stmt = insert_for(session)(Guild).values(id=guild_id, balance_minor=0, currency="USD", created_at=now)
    await session.execute(stmt.on_conflict_do_nothing(index_elements=["id"]))


async def lock_guild(session: AsyncSession, guild_id: int, now: datetime) -> Guild:
    """The guild's row, created if new, locked until the transaction ends (FOR UPDATE on PostgreSQL)."""
    await ensure_guild(session, guild_id, now)
    stmt = (
        select(Guild)
        .where(Guild.id == guild_id)
        .with_for_update()
        .execution_options(populate_existing=True)  # the locked, current row
    )
    return (await session.execute(stmt)).scalar_one()


def live_subscription_query(guild_id: int) -> Select[Subscription]:
    return select(Subscription).where(Subscription.guild_id == guild_id, Subscription.status.in_(_LIVE))


async def live_subscription(session: AsyncSession, guild_id: int) -> Subscription | None:
    return (await session.execute(live_subscription_query(guild_id))).scalar_one_or_none()


def ledger_page_query(guild_id: int, before_id: int | None, limit: int) -> Select[LedgerEntry]:
    """A page of the guild's ledger, newest first, from the line before ``before_id`` (the cursor)."""
    stmt = select(LedgerEntry).where(LedgerEntry.guild_id == guild_id)
    if before_id is not None:
        stmt = stmt.where(LedgerEntry.id < before_id)
    return stmt.order_by(LedgerEntry.id.desc()).limit(limit)


def idempotency_query(principal: str, key: str) -> Select[IdempotencyKey]:
    return select(IdempotencyKey).where(IdempotencyKey.principal == principal, IdempotencyKey.key == key)


async def latest_subscription(session: AsyncSession, guild_id: int) -> Subscription | None:
    """The live subscription, else the most recent ended one."""
    live = await live_subscription(session, guild_id)
    if live is not None:
        return live
    stmt = (
        select(Subscription)
        .where(Subscription.guild_id == guild_id)
        .order_by(Subscription.id.desc())
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def trial_used(session: AsyncSession, guild_id: int) -> bool:
    stmt = select(func.count()).select_from(Trial).where(Trial.guild_id == guild_id)
    return bool((await session.execute(stmt)).scalar_one())


async def state_of(session: AsyncSession, guild_id: int) -> tuple[Subscription | None, SubscriptionState]:
    row = await latest_subscription(session, guild_id)
    used = await trial_used(session, guild_id)
    if row is None:
        return None, SubscriptionState(trial_used=used)
    return row, row_state(row, used)


def row_state(row: Subscription, used: bool) -> SubscriptionState:
    return SubscriptionState(
        status=Status(row.status),
        tier=row.tier,
        price_minor=row.price_minor,
        currency=row.currency,
        period_start=row.period_start,
        period_end=row.period_end,
        cancel_at_period_end=row.cancel_at_period_end,
        pending_tier=row.pending_tier,
        trial_used=used,
        segment_charged_minor=row.segment_charged_minor,
    )


def state_json(state: SubscriptionState) -> dict[str, Any]:
    return {
        "status": state.status.value,
        "tier": state.tier,
        "price_minor": state.price_minor,
        "period_start": state.period_start.isoformat() if state.period_start else None,
        "period_end": state.period_end.isoformat() if state.period_end else None,
        "cancel_at_period_end": state.cancel_at_period_end,
        "pending_tier": state.pending_tier,
    }


async def save_state(
    session: AsyncSession,
    guild_id: int,
    row: Subscription | None,
    before: SubscriptionState,
    after: SubscriptionState,
    now: datetime,
) -> Subscription:
    """Write ``after``: a new row when a subscription starts, else the same row updated."""
    assert after.tier is not None
    assert after.period_start is not None
    assert after.period_end is not None
    if after.status is Status.TRIALING and not before.trial_used:
        session.add(Trial(guild_id=guild_id, tier=after.tier, started_at=now))
    if row is None or (row.status not in _LIVE and after.live):
        row = Subscription(guild_id=guild_id, created_at=now)
        session.add(row)
    row.status = after.status.value
    row.tier = after.tier
    row.price_minor = after.price_minor
    row.currency = after.currency
    row.period_start = after.period_start
    row.period_end = after.period_end
    row.cancel_at_period_end = after.cancel_at_period_end
    row.pending_tier = after.pending_tier
    row.segment_charged_minor = after.segment_charged_minor
    row.updated_at = now
    await session.flush()
    return row


async def write_lines(
    session: AsyncSession,
    guild: Guild,
    subscription_id: int,
    currency: str,
    lines: Sequence[PlannedLine],
    now: datetime,
) -> list[LedgerEntry]:
    """Append the lines with the running balance (charges minus credits) and update the guild's."""
    entries = []
    balance = guild.balance_minor
    for line in lines:
        balance += line.signed
        entry = LedgerEntry(
            guild_id=guild.id,
            subscription_id=subscription_id,
            kind=line.kind.value,
            reason=line.reason,
            amount_minor=line.amount,
            currency=currency,
            tier=line.tier,
            period_start=line.period_start,
            period_end=line.period_end,
            description=line.description[:200],
            balance_after_minor=balance,
            created_at=now,
        )
        session.add(entry)
        await session.flush()  # one at a time: a CHECK failure names the line that broke it
        entries.append(entry)
    if lines:
        guild.balance_minor = balance
        guild.currency = currency
        await session.flush()
    return entries


def ledger_view(entry: LedgerEntry) -> LedgerEntryView:
    return LedgerEntryView(
        id=entry.id,
        kind="charge" if entry.kind == "charge" else "credit",
        reason=entry.reason,
        amount_minor=entry.amount_minor,
        currency=entry.currency,
        tier=entry.tier,
        period_start=entry.period_start,
        period_end=entry.period_end,
        description=entry.description,
        balance_after_minor=entry.balance_after_minor,
        created_at=entry.created_at,
    )


def add_audit(
    session: AsyncSession,
    guild_id: int,
    actor: Actor,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    now: datetime,
) -> None:
    session.add(
        AuditEntry(
            guild_id=guild_id,
            actor_id=actor.id,
            actor_kind=actor.kind,
            action=action,
            before=before,
            after=after,
            source=actor.source,
            ip=actor.ip,
            at=now,
        )
    )


async def find_idempotent(
    session: AsyncSession, request: IdempotencyRequest, guild_id: int, operation: str
) -> dict[str, Any] | None:
    """The stored result for this key, or None; a key used for another request is refused."""
    row = (await session.execute(idempotency_query(request.principal, request.key))).scalar_one_or_none()
    if row is None:
        return None
    if row.fingerprint != request.fingerprint or row.operation != operation or row.guild_id != guild_id:
        raise IdempotencyKeyReusedError(
            "This Idempotency-Key was already used with a different request; use a new key."
        )
    return row.response


def save_idempotent(
    session: AsyncSession,
    request: IdempotencyRequest,
    guild_id: int,
    operation: str,
    response: dict[str, Any],
    now: datetime,
) -> None:
    session.add(
        IdempotencyKey(
            principal=request.principal,
            key=request.key,
            guild_id=guild_id,
            operation=operation,
            fingerprint=request.fingerprint,
            response=response,
            created_at=now,
        )
    )


def check_idempotency(request: IdempotencyRequest | None) -> None:
    if request is None:
        return
    if not 1 <= len(request.key) <= 255:
        raise InvalidInputError("The Idempotency-Key must be 1 to 255 characters.")
    if not 1 <= len(request.fingerprint) <= 128 or not 1 <= len(request.principal) <= 100:
        raise InvalidInputError("The request fingerprint or principal is empty or too long.")


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"ledger:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, number = text.partition(":")
        if prefix != "ledger" or not number.isdigit() or len(number) > 19:
            raise ValueError(text)
        return int(number)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInputError("The cursor is not one this API returned.") from None
