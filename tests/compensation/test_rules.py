"""The rate rules and the reconciliation matcher as pure functions, with property tests."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given, strategies as st

from service.compensation import rules
from service.compensation.models import RuleKind
from service.compensation.reconcile import PaidPayment, StatementLine, match
from service.formulas import neutralise
from service.errors import InvalidField

rates = st.integers(min_value=1, max_value=10_000_00)
areas = st.integers(min_value=1, max_value=100_000_00)


@given(rates, areas)
def test_per_area_amount_is_exact_rate_times_area_rounded_half_up(rate, area):
    if rate * area < 50:  # less than half a fen: nothing to pay, refused rather than paying 0.00
        with pytest.raises(InvalidField, match="nothing to pay"):
            rules.compute(rules.Rule(RuleKind.PER_AREA_YEAR, rate=rate), rules.Basis(area_centimu=area))
        return
    got = rules.compute(rules.Rule(RuleKind.PER_AREA_YEAR, rate=rate), rules.Basis(area_centimu=area))
    exact = Fraction(rate * area, 100)
    assert abs(Fraction(got.amount) - exact) <= Fraction(1, 2)
    assert got.amount - exact < Fraction(1, 2) or exact.denominator == 2 and got.amount - exact == Fraction(1, 2)
    assert rules.format_area(area) in got.rule


@given(rates, areas, areas)
def test_more_area_never_pays_less(rate, a, b):
    rule = rules.Rule(RuleKind.PER_AREA_YEAR, rate=rate)
    lo, hi = sorted((a, b))
    if rate * lo < 50:
        return
    lo, hi = sorted((a, b))
    assert rules.compute(rule, rules.Basis(area_centimu=lo)).amount <= rules.compute(rule, rules.Basis(area_centimu=hi)).amount


@given(rates, st.integers(min_value=1, max_value=50), st.integers(min_value=1, max_value=10**9))
def test_cap_is_never_exceeded_and_per_person_is_linear(rate, persons, cap):
    got = rules.compute(rules.Rule(RuleKind.PER_PERSON, rate=rate, cap_amount=cap), rules.Basis(persons=persons))
    assert got.amount == min(rate * persons, cap)
    assert ("capped" in got.rule) == (rate * persons > cap)


@given(st.text(min_size=1, max_size=12))
def test_area_text_either_parses_exactly_or_is_refused(text):
    try:
        centi = rules.parse_area(text)
    except InvalidField:
        return
    assert Fraction(text.strip()) * 100 == centi


def test_examples_from_the_county_spreadsheets():
    rule = rules.Rule(RuleKind.PER_AREA_YEAR, rate=34_50)
    assert rules.compute(rule, rules.Basis(area_centimu=12_40)).amount == 427_80
    assert rules.compute(rule, rules.Basis(area_centimu=1)).amount == 35  # 0.345 -> 0.35, half up
    with pytest.raises(InvalidField, match="expected 427.80"):
        rules.check_amount(rules.compute(rule, rules.Basis(area_centimu=12_40)), 428_00)
    with pytest.raises(InvalidField):
        rules.period_bounds("2026-13")


def test_reconciliation_matching():
    d = date(2026, 4, 2)
    paid = [PaidPayment(1, "A", d, 100), PaidPayment(2, "B", d, 200), PaidPayment(3, "C", d, 300),
            PaidPayment(4, "D", date(2025, 1, 1), 5)]
    lines = [StatementLine(2, "A", d, 100), StatementLine(3, "B", d, 250), StatementLine(4, "Z", d, 7),
             StatementLine(5, "A", d, 100)]
    rep = match(lines, paid)
    assert [m["payment_id"] for m in rep["matched"]] == [1]
    assert rep["amount_differences"][0]["difference"] == "0.50"
    assert [u["row"] for u in rep["unmatched_statement"]] == [4, 5]
    assert [u["payment_id"] for u in rep["unmatched_payments"]] == [3]  # 4 is outside the statement's dates


@pytest.mark.parametrize("cell", ["=1+1", "+1+1", "-1+cmd|x", "@SUM(A1)", "\tx"])
def test_formula_cells_are_neutralised(cell):
    assert neutralise(cell) == "'" + cell
    assert neutralise("胡玉兰") == "胡玉兰" and neutralise(12) == 12
