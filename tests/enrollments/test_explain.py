"""A cycle line's explanation: the shortcut for parcels that fit says what the parcel-by-parcel loop says."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from service.enrollments import cycles
from service.enrollments.cycles import RULE_TEXT_MAX, _area, _money


def by_the_loop(rule: str, amount: int, enrollment_id: int, codes: list[str], areas: list[int], currency: str) -> str:
    """The explanation as it was written before the shortcut: each parcel checked against the limit."""
    text = f"{rule} = {_money(amount, currency)} {currency}; enrollment {enrollment_id}"
    if codes:
        parts = [f"{c} {_area(a)} mu" for c, a in zip(codes, areas, strict=True)]
        shown = ""
        for i, part in enumerate(parts):
            rest = f" (+{len(parts) - i} more)"
            if len(text) + len(shown) + len(part) + len(rest) + 12 > RULE_TEXT_MAX:
                shown += rest
                break
            shown += (", " if shown else "") + part
        text += f": parcels {shown}"
    return text[:RULE_TEXT_MAX]


parcels = st.lists(st.tuples(st.text(min_size=1, max_size=40), st.integers(1, 10**7)), max_size=30)


@settings(max_examples=300, deadline=None)
@given(rule=st.text(max_size=120), amount=st.integers(1, 10**10), enrollment_id=st.integers(1, 10**9), parcels=parcels)
def test_the_explanation_is_the_parcel_loops(rule: str, amount: int, enrollment_id: int, parcels: list) -> None:
    codes, areas = [c for c, _ in parcels], [a for _, a in parcels]
    row = {"rule": rule, "amount": amount, "enrollment_id": enrollment_id, "parcels": codes, "parcel_areas": areas}
    assert cycles.explain(row, "CNY") == by_the_loop(rule, amount, enrollment_id, codes, areas, "CNY")


def test_a_long_parcel_list_is_cut_with_a_count() -> None:
    codes = [f"PARCEL-{i:04d}" for i in range(40)]
    text = cycles.explain({"rule": "34.50 CNY per mu per year x 400.00 mu", "amount": 1380000, "enrollment_id": 7,
                           "parcels": codes, "parcel_areas": [1000] * 40}, "CNY")
    assert len(text) <= RULE_TEXT_MAX and text.endswith("more)") and "PARCEL-0000 10.00 mu" in text


def test_every_length_around_the_limit() -> None:
    """Rules of every length, so that each parcel list meets the limit at each place (where a shortcut
    that counted wrong would show a parcel the loop leaves out)."""
    for n in range(1, 6):
        codes, areas = [f"P{i}-{'x' * (i * 3)}" for i in range(n)], [1250 * (i + 1) for i in range(n)]
        for k in range(RULE_TEXT_MAX + 1):
            row = {"rule": "r" * k, "amount": 43125, "enrollment_id": 7, "parcels": codes, "parcel_areas": areas}
            assert cycles.explain(row, "CNY") == by_the_loop("r" * k, 43125, 7, codes, areas, "CNY"), (n, k)
