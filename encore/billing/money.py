"""Money as integer minor units (cents) with a currency code: no floats anywhere in billing.

:func:`prorate` is the one place a fraction of an amount is taken. It rounds half up to the nearest
minor unit with integer arithmetic only: ``prorate(499, 1, 2) == 250``, ``prorate(100, 1, 3) == 33``.
The rounding is monotone (more seconds never give less money), which is what keeps a credit for an
unused part never larger than the charge it refunds.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Money", "format_minor", "prorate"]


def _check_currency(currency: str) -> None:
    if len(currency) != 3 or not currency.isascii() or not currency.isupper():
        raise ValueError(f"currency must be an ISO 4217 code such as USD, got {currency!r}")


@dataclass(frozen=True, slots=True)
class Money:
    amount: int  #: minor units, e.g. cents
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, int) or isinstance(self.amount, bool):
            raise TypeError(f"money is a whole number of minor units, got {self.amount!r}")
        _check_currency(self.currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot mix {self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __str__(self) -> str:
        return format_minor(self.amount, self.currency)


def format_minor(amount: int, currency: str) -> str:
    """``format_minor(-1234, "USD") == "-12.34 USD"`` (two minor digits)."""
    sign = "-" if amount < 0 else ""
    whole, cents = divmod(abs(amount), 100)
    return f"{sign}{whole}.{cents:02d} {currency}"


def prorate(amount: int, part: int, whole: int) -> int:
    """``amount * part / whole`` rounded half up, for ``amount >= 0`` and ``0 <= part <= whole``."""
    if whole <= 0:
        raise ValueError("the whole must be positive")
    if amount < 0 or not 0 <= part <= whole:
        raise ValueError(f"cannot prorate {amount} by {part}/{whole}")
    return (2 * amount * part + whole) // (2 * whole)
