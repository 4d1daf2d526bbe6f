"""The subscription state machine: each transition, what it refuses, and properties over sequences."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from encore.billing import lifecycle
from encore.billing.errors import BillingError, InvalidInputError, InvalidTransitionError
from encore.billing.lifecycle import LineKind, Outcome, PlannedLine, Status, SubscriptionState
from encore.billing.plans import plans_for
from encore.tiers import DEFAULT_TIERS

PLANS = plans_for(DEFAULT_TIERS)
T0 = datetime(2026, 3, 1, tzinfo=UTC)
DAY = timedelta(days=1)
NONE = SubscriptionState()


def subscribed(tier: str = "premium") -> SubscriptionState:
    return lifecycle.change_plan(NONE, tier, "now", PLANS, T0).state


def test_trial_then_conversion_charges_a_full_period_from_the_conversion() -> None:
    trial = lifecycle.start_trial(NONE, "premium", PLANS, T0)
    assert trial.state.status is Status.TRIALING
    assert trial.state.period_end == T0 + 7 * DAY
    assert trial.lines == ()
    paid = lifecycle.change_plan(trial.state, "pro", "now", PLANS, T0 + 3 * DAY)
    assert paid.change == "converted"
    assert paid.state.status is Status.ACTIVE
    assert paid.state.period_start == T0 + 3 * DAY
    assert [(line.kind, line.amount) for line in paid.lines] == [(LineKind.CHARGE, 999)]


def test_the_trial_is_once_per_guild_even_after_it_expired() -> None:
    trial = lifecycle.start_trial(NONE, "premium", PLANS, T0).state
    expired = lifecycle.advance(trial, PLANS, T0 + 8 * DAY)
    assert expired is not None
    assert expired.state.status is Status.EXPIRED
    with pytest.raises(InvalidTransitionError) as refused:
        lifecycle.start_trial(expired.state, "premium", PLANS, T0 + 9 * DAY)
    assert refused.value.allowed == ["subscribe"]
    assert "Allowed now: subscribe." in refused.value.message


def test_upgrade_now_is_prorated_and_keeps_the_period() -> None:
    state = subscribed("premium")
    up = lifecycle.change_plan(state, "pro", "now", PLANS, T0 + 15 * DAY)
    assert up.change == "upgraded"
    assert [(line.kind, line.reason, line.amount) for line in up.lines] == [
        (LineKind.CREDIT, "proration_credit", 250),
        (LineKind.CHARGE, "proration_charge", 500),
    ]
    assert (up.state.period_start, up.state.period_end) == (state.period_start, state.period_end)
    assert up.state.tier == "pro"


def test_an_upgrade_at_period_end_is_refused_with_what_is_allowed() -> None:
    with pytest.raises(InvalidTransitionError) as refused:
        lifecycle.change_plan(subscribed("premium"), "pro", "period_end", PLANS, T0 + DAY)
    assert refused.value.allowed == ["upgrade", "downgrade", "cancel"]


def test_downgrade_at_period_end_renews_on_the_cheaper_plan() -> None:
    scheduled = lifecycle.change_plan(subscribed("pro"), "premium", "period_end", PLANS, T0 + DAY)
    assert scheduled.lines == ()
    assert scheduled.state.pending_tier == "premium"
    renewed = lifecycle.advance(scheduled.state, PLANS, T0 + 30 * DAY)
    assert renewed is not None
    assert renewed.change == "downgraded"
    assert renewed.state.tier == "premium"
    assert [(line.reason, line.amount) for line in renewed.lines] == [("renewal", 499)]


def test_downgrade_now_gives_a_net_credit() -> None:
    down = lifecycle.change_plan(subscribed("pro"), "premium", "now", PLANS, T0 + 15 * DAY)
    assert down.net == 250 - 500


def test_cancel_at_period_end_then_reactivate_before_it() -> None:
    state = subscribed()
    canceling = lifecycle.cancel(state, T0 + DAY).state
    assert canceling.cancel_at_period_end
    assert lifecycle.allowed_actions(canceling, T0 + DAY) == ["reactivate", "cancel_now"]
    back = lifecycle.reactivate(canceling, T0 + 2 * DAY).state
    assert not back.cancel_at_period_end
    ended = lifecycle.advance(canceling, PLANS, T0 + 30 * DAY)
    assert ended is not None
    assert ended.state.status is Status.CANCELED
    assert ended.lines == ()
    with pytest.raises(InvalidTransitionError):
        lifecycle.reactivate(canceling, T0 + 30 * DAY)


def test_cancel_now_credits_the_unused_part() -> None:
    out = lifecycle.cancel(subscribed(), T0 + 15 * DAY, at_period_end=False)
    assert out.state.status is Status.CANCELED
    assert [(line.reason, line.amount) for line in out.lines] == [("cancellation_credit", 250)]


def test_past_due_and_recovery() -> None:
    due = lifecycle.payment_failed(subscribed(), T0 + DAY).state
    assert due.status is Status.PAST_DUE
    with pytest.raises(InvalidTransitionError) as refused:
        lifecycle.change_plan(due, "pro", "now", PLANS, T0 + DAY)
    assert refused.value.allowed == ["cancel"]
    assert lifecycle.payment_succeeded(due, T0 + 2 * DAY).state.status is Status.ACTIVE
    expired = lifecycle.advance(due, PLANS, T0 + 31 * DAY)
    assert expired is not None
    assert expired.state.status is Status.EXPIRED


def test_missed_periods_renew_one_after_another() -> None:
    out = lifecycle.advance(subscribed(), PLANS, T0 + 95 * DAY)
    assert out is not None
    assert [line.period_start for line in out.lines] == [T0 + 30 * DAY, T0 + 60 * DAY, T0 + 90 * DAY]
    assert out.state.period_end == T0 + 120 * DAY


def test_free_and_unknown_plans_are_bad_input() -> None:
    with pytest.raises(InvalidInputError, match="free"):
        lifecycle.change_plan(NONE, "free", "now", PLANS, T0)
    with pytest.raises(InvalidInputError, match="no plan called"):
        lifecycle.change_plan(NONE, "platinum", "now", PLANS, T0)


# --- properties over random sequences ------------------------------------------------------------

ACTIONS = st.sampled_from(
    [
        "trial",
        "subscribe_premium",
        "subscribe_pro",
        "up",
        "down_now",
        "down_end",
        "cancel",
        "cancel_now",
        "reactivate",
        "fail",
        "pay",
    ]
)


def apply(state: SubscriptionState, action: str, now: datetime) -> Outcome:
    tier = state.tier or "premium"
    other = "pro" if tier == "premium" else "premium"
    match action:
        case "trial":
            return lifecycle.start_trial(state, "premium", PLANS, now)
        case "subscribe_premium" | "subscribe_pro":
            return lifecycle.change_plan(state, action.removeprefix("subscribe_"), "now", PLANS, now)
        case "up":
            return lifecycle.change_plan(state, "pro", "now", PLANS, now)
        case "down_now":
            return lifecycle.change_plan(state, "premium" if tier == "pro" else other, "now", PLANS, now)
        case "down_end":
            return lifecycle.change_plan(state, "premium", "period_end", PLANS, now)
        case "cancel" | "cancel_now":
            return lifecycle.cancel(state, now, at_period_end=action == "cancel")
        case "reactivate":
            return lifecycle.reactivate(state, now)
        case "fail":
            return lifecycle.payment_failed(state, now)
        case _:
            return lifecycle.payment_succeeded(state, now)


@dataclass
class Ledger:
    lines: list[PlannedLine] = field(default_factory=list)
    balances: list[int] = field(default_factory=list)

    def post(self, outcome: Outcome) -> None:
        for line in outcome.lines:
            assert line.amount > 0  # no empty lines
            self.lines.append(line)
            self.balances.append((self.balances[-1] if self.balances else 0) + line.signed)


@given(st.lists(st.tuples(ACTIONS, st.integers(0, 40 * 86_400)), max_size=40))
def test_no_sequence_leaves_a_negative_balance_and_the_ledger_reconciles(
    steps: list[tuple[str, int]],
) -> None:
    state, now, ledger = NONE, T0, Ledger()
    for action, wait in steps:
        now += timedelta(seconds=wait)
        due = lifecycle.advance(state, PLANS, now)
        if due is not None:
            ledger.post(due)
            state = due.state
        try:
            outcome = apply(state, action, now)
        except BillingError:
            continue
        assert outcome.net == sum(line.signed for line in outcome.lines)
        ledger.post(outcome)
        state = outcome.state
        assert state.status is Status.NONE or state.tier is not None
    assert all(balance >= 0 for balance in ledger.balances)
    charges = sum(line.amount for line in ledger.lines if line.kind is LineKind.CHARGE)
    credits = sum(line.amount for line in ledger.lines if line.kind is LineKind.CREDIT)
    assert charges - credits == (ledger.balances[-1] if ledger.balances else 0)


@given(st.lists(ACTIONS, max_size=12), st.integers(1, 29 * 86_400))
def test_the_allowed_actions_are_the_truth(prefix: list[str], at: int) -> None:
    """Whatever the state, every action it lists as allowed succeeds."""
    state, now = NONE, T0
    for action in prefix:
        with contextlib.suppress(BillingError):
            state = apply(state, action, now).state
    now = T0 + timedelta(seconds=at)
    runs = {
        "start_trial": lambda: lifecycle.start_trial(state, "premium", PLANS, now),
        "subscribe": lambda: lifecycle.change_plan(state, "premium", "now", PLANS, now),
        "convert": lambda: lifecycle.change_plan(state, "pro", "now", PLANS, now),
        "upgrade": lambda: lifecycle.change_plan(state, "pro", "now", PLANS, now),
        "downgrade": lambda: lifecycle.change_plan(state, "premium", "period_end", PLANS, now),
        "cancel": lambda: lifecycle.cancel(state, now),
        "cancel_now": lambda: lifecycle.cancel(state, now, at_period_end=False),
        "reactivate": lambda: lifecycle.reactivate(state, now),
    }
    if state.period_end is not None and state.period_end <= now:
        return  # the scheduler's turn first
    for name in lifecycle.allowed_actions(state, now):
        if name in ("upgrade", "downgrade") and state.tier == ("pro" if name == "upgrade" else "premium"):
            continue  # on the top (bottom) plan already: nothing to move to
        runs[name]()


@given(
    tiers=st.lists(st.sampled_from(["premium", "pro"]), min_size=1, max_size=6),
    gaps=st.lists(st.integers(1, 4 * 86_400), min_size=6, max_size=6),
)
def test_switching_within_a_period_bills_each_plan_for_its_seconds(tiers: list[str], gaps: list[int]) -> None:
    """Subscribe, switch plans now at whole seconds, cancel now: net = sum of price x time used."""
    state = lifecycle.change_plan(NONE, tiers[0], "now", PLANS, T0).state
    net, lines = PLANS[tiers[0]].price.amount, 1
    exact, now, current = Fraction(0), T0, tiers[0]
    period = 30 * 86_400
    for tier, gap in zip([*tiers[1:], "cancel"], gaps, strict=False):
        exact += Fraction(PLANS[current].price.amount * gap, period)
        now += timedelta(seconds=gap)
        if tier == "cancel":
            break
        if tier == current:
            continue
        out = lifecycle.change_plan(state, tier, "now", PLANS, now)
        net, lines, state, current = net + out.net, lines + len(out.lines), out.state, tier
    out = lifecycle.cancel(state, now, at_period_end=False)
    net += out.net
    assert abs(net - exact) <= Fraction(lines + len(out.lines), 2)
