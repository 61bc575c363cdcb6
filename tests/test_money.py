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


# --- the one output serializer (service.schemas.Money) ------------------------------------------------

def _outputs():
    from types import SimpleNamespace

    from service.schemas import Hundredths, Money, Output, read_from

    class Line(Output):
        amount: Money

    class Sale(Output):
        amount: Money = read_from("amount", "amount_minor")
        currency: str
        area_mu: Hundredths | None = read_from("area_mu", "area_centimu")
        lines: list[Line] = []

    return SimpleNamespace, Sale, Line


def test_money_renders_minor_units_in_the_objects_own_currency():
    ns, sale, _ = _outputs()
    assert sale.model_validate(ns(amount_minor=123456, currency="CNY", area_centimu=1240)).amount == "1234.56"
    assert sale.model_validate(ns(amount_minor=-5, currency="CNY", area_centimu=None)).amount == "-0.05"
    assert sale.model_validate(ns(amount_minor=1500, currency="JPY", area_centimu=5)).model_dump() == {
        "amount": "1500", "currency": "JPY", "area_mu": "0.05", "lines": []}


def test_nested_outputs_inherit_the_currency_and_strings_pass_unchanged():
    ns, sale, _ = _outputs()
    out = sale.model_validate(ns(amount_minor=100, currency="JPY", area_centimu=None,
                                 lines=[ns(amount=7), ns(amount=8)]))
    assert [line.amount for line in out.lines] == ["7", "8"]
    assert sale(amount="12.50", currency="CNY", area_mu=None).amount == "12.50"  # built by field name


def test_minor_units_without_a_currency_are_refused_not_guessed():
    import pydantic

    ns, _, line = _outputs()
    with pytest.raises(pydantic.ValidationError, match="currency"):
        line.model_validate(ns(amount=100))
    with pytest.raises(pydantic.ValidationError):
        line.model_validate(ns(amount=1.5))  # never a float
