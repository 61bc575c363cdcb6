"""Money parsing and formatting: exact, and refusing anything that is not a plain decimal string."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service import money
from service.errors import InvalidField


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [("0", "CNY", 0), ("0.01", "CNY", 1), ("1234.56", "CNY", 123456), ("1234.5", "CNY", 123450),
     ("7", "CNY", 700), ("1000", "JPY", 1000), ("9999999999999.99", "CNY", 999999999999999)],
)
def test_parse(text, currency, minor):
    assert money.parse(text, currency) == minor


@pytest.mark.parametrize(
    ("value", "reason"),
    [(1.5, "not a number"), (2, "not a number"), ("1.005", "decimal places"), ("1e3", "not a decimal"),
     ("NaN", "not a decimal"), ("inf", "not a decimal"), ("", "not a decimal"), ("1,000.00", "not a decimal"),
     ("-5.00", "negative"), ("10000000000000.00", "out of range"), ("1.5", "decimal places")],
)
def test_parse_refuses(value, reason):
    currency = "JPY" if value == "1.5" else "CNY"
    with pytest.raises(InvalidField) as err:
        money.parse(value, currency, field="amount")
    assert err.value.field == "amount"
    assert reason in err.value.reason


def test_unknown_currency():
    with pytest.raises(InvalidField) as err:
        money.parse("1.00", "XXX")
    assert err.value.field == "currency"


@pytest.mark.parametrize(("minor", "currency", "text"),
                         [(0, "CNY", "0.00"), (5, "CNY", "0.05"), (-123456, "CNY", "-1234.56"), (42, "JPY", "42")])
def test_format(minor, currency, text):
    assert money.format(minor, currency) == text


@given(st.integers(min_value=-money.MAX_MINOR, max_value=money.MAX_MINOR), st.sampled_from(sorted(money.CURRENCIES)))
def test_format_then_parse_is_identity(minor, currency):
    assert money.parse(money.format(minor, currency), currency, allow_negative=True) == minor
