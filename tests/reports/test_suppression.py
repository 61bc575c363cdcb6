"""No suppressed cell can be recovered from the published totals by subtraction."""

from __future__ import annotations

from datetime import date

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


# --- every table of the public report, on random ledgers ----------------------------------------

from service.reports import publish  # noqa: E402
from tests.reports import ledgers as L  # noqa: E402

VIEWS = [{}, *({"county": c} for c in L.COUNTIES), {"program": "P1"}, {"program": "P2"}, {"trust": "T1"},
         {"period": "2026"}, {"period": "2026-05"}, {"period": "2025"}, {"county": "360001", "period": "2026"},
         {"county": "360002", "program": "P1"}]


def _month(p: L.Payment) -> str:
    return p.day.strftime("%Y-%m")


def _gender(led: L.Ledger, p: L.Payment) -> str:
    return led.parties[p.recipient]["gender"] or "unrecorded"


def _in_view(p: L.Payment, view: dict) -> bool:
    return ((view.get("county") is None or p.county == view["county"])
            and (view.get("program") is None or p.program == view["program"])
            and (view.get("trust") is None or p.trust == view["trust"])
            and (view.get("period") is None or p.period.startswith(view["period"])))


class Published:
    """Every figure the reports publish, by what it is, with the sums a reader knows hold between them."""

    def __init__(self, led: L.Ledger) -> None:
        self.led = led
        self.values: dict[tuple, dict[str, int | None]] = {}  # figure -> family -> value (None: hidden)
        self.households: dict[tuple, int | None] = {}
        self.truth: dict[tuple, object] = {}  # figure -> which payments it covers
        self.sums: list[tuple[str, tuple, list[tuple]]] = []  # (family, total, parts)

    def figure(self, key: tuple, row: dict, keep, **families: int | None) -> None:
        hidden = row["suppressed"]
        vals = {f: (None if hidden else v) for f, v in families.items()}
        if key in self.values:  # the same figure in two reports must read the same
            assert self.values[key] == vals and self.households[key] == row.get("households"), key
        self.values[key], self.households[key], self.truth[key] = vals, row.get("households"), keep

    def add(self, view: dict, tables: dict) -> None:
        name = tuple(sorted(view.items()))
        for r in tables["cells"]:
            key = ("cell", r["county"], r["program"], r["trust"], r["period"])
            self.figure(key, r, lambda p, cell=key[1:]: (p.county, p.program, p.trust, p.period) == cell, **_cell(r))
        whole_county = set(view) == {"county"}
        counties = []
        for r in tables["county_totals"]:
            key = ("county", r["county"]) if not view or whole_county else ("agg", name, r["county"])
            self.figure(key, r, lambda p, c=r["county"]: p.county == c and _in_view(p, view), **_cell(r))
            counties.append(key)
            cells = [("cell", c["county"], c["program"], c["trust"], c["period"]) for c in tables["cells"]
                     if c["county"] == r["county"]]
            for fam in FAMILIES:
                self.sums.append((fam, key, cells))
        total = ("total",) if not view else ("county", view["county"]) if whole_county else ("agg", name, None)
        self.figure(total, tables["total"], lambda p: _in_view(p, view), **_cell(tables["total"]))
        if not whole_county:
            for fam in FAMILIES:
                self.sums.append((fam, total, counties))
        months = []
        for m in tables["months"]:
            key = ("month", m["county"], m["month"])
            self.figure(key, m, lambda p, m=m: _month(p) == m["month"] and (m["county"] is None or p.county == m["county"]),
                        money_out=m["money_out"])
            months.append(key)
        if tables["months"] and "period" not in view:
            self.sums.append(("money_out", total, months))
        for g in tables["gender"]:
            key = ("gender", g["county"], g["gender"])
            self.figure(key, g, lambda p, g=g: _gender(self.led, p) == g["gender"] and self.led.parties[p.recipient]["kind"] == "household"
                        and (g["county"] is None or p.county == g["county"]), to_households=g["to_households"])
        for v in tables["villages"]:
            key = ("village", v["county"], v["village_id"])
            self.figure(key, v, lambda p, v=v: self.led.parties[p.recipient]["village"] == v["village_id"],
                        received=v["received"])

    def equations(self) -> list[tuple[str, tuple, list[tuple]]]:
        """The published sums, plus those across tables of the full report."""
        out = list(self.sums)
        keys = list(self.values)
        counties = {k[1] for k in keys if k[0] == "county"}
        months = {k[2] for k in keys if k[0] == "month"}
        for c in counties:
            out.append(("money_out", ("county", c), [k for k in keys if k[0] == "month" and k[1] == c]))
            out.append(("to_households", ("county", c), [k for k in keys if k[0] == "gender" and k[1] == c]))
            out.append(("received", ("county", c), [k for k in keys if k[0] == "village" and k[1] == c]))
        for m in months:
            out.append(("money_out", ("month", None, m), [k for k in keys if k[0] == "month" and k[2] == m and k[1]]))
        for g in {k[2] for k in keys if k[0] == "gender"}:
            out.append(("to_households", ("gender", None, g), [k for k in keys if k[0] == "gender" and k[2] == g and k[1]]))
        out.append(("to_households", ("total",), [k for k in keys if k[0] == "gender" and k[1] is None]))
        out.append(("money_out", ("total",), [k for k in keys if k[0] == "month" and k[1] is None]))
        return [e for e in out if e[1] in self.values]

    def attack(self) -> dict[tuple, int]:
        """Subtract published figures from published totals, over and over, as far as it goes."""
        recovered: dict[tuple, int] = {}
        for fam in FAMILIES:
            known = {k: v[fam] for k, v in self.values.items() if fam in v and v[fam] is not None}
            unknown = {k for k, v in self.values.items() if fam in v and v[fam] is None}
            changed = True
            while changed:
                changed = False
                for f, total, parts in self.equations():
                    if f != fam or not parts:
                        continue
                    missing = [k for k in [total, *parts] if k in unknown and k not in known]
                    if len(missing) != 1:
                        continue
                    value = lambda k: known.get(k, 0)  # noqa: E731 - a figure not published is zero
                    if missing[0] == total:
                        known[total] = sum(value(k) for k in parts)
                    else:
                        known[missing[0]] = value(total) - sum(value(k) for k in parts if k != missing[0])
                    recovered[(fam, *missing[0])] = known[missing[0]]
                    changed = True
        return recovered


FAMILIES = ("money_out", "to_households", "received")


def _cell(r: dict) -> dict[str, int | None]:
    received = None if r["to_communities"] is None else r["to_communities"] + r["to_households"]
    return {"money_out": r["money_out"], "to_households": r["to_households"], "received": received}


@settings(max_examples=100, deadline=None)
@given(L.ledgers())
def test_no_table_of_any_report_publishes_a_small_cell_or_lets_one_be_worked_out(led):
    _check_every_table(led)


def test_a_county_view_of_one_period_shows_its_total_as_its_county_row():
    """Found by a wider search: a county paid only in 2026 periods, its total shown around two hidden
    cells. The view (county, 2026) showed that total as the county's row but hid it as the view's
    total, which is the same figure, so the 'hidden' total was there to read."""
    led = L.Ledger(funding={"360001": 5_000_000, "360002": 5_000_000})
    for vid, county in ((100, "360001"), (110, "360002")):
        led.parties[vid] = {"kind": "community", "county": county, "village": vid, "gender": None}
    for h in range(16):
        county, vid = ("360001", 100) if h < 10 else ("360002", 110)
        led.parties[200 + h] = {"kind": "household", "county": county, "village": vid, "gender": "female"}
    cells = [("P1", 0, 6), ("P2", 6, 8), (None, 8, 10), ("P1", 10, 16)]  # program, households [a, b)
    for program, a, b in cells:
        for h in range(a, b):
            county = "360001" if h < 10 else "360002"
            led.payments.append(L.Payment(200 + h, county, program, None, "2026" if h < 10 else "2025",
                                          date(2026, 3, 1), 10_000 + h, None))
    _check_every_table(led)


def _check_every_table(led: L.Ledger) -> None:
    frame = led.frame()
    seen, protected = Published(led), publish.Protected.of(frame, K)
    for view in VIEWS:
        seen.add(view, publish.view(protected, frame, **view))
    for key, keep in seen.truth.items():
        truth = L.households(led, keep)
        published = seen.households[key]
        if published is not None:  # published counts are net of reversals, and never 1..k-1
            assert published == truth, key
        if 0 < truth < K:
            assert all(v is None for v in seen.values[key].values()), key
    leaks = {k: v for k, v in seen.attack().items() if v != 0}
    assert not leaks, leaks
    for key, vals in seen.values.items():
        if key[0] == "month" and vals["money_out"] is not None:
            assert vals["money_out"] >= 0, key  # corrections count in the month they correct
