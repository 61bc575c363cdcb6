"""Rate rules: what a payment should be, as a pure function, with the rule in plain words.

Areas are kept in hundredths of a mu (12.40 mu -> 1240) so that everything stays integer.
Per-area amounts are rounded half up to the fen, the way county finance spreadsheets round.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from service import money
from service.compensation.models import RuleKind
from service.errors import InvalidField

_AREA = re.compile(r"^([0-9]{1,9})(?:\.([0-9]{1,2}))?$")


@dataclass(frozen=True)
class Rule:
    kind: RuleKind
    rate: int | None = None  # minor units
    table: dict[str, int] = field(default_factory=dict)
    cap_amount: int | None = None
    max_basis: int | None = None
    currency: str = "CNY"


@dataclass(frozen=True)
class Basis:
    area_centimu: int | None = None
    persons: int | None = None
    months: int | None = None
    category: str | None = None


@dataclass(frozen=True)
class Computed:
    amount: int
    rule: str  # plain words, stored on the payment and in the ledger entry


def parse_area(text: str, field_name: str = "area_mu") -> int:
    """'12.4' mu -> 1240 hundredths of a mu; refuses more than two decimals and negatives."""
    m = _AREA.match(text.strip())
    if not m:
        raise InvalidField(field_name, f"{text[:30]!r} is not an area in mu such as \"12.40\"")
    return int(m.group(1)) * 100 + int((m.group(2) or "").ljust(2, "0"))


def format_area(centimu: int) -> str:
    return f"{centimu // 100}.{centimu % 100:02d}"


def round_half_up(numerator: int, denominator: int) -> int:
    return (2 * numerator + denominator) // (2 * denominator)


def _need(value: int | None, name: str, rule: RuleKind) -> int:
    if value is None or value <= 0:
        raise InvalidField(name, f"a {rule.value} program needs a positive {name}")
    return value


def compute(rule: Rule, basis: Basis) -> Computed:
    """The amount the rule gives for this basis, or an InvalidField naming the missing basis."""
    fmt = lambda minor: f"{money.format(minor, rule.currency)} {rule.currency}"  # noqa: E731
    rate = rule.rate or 0
    if rule.kind == RuleKind.PER_AREA_YEAR:
        area = _need(basis.area_centimu, "area_mu", rule.kind)
        _check_max(rule, area, "area_mu", format_area)
        amount, words = round_half_up(rate * area, 100), f"{fmt(rate)} per mu per year x {format_area(area)} mu"
    elif rule.kind == RuleKind.PER_HOUSEHOLD:
        amount, words = rate, f"{fmt(rate)} per household"
    elif rule.kind == RuleKind.PER_PERSON:
        persons = _need(basis.persons, "persons", rule.kind)
        _check_max(rule, persons, "persons", str)
        amount, words = rate * persons, f"{fmt(rate)} per person x {persons} persons"
    elif rule.kind == RuleKind.PER_MONTH:
        months = basis.months or 1
        _check_max(rule, months, "months", str)
        amount, words = rate * months, f"{fmt(rate)} per month x {months} months"
    else:
        category = (basis.category or "").strip()
        if category not in rule.table:
            known = ", ".join(sorted(rule.table)) or "none"
            raise InvalidField("category", f"{category or '(empty)'!r} is not in the program's table ({known})")
        amount, words = rule.table[category], f"{fmt(rule.table[category])} for category {category!r} (fixed table)"
    if rule.cap_amount is not None and amount > rule.cap_amount:
        amount, words = rule.cap_amount, f"{words}, capped at {fmt(rule.cap_amount)}"
    if amount <= 0:
        raise InvalidField("amount", f"the rule gives {fmt(amount)}; nothing to pay")
    if amount > money.MAX_MINOR:
        raise InvalidField("amount", "the rule gives an amount out of range")
    return Computed(amount, words)


def _check_max(rule: Rule, value: int, name: str, show) -> None:
    if rule.max_basis is not None and value > rule.max_basis:
        raise InvalidField(name, f"{show(value)} is above the program's maximum of {show(rule.max_basis)}")


def check_amount(computed: Computed, entered: int | None, currency: str = "CNY") -> None:
    """An entered amount must equal the rule's; the refusal carries the expected figure."""
    if entered is not None and entered != computed.amount:
        expected = money.format(computed.amount, currency)
        raise InvalidField(
            "amount", f"{money.format(entered, currency)} does not match the rule: expected {expected} "
            f"({computed.rule})", expected=expected,
        )


def period_bounds(period: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """'2026' -> ((2026,1),(2026,12)); '2026-03' -> ((2026,3),(2026,3)). InvalidField otherwise."""
    m = re.fullmatch(r"([1-9][0-9]{3})(?:-(0[1-9]|1[0-2]))?", period or "")
    if not m:
        raise InvalidField("period", f"{period!r} is not a year (\"2026\") or a month (\"2026-03\")")
    year = int(m.group(1))
    if m.group(2):
        month = int(m.group(2))
        return (year, month), (year, month)
    return (year, 1), (year, 12)
