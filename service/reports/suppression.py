"""Small-cell suppression for published tables, primary and complementary.

The public report is a set of published figures linked by sums: a county's cells add up to the county
total, the county totals to the grand total, the months of a county to its total, and so on. Each
figure has a household count and a value. Primary suppression hides every figure with 1..k-1
households. Complementary suppression then hides more until no hidden figure can be worked out from
the published ones: a hidden figure is exposed when the published sums determine it exactly (total
minus the rest, or any chain of such subtractions, across tables). This is checked with exact linear
algebra over each connected group of hidden figures, so a figure reachable by combining several sums
is caught too. The partner hidden for an exposed figure is taken from a sum it is part of: an inner
cell first, then the grand total, then a margin.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from fractions import Fraction

TOTAL = "__total__"
Key = Hashable
Size = tuple[int, int]  # (households, value in minor units)


@dataclass
class Linked:
    """Published figures (`sizes`) and the sums between them (`sums`: total = sum of parts)."""

    sizes: dict[Key, Size] = field(default_factory=dict)
    sums: list[tuple[Key, tuple[Key, ...]]] = field(default_factory=list)
    levels: dict[Key, int] = field(default_factory=dict)  # lower is hidden first as a partner

    def add(self, key: Key, size: Size, level: int = 0) -> None:
        self.sizes[key] = size
        self.levels[key] = level

    def sum(self, total: Key, parts: Iterable[Key]) -> None:
        parts = tuple(parts)
        if parts:
            self.sums.append((total, parts))

    def size(self, key: Key) -> Size:
        return self.sizes.get(key, (0, 0))


def _members(equation: tuple[Key, tuple[Key, ...]]) -> list[Key]:
    return [equation[0], *equation[1]]


def _components(linked: Linked, hidden: set[Key]) -> list[tuple[list[Key], list[dict[Key, int]]]]:
    """Groups of hidden figures joined by the sums they share, each with its equations over them."""
    parent: dict[Key, Key] = {}

    def find(x: Key) -> Key:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    rows: list[dict[Key, int]] = []
    for total, parts in linked.sums:
        row: dict[Key, int] = defaultdict(int)
        row[total] -= 1
        for p in parts:
            row[p] += 1
        row = {key: c for key, c in row.items() if key in hidden and c}
        if not row:
            continue
        first = next(iter(row))
        for key in row:
            parent[find(key)] = find(first)
        rows.append(row)
    groups: dict[Key, tuple[list[Key], list[dict[Key, int]]]] = {}
    for row in rows:
        root = find(next(iter(row)))
        groups.setdefault(root, ([], []))[1].append(row)
    for key in parent:
        if find(key) in groups:
            groups[find(key)][0].append(key)
    return list(groups.values())


def _determined(rows: list[dict[Key, int]]) -> set[Key]:
    """Unknowns fixed by the equations: those whose unit vector lies in the rows' span (exact RREF)."""
    pivots: dict[Key, dict[Key, Fraction]] = {}
    for raw in rows:
        row = {key: Fraction(c) for key, c in raw.items()}
        for p in [key for key in row if key in pivots]:
            factor = row.get(p, Fraction(0))
            if factor:
                for key, c in pivots[p].items():
                    row[key] = row.get(key, Fraction(0)) - factor * c
        row = {key: c for key, c in row.items() if c}
        if not row:
            continue
        q = min(row, key=repr)
        row = {key: c / row[q] for key, c in row.items()}
        for p, prow in pivots.items():
            factor = prow.get(q)
            if factor:
                for key, c in row.items():
                    prow[key] = prow.get(key, Fraction(0)) - factor * c
                pivots[p] = {key: c for key, c in prow.items() if c}
        pivots[q] = row
    return {p for p, row in pivots.items() if len(row) == 1}


def disclosed(linked: Linked, hidden: set[Key]) -> set[Key]:
    """Hidden figures that the published figures and sums determine exactly."""
    out: set[Key] = set()
    for _, rows in _components(linked, hidden):
        out |= _determined(rows)
    return out


def _rank(linked: Linked, key: Key) -> tuple:
    households, value = linked.size(key)
    return linked.levels.get(key, 0), abs(value), households, repr(key)


def _partner(linked: Linked, hidden: set[Key], leak: Key) -> Key | None:
    """A published, nonzero figure to hide with `leak`: from a sum where it is the lone unknown, else
    from any sum it is in, else from any sum touching its group of hidden figures."""
    touching = [e for e in linked.sums if leak in _members(e)]
    lone = [e for e in touching if sum(key in hidden for key in _members(e)) == 1]
    group = {leak}
    for comp_keys, _ in _components(linked, hidden):
        if leak in comp_keys:
            group = set(comp_keys)
    wider = [e for e in linked.sums if group.intersection(_members(e))]
    for equations in (lone, touching, wider):
        candidates = {key for e in equations for key in _members(e)
                      if key not in hidden and linked.size(key) != (0, 0)}
        if candidates:
            return min(candidates, key=lambda key: _rank(linked, key))
    return None


def protect_linked(linked: Linked, k: int, forced: Iterable[Key] = ()) -> set[Key]:
    """The hidden figures: primary (1..k-1 households), `forced`, and complementary partners."""
    hidden = {key for key, (hh, _) in linked.sizes.items() if 0 < hh < k} | set(forced)
    while True:
        leaks = sorted((key for key in disclosed(linked, hidden) if linked.size(key) != (0, 0)),
                       key=lambda key: _rank(linked, key))
        partner = _partner(linked, hidden, leaks[0]) if leaks else None
        if partner is None:
            return hidden
        hidden.add(partner)


@dataclass
class Table:
    """One two-way table: cells (row, col), its row and column totals and a grand total."""

    cells: dict[tuple[Hashable, Hashable], tuple[int, int]]  # (row, col) -> (households, value)
    row_totals: dict[Hashable, tuple[int, int]] = field(default_factory=dict)
    col_totals: dict[Hashable, tuple[int, int]] = field(default_factory=dict)
    grand: tuple[int, int] = (0, 0)
    publish_rows: bool = True
    publish_cols: bool = True
    publish_grand: bool = True

    def linked(self) -> Linked:
        rows = sorted({r for r, _ in self.cells} | set(self.row_totals), key=repr)
        cols = sorted({c for _, c in self.cells} | set(self.col_totals), key=repr)
        out = Linked()
        for key, size in self.cells.items():
            out.add(key, size, 0)
        if self.publish_grand:
            out.add((TOTAL, TOTAL), self.grand, 1)
        for r in rows if self.publish_rows else []:
            out.add((r, TOTAL), self.row_totals.get(r, (0, 0)), 2)
            out.sum((r, TOTAL), [(r, c) for c in cols if (r, c) in self.cells])
        for c in cols if self.publish_cols else []:
            out.add((TOTAL, c), self.col_totals.get(c, (0, 0)), 2)
            out.sum((TOTAL, c), [(r, c) for r in rows if (r, c) in self.cells])
        if self.publish_grand:
            if self.publish_rows:
                out.sum((TOTAL, TOTAL), [(r, TOTAL) for r in rows])
            if self.publish_cols:
                out.sum((TOTAL, TOTAL), [(TOTAL, c) for c in cols])
            if not (self.publish_rows or self.publish_cols):
                out.sum((TOTAL, TOTAL), list(self.cells))
        return out

    def unpublished(self) -> set[tuple[Hashable, Hashable]]:
        rows = {r for r, _ in self.cells} | set(self.row_totals)
        cols = {c for _, c in self.cells} | set(self.col_totals)
        out = set() if self.publish_rows else {(r, TOTAL) for r in rows}
        out |= set() if self.publish_cols else {(TOTAL, c) for c in cols}
        return out | (set() if self.publish_grand else {(TOTAL, TOTAL)})


def protect(table: Table, k: int, forced: Iterable[tuple[Hashable, Hashable]] = ()) -> set[tuple[Hashable, Hashable]]:
    """The set of hidden keys of one table: (row, col) cells, (row, TOTAL), (TOTAL, col) and (TOTAL, TOTAL);
    totals the table does not publish are in it too."""
    return protect_linked(table.linked(), k, forced) | table.unpublished()
