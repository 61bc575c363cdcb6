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
from math import gcd

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


def _coefficients(equation: tuple[Key, tuple[Key, ...]]) -> dict[Key, int]:
    """total = sum(parts) as the row `parts - total = 0` (a figure on both sides cancels)."""
    row: dict[Key, int] = defaultdict(int)
    row[equation[0]] -= 1
    for p in equation[1]:
        row[p] += 1
    return {key: c for key, c in row.items() if c}


def _determined(rows: list[dict[Key, int]]) -> set[Key]:
    """Unknowns fixed by the equations: those whose unit vector lies in the rows' span. Exact reduced
    row echelon form over the integers (each row scaled down by its gcd), so no fractions are built."""
    pivots: dict[Key, dict[Key, int]] = {}
    for raw in rows:
        row = dict(raw)
        for p in [key for key in row if key in pivots]:
            a = row.get(p, 0)
            if a:
                row = _combine(row, pivots[p], p)
        if not row:
            continue
        q = min(row, key=repr)
        for p, prow in pivots.items():
            if prow.get(q):
                pivots[p] = _combine(prow, row, q)
        pivots[q] = row
    return {p for p, row in pivots.items() if len(row) == 1}


def _combine(row: dict[Key, int], pivot: dict[Key, int], q: Key) -> dict[Key, int]:
    """`row` with `q` eliminated by `pivot` (d*row - a*pivot), zeros dropped, divided by its gcd."""
    d, a = pivot[q], row[q]
    out = {key: d * c for key, c in row.items()}
    for key, c in pivot.items():
        out[key] = out.get(key, 0) - a * c
    out = {key: c for key, c in out.items() if c}
    g = 0
    for c in out.values():
        g = gcd(g, c)
        if g == 1:
            return out
    return {key: c // g for key, c in out.items()} if g > 1 else out


class _Hidden:
    """The hidden figures, grouped by the sums they share (each sum restricted to its hidden figures is
    one equation of its group). Figures are only ever added, so groups only merge (union-find), and a
    group's determined figures are recomputed only when the group changed: the complementary search
    adds one partner at a time, and every other group keeps its answer."""

    def __init__(self, linked: Linked, hidden: Iterable[Key]) -> None:
        self.linked = linked
        self.rows = [_coefficients(e) for e in linked.sums]
        self.members = [_members(e) for e in linked.sums]
        self.in_rows: dict[Key, list[int]] = defaultdict(list)  # sums where a figure has a coefficient
        self.in_sums: dict[Key, list[int]] = defaultdict(list)  # sums that name a figure at all
        for i, (row, members) in enumerate(zip(self.rows, self.members, strict=True)):
            for key in row:
                self.in_rows[key].append(i)
            for key in dict.fromkeys(members):
                self.in_sums[key].append(i)
        self.keys: set[Key] = set()
        self.parent: dict[Key, Key] = {}
        self.group_rows: dict[Key, set[int]] = {}
        self.group_keys: dict[Key, set[Key]] = {}
        self.answers: dict[Key, set[Key]] = {}  # root -> determined figures; absent: to recompute
        self.first_hidden: dict[int, Key] = {}  # sum -> the first of its figures hidden
        for key in hidden:
            self.add(key)

    def _find(self, x: Key) -> Key:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def _join(self, a: Key, b: Key) -> Key:
        a, b = self._find(a), self._find(b)
        if a == b:
            return a
        if len(self.group_keys[a]) < len(self.group_keys[b]):
            a, b = b, a
        self.parent[b] = a
        self.group_keys[a] |= self.group_keys.pop(b)
        self.group_rows[a] |= self.group_rows.pop(b)
        self.answers.pop(b, None)
        return a

    def add(self, key: Key) -> None:
        if key in self.keys:
            return
        self.keys.add(key)
        rows = self.in_rows.get(key, ())
        if rows:
            self.parent[key] = key
            self.group_keys[key], self.group_rows[key] = {key}, set()
        for i in rows:
            # The row's hidden figures are already one group: joining any one of them joins them all,
            # so adding a figure costs its own rows, not the length of every sum it is in.
            first = self.first_hidden.setdefault(i, key)
            root = self._join(key, first)
            self.group_rows[root].add(i)
            self.answers.pop(root, None)

    def disclosed(self) -> set[Key]:
        out: set[Key] = set()
        for root, rows in self.group_rows.items():
            if root not in self.answers:
                self.answers[root] = _determined(
                    [{key: c for key, c in self.rows[i].items() if key in self.keys} for i in sorted(rows)])
            out |= self.answers[root]
        return out

    def partner(self, leak: Key) -> Key | None:
        """A published, nonzero figure to hide with `leak`: from a sum where it is the lone unknown, else
        from any sum it is in, else from any sum touching its group of hidden figures."""
        touching = self.in_sums.get(leak, [])
        lone = [i for i in touching if sum(key in self.keys for key in self.members[i]) == 1]
        group = self.group_keys[self._find(leak)] if leak in self.parent else {leak}
        wider = {i for key in group for i in self.in_sums.get(key, ())}
        for equations in (lone, touching, wider):
            candidates = {key for i in equations for key in self.members[i]
                          if key not in self.keys and self.linked.size(key) != (0, 0)}
            if candidates:
                return min(candidates, key=lambda key: _rank(self.linked, key))
        return None


def disclosed(linked: Linked, hidden: set[Key]) -> set[Key]:
    """Hidden figures that the published figures and sums determine exactly."""
    return _Hidden(linked, hidden).disclosed()


def _rank(linked: Linked, key: Key) -> tuple:
    households, value = linked.size(key)
    return linked.levels.get(key, 0), abs(value), households, repr(key)


def protect_linked(linked: Linked, k: int, forced: Iterable[Key] = ()) -> set[Key]:
    """The hidden figures: primary (1..k-1 households), `forced`, and complementary partners."""
    hidden = _Hidden(linked, [key for key, (hh, _) in linked.sizes.items() if 0 < hh < k] + list(forced))
    while True:
        leaks = [key for key in hidden.disclosed() if linked.size(key) != (0, 0)]
        partner = hidden.partner(min(leaks, key=lambda key: _rank(linked, key))) if leaks else None
        if partner is None:
            return set(hidden.keys)
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
