"""Proration exact to the second: the worked example of docs/billing.md and its properties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from encore.billing.proration import prorate_change, seconds_left

MARCH = datetime(2026, 3, 1, tzinfo=UTC)
PERIOD_END = MARCH + timedelta(days=30)


def test_the_worked_example_upgrade_halfway() -> None:
    p = prorate_change(499, 999, MARCH, PERIOD_END, MARCH + timedelta(days=15))
    assert (p.credit, p.charge, p.net) == (250, 500, 250)
    assert (p.remaining_seconds, p.period_seconds) == (1_296_000, 2_592_000)


def test_a_started_second_counts_as_used() -> None:
    left, total = seconds_left(MARCH, PERIOD_END, PERIOD_END - timedelta(seconds=10, milliseconds=1))
    assert (left, total) == (10, 2_592_000)


def test_the_credit_never_exceeds_what_was_charged() -> None:
    assert prorate_change(499, 999, MARCH, PERIOD_END, MARCH, credit_cap=120).credit == 120


def test_a_change_outside_the_period_is_clamped() -> None:
    assert prorate_change(499, 999, MARCH, PERIOD_END, PERIOD_END + timedelta(days=1)).charge == 0
    assert prorate_change(499, 999, MARCH, PERIOD_END, MARCH - timedelta(days=1)).charge == 999


@given(
    old=st.integers(0, 100_000),
    new=st.integers(0, 100_000),
    days=st.integers(1, 366),
    data=st.data(),
)
def test_net_is_the_price_difference_for_the_time_left(
    old: int, new: int, days: int, data: st.DataObject
) -> None:
    end = MARCH + timedelta(days=days)
    at = data.draw(st.integers(0, days * 86_400))
    p = prorate_change(old, new, MARCH, end, MARCH + timedelta(seconds=at))
    exact = Fraction((new - old) * (days * 86_400 - at), days * 86_400)
    assert abs(p.net - exact) <= 1  # each of the two lines is within half a unit
    assert 0 <= p.credit <= old
    assert 0 <= p.charge <= new
