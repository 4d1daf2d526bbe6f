"""The subscription lifecycle as a pure state machine; every function takes ``now`` (UTC-aware).

::

    none ──start_trial──▶ trialing ──convert──▶ active ◀──payment_succeeded── past_due
      │                     │  (trial end)        │ ──payment_failed──────────▶ │
      └──subscribe──▶ active│                     │ (period end: renew)         │ (period end)
                            ▼                     ▼                             ▼
                         expired             canceled (cancel now, or at period end)   expired

canceled and expired behave like none, except that the trial is used once per guild, ever.
A transition returns an :class:`Outcome`: the new :class:`SubscriptionState`, the ledger lines it
creates (charges and credits, see :mod:`encore.billing.proration`) and a name for the change.
An impossible transition raises :class:`InvalidTransitionError` naming the actions allowed now.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Literal

from encore.billing.errors import InvalidInputError, InvalidTransitionError
from encore.billing.plans import Plan
from encore.billing.proration import prorate_change

__all__ = [
    "LIVE",
    "LineKind",
    "Outcome",
    "PlannedLine",
    "Status",
    "SubscriptionState",
    "advance",
    "allowed_actions",
    "cancel",
    "change_plan",
    "payment_failed",
    "payment_succeeded",
    "reactivate",
    "start_trial",
]

MAX_RENEWALS_PER_RUN = 1000  #: a scheduler that was down for years still terminates


class Status(StrEnum):
    NONE = "none"
    TRIALING = "trialing"
    ACTIVE = "active"
    PAST_DUE = "past_due"
    CANCELED = "canceled"
    EXPIRED = "expired"


LIVE = frozenset({Status.TRIALING, Status.ACTIVE, Status.PAST_DUE})
_ENDED = frozenset({Status.NONE, Status.CANCELED, Status.EXPIRED})


class LineKind(StrEnum):
    CHARGE = "charge"
    CREDIT = "credit"


@dataclass(frozen=True, slots=True)
class PlannedLine:
    """A ledger line the transition creates (the service gives it an id and the running balance)."""

    kind: LineKind
    reason: str
    amount: int
    tier: str
    period_start: datetime
    period_end: datetime
    description: str

    @property
    def signed(self) -> int:
        return self.amount if self.kind is LineKind.CHARGE else -self.amount


@dataclass(frozen=True, slots=True)
class SubscriptionState:
    status: Status = Status.NONE
    tier: str | None = None
    price_minor: int = 0  #: the price per period this subscription was charged at (locked)
    currency: str = "USD"
    period_start: datetime | None = None
    period_end: datetime | None = None
    cancel_at_period_end: bool = False
    pending_tier: str | None = None
    trial_used: bool = False
    segment_charged_minor: int = 0  #: charged for the current tier in this period: the credit cap

    @property
    def live(self) -> bool:
        return self.status in LIVE


@dataclass(frozen=True, slots=True)
class Outcome:
    state: SubscriptionState
    lines: tuple[PlannedLine, ...]
    change: str

    @property
    def net(self) -> int:
        return sum(line.signed for line in self.lines)


def allowed_actions(state: SubscriptionState, now: datetime) -> list[str]:
    """What a guild admin may do now, in the words the API uses."""
    if state.status in _ENDED:
        return (["start_trial"] if not state.trial_used else []) + ["subscribe"]
    if state.status is Status.PAST_DUE:
        return ["cancel"]
    if state.cancel_at_period_end:
        return ["reactivate", "cancel_now"]
    if state.status is Status.TRIALING:
        return ["convert", "cancel"]
    return ["upgrade", "downgrade", "cancel"]


def _refuse(message: str, state: SubscriptionState, now: datetime) -> InvalidTransitionError:
    return InvalidTransitionError(message, allowed_actions(state, now))


def _plan(plans: Mapping[str, Plan], tier: str) -> Plan:
    plan = plans.get(tier)
    if plan is None:
        raise InvalidInputError(f"There is no plan called {tier!r}. Plans: {', '.join(sorted(plans))}.")
    return plan


def start_trial(state: SubscriptionState, tier: str, plans: Mapping[str, Plan], now: datetime) -> Outcome:
    plan = _plan(plans, tier)
    if not plan.paid or not plan.trial:
        raise InvalidInputError(f"The {tier} plan has no trial.")
    if state.trial_used:
        raise _refuse("This server has already used its free trial.", state, now)
    if state.status not in _ENDED:
        raise _refuse(f"A trial cannot start while the subscription is {state.status}.", state, now)
    new = SubscriptionState(
        status=Status.TRIALING,
        tier=tier,
        price_minor=0,
        currency=plan.price.currency,
        period_start=now,
        period_end=now + plan.trial,
        trial_used=True,
    )
    return Outcome(new, (), "trial_started")


def _full_period(state: SubscriptionState, plan: Plan, now: datetime, reason: str, change: str) -> Outcome:
    end = now + plan.period
    line = PlannedLine(
        LineKind.CHARGE, reason, plan.price.amount, plan.tier, now, end, f"{plan.tier} plan, full period"
    )
    new = SubscriptionState(
        status=Status.ACTIVE,
        tier=plan.tier,
        price_minor=plan.price.amount,
        currency=plan.price.currency,
        period_start=now,
        period_end=end,
        trial_used=state.trial_used,
        segment_charged_minor=plan.price.amount,
    )
    return Outcome(new, (line,), change)


def _switch_now(state: SubscriptionState, plan: Plan, now: datetime, change: str) -> Outcome:
    assert state.tier is not None
    assert state.period_start is not None
    assert state.period_end is not None
    p = prorate_change(
        state.price_minor,
        plan.price.amount,
        state.period_start,
        state.period_end,
        now,
        credit_cap=state.segment_charged_minor,
    )
    start, end = state.period_start, state.period_end
    lines = []
    if p.credit:
        lines.append(
            PlannedLine(
                LineKind.CREDIT,
                "proration_credit",
                p.credit,
                state.tier,
                start,
                end,
                f"unused {p.remaining_seconds}/{p.period_seconds} s of {state.tier}",
            )
        )
    if p.charge:
        lines.append(
            PlannedLine(
                LineKind.CHARGE,
                "proration_charge",
                p.charge,
                plan.tier,
                start,
                end,
                f"remaining {p.remaining_seconds}/{p.period_seconds} s of {plan.tier}",
            )
        )
    new = replace(
        state,
        tier=plan.tier,
        price_minor=plan.price.amount,
        pending_tier=None,
        segment_charged_minor=p.charge,
    )
    return Outcome(new, tuple(lines), change)


def change_plan(
    state: SubscriptionState,
    tier: str,
    when: Literal["now", "period_end"],
    plans: Mapping[str, Plan],
    now: datetime,
) -> Outcome:
    """Subscribe, convert a trial, upgrade (now, prorated) or downgrade (at period end, or now)."""
    plan = _plan(plans, tier)
    if not plan.paid:
        raise InvalidInputError(f"The {tier} plan is free: cancel the subscription instead.")
    if state.status in _ENDED:
        if when != "now":
            raise _refuse("A new subscription starts now.", state, now)
        return _full_period(state, plan, now, "subscription", "subscribed")
    if state.status is Status.PAST_DUE:
        raise _refuse("The last payment failed; the plan cannot change until it is paid.", state, now)
    if state.cancel_at_period_end:
        raise _refuse("The subscription is set to cancel; reactivate it first.", state, now)
    if state.status is Status.TRIALING:
        if when != "now":
            raise _refuse("A trial converts to a paid plan now.", state, now)
        return _full_period(state, plan, now, "subscription", "converted")
    current = _plan(plans, state.tier or "")
    if plan.tier == current.tier:
        raise _refuse(f"The server is already on {tier}.", state, now)
    if plan.rank > current.rank:
        if when != "now":
            raise _refuse("An upgrade takes effect now (use when=now).", state, now)
        return _switch_now(state, plan, now, "upgraded")
    if when == "period_end":
        return Outcome(replace(state, pending_tier=plan.tier), (), "downgrade_scheduled")
    return _switch_now(state, plan, now, "downgraded")


def cancel(state: SubscriptionState, now: datetime, at_period_end: bool = True) -> Outcome:
    if state.status not in LIVE:
        raise _refuse(f"There is no subscription to cancel (it is {state.status}).", state, now)
    if at_period_end and state.status is not Status.PAST_DUE:
        if state.cancel_at_period_end:
            raise _refuse("The subscription is already set to cancel at the end of the period.", state, now)
        return Outcome(replace(state, cancel_at_period_end=True, pending_tier=None), (), "cancel_scheduled")
    assert state.tier is not None
    assert state.period_start is not None
    assert state.period_end is not None
    lines: tuple[PlannedLine, ...] = ()
    if state.price_minor:
        p = prorate_change(
            state.price_minor,
            0,
            state.period_start,
            state.period_end,
            now,
            credit_cap=state.segment_charged_minor,
        )
        if p.credit:
            lines = (
                PlannedLine(
                    LineKind.CREDIT,
                    "cancellation_credit",
                    p.credit,
                    state.tier,
                    state.period_start,
                    state.period_end,
                    f"unused {p.remaining_seconds}/{p.period_seconds} s of {state.tier}",
                ),
            )
    ended = replace(
        state,
        status=Status.CANCELED,
        period_end=max(now, state.period_start),
        cancel_at_period_end=False,
        pending_tier=None,
        segment_charged_minor=0,
    )
    return Outcome(ended, lines, "canceled")


def reactivate(state: SubscriptionState, now: datetime) -> Outcome:
    if state.status not in LIVE or not state.cancel_at_period_end:
        raise _refuse("Only a subscription set to cancel at period end can be reactivated.", state, now)
    assert state.period_end is not None
    if now >= state.period_end:
        raise _refuse("The period has already ended.", state, now)
    return Outcome(replace(state, cancel_at_period_end=False), (), "reactivated")


def payment_failed(state: SubscriptionState, now: datetime) -> Outcome:
    if state.status is not Status.ACTIVE:
        raise _refuse(f"Only an active subscription can be past due (it is {state.status}).", state, now)
    return Outcome(replace(state, status=Status.PAST_DUE), (), "past_due")


def payment_succeeded(state: SubscriptionState, now: datetime) -> Outcome:
    if state.status is not Status.PAST_DUE:
        raise _refuse(f"Nothing is due (the subscription is {state.status}).", state, now)
    return Outcome(replace(state, status=Status.ACTIVE), (), "payment_recovered")


def advance(state: SubscriptionState, plans: Mapping[str, Plan], now: datetime) -> Outcome | None:
    """What the scheduler does at ``now``: end trials and canceled periods, renew, expire past due.

    None when nothing is due. Several missed periods renew one after another (each charged).
    """
    if state.status not in LIVE or state.period_end is None or state.period_end > now:
        return None
    lines: list[PlannedLine] = []
    changes: list[str] = []
    current = state
    for _ in range(MAX_RENEWALS_PER_RUN):
        assert current.period_end is not None
        if current.period_end > now:
            break
        end = current.period_end
        if current.cancel_at_period_end:
            current = replace(
                current,
                status=Status.CANCELED,
                cancel_at_period_end=False,
                pending_tier=None,
                segment_charged_minor=0,
            )
            changes.append("canceled")
            break
        if current.status is not Status.ACTIVE:
            current = replace(current, status=Status.EXPIRED, pending_tier=None, segment_charged_minor=0)
            changes.append("expired")
            break
        plan = plans.get(current.pending_tier or current.tier or "")
        if plan is None or not plan.paid:
            current = replace(current, status=Status.EXPIRED, pending_tier=None, segment_charged_minor=0)
            changes.append("expired")
            break
        new_end = end + plan.period
        lines.append(
            PlannedLine(
                LineKind.CHARGE,
                "renewal",
                plan.price.amount,
                plan.tier,
                end,
                new_end,
                f"{plan.tier} plan, renewal",
            )
        )
        changes.append("downgraded" if current.pending_tier else "renewed")
        current = replace(
            current,
            tier=plan.tier,
            price_minor=plan.price.amount,
            period_start=end,
            period_end=new_end,
            pending_tier=None,
            segment_charged_minor=plan.price.amount,
        )
    return Outcome(current, tuple(lines), ",".join(changes))
