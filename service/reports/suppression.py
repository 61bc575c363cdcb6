"""Small-cell suppression for published tables, primary and complementary.

A table has cells (row, col) with a household count and a value; its row totals, column totals and a
grand total may be published. Primary suppression hides every cell with 1..k-1 households. Then each
line of the table (a row with its total, a column with its total, the totals row and column with the
grand total) must not have exactly one unknown: otherwise the unknown is the published total minus the
published rest. While such a line exists, the smallest other nonzero entry of it is hidden too
(complementary suppression). Lines whose total is not published give no equation and are skipped.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

TOTAL = "__total__"


@dataclass
class Table:
    cells: dict[tuple[Hashable, Hashable], tuple[int, int]]  # (row, col) -> (households, value)
    row_totals: dict[Hashable, tuple[int, int]] = field(default_factory=dict)
    col_totals: dict[Hashable, tuple[int, int]] = field(default_factory=dict)
    grand: tuple[int, int] = (0, 0)
    publish_rows: bool = True
    publish_cols: bool = True
    publish_grand: bool = True


def _key_rows(table: Table) -> tuple[list[Hashable], list[Hashable]]:
    rows = sorted({r for r, _ in table.cells} | set(table.row_totals), key=repr)
    cols = sorted({c for _, c in table.cells} | set(table.col_totals), key=repr)
    return rows, cols


def _level(key: tuple[Hashable, Hashable]) -> int:
    """Which entry to hide first: an inner cell, else the grand total, else a row or column total
    (a county's total is worth more to readers than the grand total)."""
    if TOTAL not in key:
        return 0
    return 1 if key == (TOTAL, TOTAL) else 2


def protect(table: Table, k: int, forced: Iterable[tuple[Hashable, Hashable]] = ()) -> set[tuple[Hashable, Hashable]]:
    """The set of hidden keys: (row, col) cells, (row, TOTAL), (TOTAL, col) and (TOTAL, TOTAL)."""
    rows, cols = _key_rows(table)
    size: dict[tuple[Hashable, Hashable], tuple[int, int]] = dict(table.cells)
    for r in rows:
        size[(r, TOTAL)] = table.row_totals.get(r, (0, 0))
    for c in cols:
        size[(TOTAL, c)] = table.col_totals.get(c, (0, 0))
    size[(TOTAL, TOTAL)] = table.grand
    hidden = {key for key, (hh, _) in size.items() if 0 < hh < k}
    hidden |= set(forced)
    unpublished: set[tuple[Hashable, Hashable]] = set()
    if not table.publish_rows:
        unpublished |= {(r, TOTAL) for r in rows}
    if not table.publish_cols:
        unpublished |= {(TOTAL, c) for c in cols}
    if not table.publish_grand:
        unpublished.add((TOTAL, TOTAL))
    hidden |= unpublished
    lines = [[(r, c) for c in [*cols, TOTAL] if (r, c) in size] for r in [*rows, TOTAL]]
    lines += [[(r, c) for r in [*rows, TOTAL] if (r, c) in size] for c in [*cols, TOTAL]]
    lines = [line for line in lines if not unpublished.intersection(line)]  # no published sum, no equation
    changed = True
    while changed:
        changed = False
        for line in lines:
            unknown = [key for key in line if key in hidden]
            if len(unknown) != 1:
                continue
            candidates = [key for key in line if key not in hidden and size[key] != (0, 0)]
            if not candidates:
                continue  # the lone unknown is zero-sized relative to the rest; nothing to protect
            hidden.add(min(candidates, key=lambda key: (_level(key), size[key][1], size[key][0], repr(key))))
            changed = True
    return hidden
