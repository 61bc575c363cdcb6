"""The incremental complementary search hides exactly what a straightforward search hides: recompute
every hidden figure's status from scratch with Fractions, over the whole table, at every step."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from service.reports.suppression import Linked, _coefficients, _rank, protect_linked


def _reference_disclosed(linked: Linked, hidden: set) -> set:
    """Hidden figures whose unit vector lies in the span of the sums restricted to hidden figures:
    Gauss-Jordan with Fractions over all sums at once, then a rank test per figure."""
    keys = sorted(hidden, key=repr)
    rows = [[Fraction(row.get(k, 0)) for k in keys] for row in map(_coefficients, linked.sums)]
    rows = [r for r in rows if any(r)]

    def rank(m: list[list[Fraction]]) -> int:
        m = [list(r) for r in m]
        r = 0
        for c in range(len(keys)):
            pivot = next((i for i in range(r, len(m)) if m[i][c]), None)
            if pivot is None:
                continue
            m[r], m[pivot] = m[pivot], m[r]
            for i in range(len(m)):
                if i != r and m[i][c]:
                    f = m[i][c] / m[r][c]
                    m[i] = [a - f * b for a, b in zip(m[i], m[r], strict=True)]
            r += 1
        return r

    base = rank(rows)
    unit = [[Fraction(int(i == j)) for j in range(len(keys))] for i in range(len(keys))]
    return {k for k, u in zip(keys, unit, strict=True) if rank([*rows, u]) == base}


def _reference_protect(linked: Linked, k: int) -> set:
    hidden = {key for key, (hh, _) in linked.sizes.items() if 0 < hh < k}
    while True:
        leaks = [key for key in _reference_disclosed(linked, hidden) if linked.size(key) != (0, 0)]
        if not leaks:
            return hidden
        leak = min(leaks, key=lambda key: _rank(linked, key))
        partner = _reference_partner(linked, hidden, leak)
        if partner is None:
            return hidden
        hidden.add(partner)


def _reference_partner(linked: Linked, hidden: set, leak):
    """As the search's partner rule, with the group of hidden figures found by a plain flood fill."""
    members = [[e[0], *e[1]] for e in linked.sums]
    touching = [i for i, m in enumerate(members) if leak in m]
    lone = [i for i in touching if sum(key in hidden for key in members[i]) == 1]
    group, frontier = {leak}, [leak]
    while frontier:
        key = frontier.pop()
        for row in map(_coefficients, linked.sums):
            if row.get(key):
                for other in row:
                    if other in hidden and other not in group:
                        group.add(other)
                        frontier.append(other)
    wider = {i for i, m in enumerate(members) if group & set(m)}
    for equations in (lone, touching, wider):
        candidates = {key for i in equations for key in members[i]
                      if key not in hidden and linked.size(key) != (0, 0)}
        if candidates:
            return min(candidates, key=lambda key: _rank(linked, key))
    return None


@st.composite
def linked_tables(draw) -> Linked:
    """Random figures (some small, some empty) linked by random overlapping sums, totals included."""
    n = draw(st.integers(2, 14))
    keys = [("f", i) for i in range(n)]
    linked = Linked()
    for key in keys:
        hh = draw(st.sampled_from([0, 1, 2, 3, 4, 5, 7, 12]))
        linked.add(key, (hh, hh * draw(st.integers(1, 500))), draw(st.integers(0, 3)))
    for _ in range(draw(st.integers(1, 8))):
        total = draw(st.sampled_from(keys))
        parts = draw(st.lists(st.sampled_from(keys), min_size=1, max_size=6, unique=True))
        linked.sum(total, [p for p in parts if p != total])
    return linked


@settings(max_examples=300, deadline=None)
@given(linked_tables(), st.integers(2, 6))
def test_the_search_hides_what_the_reference_hides(linked, k):
    assert protect_linked(linked, k) == _reference_protect(linked, k)
