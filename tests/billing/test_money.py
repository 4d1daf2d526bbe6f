"""Money in integer minor units and the one rounding rule (half up), checked exhaustively by hypothesis."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from encore.billing.money import Money, format_minor, prorate


def test_money_refuses_floats_and_mixed_currencies() -> None:
    with pytest.raises(TypeError):
        Money(4.99, "USD")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="cannot mix"):
        _ = Money(1, "USD") + Money(1, "EUR")
    with pytest.raises(ValueError, match="ISO 4217"):
        Money(1, "usd")
    assert Money(250, "USD") - Money(499, "USD") == Money(-249, "USD")
    assert str(Money(-249, "USD")) == "-2.49 USD"
    assert format_minor(5, "EUR") == "0.05 EUR"


@pytest.mark.parametrize(
    ("amount", "part", "whole", "expected"),
    [
        (499, 1, 2, 250),  # 249.5 rounds up
        (100, 1, 3, 33),  # 33.33 rounds down
        (200, 1, 3, 67),  # 66.67 rounds up
        (999, 2_592_000, 2_592_000, 999),  # the whole period is the whole price
        (999, 0, 2_592_000, 0),
    ],
)
def test_prorate_rounds_half_up(amount: int, part: int, whole: int, expected: int) -> None:
    assert prorate(amount, part, whole) == expected


@given(st.integers(0, 10**7), st.integers(1, 10**8), st.data())
def test_prorate_is_within_half_a_unit_and_monotone(amount: int, whole: int, data: st.DataObject) -> None:
    part = data.draw(st.integers(0, whole))
    exact = Fraction(amount * part, whole)
    got = prorate(amount, part, whole)
    assert exact - Fraction(1, 2) < got <= exact + Fraction(1, 2)
    if part < whole:
        assert prorate(amount, part + 1, whole) >= got  # more time never costs less
    assert 0 <= got <= amount


def test_prorate_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="positive"):
        prorate(100, 0, 0)
    with pytest.raises(ValueError, match="cannot prorate"):
        prorate(100, 5, 4)
