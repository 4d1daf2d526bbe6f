"""Proration of a plan change in the middle of a period, exact to the second.

Rule: with ``T`` the period's length and ``r`` the whole seconds left in it at the change
(``floor(period_end - now)``: a started second counts as used), the guild is

* credited ``round(old_price * r / T)`` for the unused part of the old plan, capped at what was
  charged for the old plan in this period (so a credit never exceeds its charge), and
* charged ``round(new_price * r / T)`` for the rest of the period on the new plan,

where ``round`` is half up to the nearest minor unit, in integer arithmetic
(:func:`encore.billing.money.prorate`). The period itself does not move.

Example: premium at 4.99 from 1 to 31 March (30 days = 2,592,000 s); upgraded to pro (9.99) on
16 March 00:00, 15 days = 1,296,000 s before the end: credit round(499 / 2) = 250 (2.495 rounds up),
charge round(999 / 2) = 500 (4.995 rounds up); net 2.50 charged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from encore.billing.money import prorate

__all__ = ["Proration", "prorate_change", "seconds_left"]

_SECOND = timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class Proration:
    credit: int
    charge: int
    remaining_seconds: int
    period_seconds: int

    @property
    def net(self) -> int:
        return self.charge - self.credit


def seconds_left(period_start: datetime, period_end: datetime, now: datetime) -> tuple[int, int]:
    """(whole seconds left, whole seconds in the period); ``now`` is clamped into the period."""
    total = (period_end - period_start) // _SECOND
    if total <= 0:
        raise ValueError("a period must last at least one second")
    left = (period_end - min(max(now, period_start), period_end)) // _SECOND
    return left, total


def prorate_change(
    old_price: int,
    new_price: int,
    period_start: datetime,
    period_end: datetime,
    now: datetime,
    credit_cap: int | None = None,
) -> Proration:
    """The credit for the old plan and the charge for the new one when switching at ``now``."""
    left, total = seconds_left(period_start, period_end, now)
    credit = prorate(old_price, left, total)
    if credit_cap is not None:
        credit = min(credit, credit_cap)
    return Proration(
        credit=credit, charge=prorate(new_price, left, total), remaining_seconds=left, period_seconds=total
    )
