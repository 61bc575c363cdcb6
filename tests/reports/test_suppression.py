"""No suppressed cell can be recovered from the published totals by subtraction."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from service.reports.suppression import TOTAL, Table, protect

K = 5


def _lines(table: Table, hidden: set) -> list[list]:
    rows = sorted({r for r, _ in table.cells}, key=repr)
    cols = sorted({c for _, c in table.cells}, key=repr)
    lines = [[(r, c) for c in cols if (r, c) in table.cells] + [(r, TOTAL)] for r in rows]
    lines += [[(r, c) for r in rows if (r, c) in table.cells] + [(TOTAL, c)] for c in cols]
    lines.append([(r, TOTAL) for r in rows] + [(TOTAL, TOTAL)])
    lines.append([(TOTAL, c) for c in cols] + [(TOTAL, TOTAL)])
    return lines


tables = st.dictionaries(
    st.tuples(st.sampled_from("ABCD"), st.sampled_from("xyz")),
    st.tuples(st.integers(0, 12), st.integers(0, 10_000)), min_size=1, max_size=12,
).map(lambda cells: {k: ((h, v) if h else (0, 0)) for k, (h, v) in cells.items()})


def _table(cells, publish_cols: bool) -> Table:
    rows, cols = {r for r, _ in cells}, {c for _, c in cells}
    total = lambda items: (sum(h for h, _ in items), sum(v for _, v in items))  # noqa: E731
    return Table(
        cells=cells,
        row_totals={r: total([v for (rr, _), v in cells.items() if rr == r]) for r in rows},
        col_totals={c: total([v for (_, cc), v in cells.items() if cc == c]) for c in cols},
        grand=total(list(cells.values())), publish_cols=publish_cols,
    )


@settings(max_examples=300, deadline=None)
@given(tables, st.booleans())
def test_no_line_with_a_published_total_has_exactly_one_hidden_entry(cells, publish_cols):
    table = _table(cells, publish_cols)
    hidden = protect(table, K)
    for key, (h, _) in cells.items():
        if 0 < h < K:
            assert key in hidden
    for line in _lines(table, hidden):
        unknown = [key for key in line if key in hidden]
        published_total = line[-1] not in hidden
        if published_total and len(unknown) == 1:
            # the one unknown would be total minus the rest: only harmless if it is zero-sized
            assert cells.get(unknown[0], (0, 0)) == (0, 0), (line, hidden)


def test_lone_small_cell_is_paired_with_its_smallest_neighbour():
    cells = {("A", "x"): (3, 100), ("A", "y"): (9, 500), ("A", "z"): (20, 900), ("B", "x"): (30, 50)}
    hidden = protect(_table(cells, publish_cols=False), K)
    assert ("A", "x") in hidden and ("A", "y") in hidden and ("A", "z") not in hidden
    assert ("A", TOTAL) not in hidden and ("B", TOTAL) not in hidden


async def test_published_transparency_report_reveals_no_hidden_cell(client, demo):
    doc = (await client.get("/api/v1/reports/transparency")).json()
    hidden_cells = [c for c in doc["cells"] if c["suppressed"]]
    assert hidden_cells  # the demo has small cells
    for county in doc["county_totals"]:
        mine = [c for c in doc["cells"] if c["county"] == county["county"]]
        if not county["suppressed"]:
            assert sum(c["suppressed"] for c in mine) != 1
    if not doc["total"]["suppressed"]:
        assert sum(c["suppressed"] for c in doc["county_totals"]) != 1
    for c in hidden_cells:
        assert all(c[f] is None for f in ("money_out", "to_households", "households", "stipends", "patrol_days"))
    genders = [g for g in doc["gender"] if g["county"] is not None]
    for county in {g["county"] for g in genders}:
        assert sum(g["suppressed"] for g in genders if g["county"] == county) != 1
    for g in doc["gender"]:
        assert g["suppressed"] or g["households"] >= 5
