"""The public transparency tables, with small-cell suppression settled over all of them at once.

Pure: the six tables of figures per group (reports/tables.py: from an enriched or grain frame, or kept
with a checkpoint) in, plain Python rows (minor units, None where suppressed) out.

The full report (every county) is one set of linked figures (`suppression.Linked`):

- cells (county, program, trust, period) add up to the county totals, which add up to the grand total;
- gender (county, gender) adds up to the county's money to households; each gender across counties
  to the grand total's;
- villages (county, village) add up to what the county's villages and households received;
- months (county, month) add up to the county totals; each month across counties to the grand total.

A filtered report (county, program, trust, period) is a view of that same protected set: its cells
are the full report's cells, hidden alike; a total of the view is the full report's figure when it is
the same figure (a whole county, the whole report), and otherwise is shown only when every figure
under it is shown (a county's row: its cells; the view's total: its county rows), so it adds nothing a
reader could not add up. So no combination of reports reveals
more than the full report, which reveals no hidden figure.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from service.reports import tables as kept
from service.reports import transforms as t
from service.reports.suppression import TOTAL, Linked, protect_linked

# Figures that come from what households received; hidden together when a cell is suppressed.
SENSITIVE = ["money_out", "to_communities", "to_households", "to_organisations", "stipends", "patrol_days",
             "incidents", "households", "share_to_communities_and_households_bp"]
GENDER_FIELDS = [*(f"households_{g}" for g in t.GENDERS), *(f"to_households_{g}" for g in t.GENDERS)]
# Which figure is hidden first as a partner: an inner cell, the grand total, a margin, a county total.
INNER, GRAND, MARGIN, COUNTY = 0, 1, 2, 3


def period_kind(period: str | None) -> str | None:
    """Cells mix yearly periods ("2026") and monthly ones ("2026-05"): say which."""
    if period is None:
        return None
    if len(period) == 4 and period.isascii() and period.isdigit():
        return "year"
    if len(period) == 7 and period[4] == "-" and (period[:4] + period[5:]).isascii() and (period[:4] + period[5:]).isdigit():
        return "month"
    return "other"


def _share(row: dict[str, Any]) -> int | None:
    """Basis points of money out that reached communities and households (integer arithmetic)."""
    if not row["money_out"]:
        return None
    return (row["to_communities"] + row["to_households"]) * 10_000 // row["money_out"]


def _rows(cells: pl.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in cells.iter_rows(named=True):
        row["share_to_communities_and_households_bp"] = _share(row)
        out.append(row)
    return out


def _hide(row: dict[str, Any], hidden: bool) -> dict[str, Any]:
    row = dict(row)
    row["suppressed"] = hidden
    if hidden:
        for name in [*SENSITIVE, *GENDER_FIELDS]:
            if name in row:
                row[name] = None
    return row


def _cell_key(r: dict[str, Any]) -> tuple:
    return ("cell", r["county"], r["program"], r["trust"], r["period"])


class Protected:
    """Every table of the full report with the figures to hide."""

    @classmethod
    def of(cls, frame: pl.DataFrame, k: int) -> Protected:
        return cls(kept.of(frame), k)

    def __init__(self, tables: kept.Tables, k: int) -> None:
        self.cells = _rows(tables["cells"])
        for r in self.cells:
            r["period_kind"] = period_kind(r["period"])
        self.counties = _rows(tables["counties"])
        self.grand = _rows(tables["grand"])[0]
        self.villages = tables["villages"].to_dicts()
        self.county_months = tables["county_months"].to_dicts()
        self.months = tables["months"].to_dicts()
        self.hidden = protect_linked(self._linked(), k)

    def _linked(self) -> Linked:
        s, grand = Linked(), ("total",)
        s.add(grand, (self.grand["households"], self.grand["money_out"]), GRAND)
        by_county: dict[Any, list] = {}
        for r in self.counties:
            s.add(("county", r["county"]), (r["households"], r["money_out"]), COUNTY)
        s.sum(grand, [("county", r["county"]) for r in self.counties])
        for r in self.cells:
            s.add(_cell_key(r), (r["households"], r["money_out"]), INNER)
            by_county.setdefault(r["county"], []).append(_cell_key(r))
        for c, keys in by_county.items():
            s.sum(("county", c), keys)
        for g in t.GENDERS:
            s.add(("gender", TOTAL, g), (self.grand[f"households_{g}"], self.grand[f"to_households_{g}"]), MARGIN)
            for r in self.counties:
                s.add(("gender", r["county"], g), (r[f"households_{g}"], r[f"to_households_{g}"]), INNER)
            s.sum(("gender", TOTAL, g), [("gender", r["county"], g) for r in self.counties])
        for r in self.counties:
            s.sum(("county", r["county"]), [("gender", r["county"], g) for g in t.GENDERS])
        s.sum(grand, [("gender", TOTAL, g) for g in t.GENDERS])
        villages: dict[Any, list] = {}
        for v in self.villages:
            s.add(("village", v["county"], v["village_id"]), (v["households"], v["received"]), INNER)
            villages.setdefault(v["county"], []).append(("village", v["county"], v["village_id"]))
        for c, keys in villages.items():
            s.sum(("county", c), keys)
        months: dict[Any, list] = {}
        for m in self.months:
            s.add(("month", TOTAL, m["month"]), (m["households"], m["money_out"]), MARGIN)
        s.sum(grand, [("month", TOTAL, m["month"]) for m in self.months])
        for m in self.county_months:
            key = ("month", m["county"], m["month"])
            s.add(key, (m["households"], m["money_out"]), INNER)
            months.setdefault(("county", m["county"]), []).append(key)
            months.setdefault(("month", TOTAL, m["month"]), []).append(key)
        for total, keys in months.items():
            s.sum(total, keys)
        return s

    # --- the published rows ---------------------------------------------------------------------

    def cell_rows(self, keep=lambda r: True) -> list[dict[str, Any]]:
        return [_hide(r, _cell_key(r) in self.hidden) for r in self.cells if keep(r)]

    def county_rows(self, county: str | None = None) -> list[dict[str, Any]]:
        return [_hide(r, ("county", r["county"]) in self.hidden) for r in self.counties
                if county is None or r["county"] == county]

    def gender_rows(self, county: str | None = None) -> list[dict[str, Any]]:
        def row(c: Any, g: str, source: dict[str, Any], key: tuple) -> dict[str, Any]:
            hidden = key in self.hidden
            return {"county": c, "gender": g,
                    "households": None if hidden else source[f"households_{g}"],
                    "to_households": None if hidden else source[f"to_households_{g}"], "suppressed": hidden}

        out = [row(r["county"], g, r, ("gender", r["county"], g)) for r in self.counties for g in t.GENDERS
               if r[f"households_{g}"] and (county is None or r["county"] == county)]
        if county is None:
            out += [row(None, g, self.grand, ("gender", TOTAL, g)) for g in t.GENDERS if self.grand[f"households_{g}"]]
        return out

    def village_rows(self, county: str | None = None) -> list[dict[str, Any]]:
        out = []
        for v in self.villages:
            if county is not None and v["county"] != county:
                continue
            hidden = ("village", v["county"], v["village_id"]) in self.hidden
            out.append({**v, "received": None if hidden else v["received"],
                        "households": None if hidden else v["households"], "suppressed": hidden})
        return out

    def month_rows(self, county: str | None = None, period: str | None = None) -> list[dict[str, Any]]:
        rows = self.months if county is None else [m for m in self.county_months if m["county"] == county]
        out = []
        for m in rows:
            if period and not m["month"].startswith(period):
                continue
            hidden = ("month", TOTAL if county is None else county, m["month"]) in self.hidden
            out.append({"county": county, "month": m["month"], "money_in": m["money_in"],
                        "money_out": None if hidden else m["money_out"],
                        "households": None if hidden else m["households"], "suppressed": hidden})
        return out


def _full_view(p: Protected, county: str | None) -> dict[str, Any]:
    if county is None:
        total = _hide(p.grand, ("total",) in p.hidden)
    else:
        rows = [r for r in p.counties if r["county"] == county]
        total = _hide(rows[0], ("county", county) in p.hidden) if rows else _hide(_empty(), False)
    return {
        "cells": p.cell_rows(lambda r: county is None or r["county"] == county),
        "county_totals": p.county_rows(county) if county is not None else p.county_rows(),
        "total": total,
        "gender": p.gender_rows(county),
        "villages": p.village_rows(county),
        "months": p.month_rows(county),
    }


def _empty() -> dict[str, Any]:
    row: dict[str, int | None] = {name: 0 for name in t.CELL_FIGURES}
    row["share_to_communities_and_households_bp"] = None
    return row


def _filtered_view(p: Protected, frame: pl.DataFrame, county: str | None, program: str | None,
                   trust: str | None, period: str | None) -> dict[str, Any]:
    def keep(r: dict[str, Any]) -> bool:
        return ((county is None or r["county"] == county) and (program is None or r["program"] == program)
                and (trust is None or r["trust"] == trust) and (period is None or r["period"].startswith(period)))

    shown = [r for r in p.cells if keep(r)]
    scoped = t.in_scope(frame, county=county, program=program, trust=trust, period=period)

    def status(keys: set, county: Any) -> bool:
        """Hidden unless every cell under it is shown; the full report's say when it is the same figure."""
        if keys == {_cell_key(r) for r in p.cells if r["county"] == county}:
            return ("county", county) in p.hidden
        return bool(keys & p.hidden)

    counties = []
    for r in _rows(t.cells(scoped, ["county"])):
        keys = {_cell_key(c) for c in shown if c["county"] == r["county"]}
        counties.append(_hide(r, status(keys, r["county"])))
    grand = _rows(t.cells(scoped, []))[0] if scoped.height else _empty()
    everything = {_cell_key(c) for c in shown} == {_cell_key(r) for r in p.cells}
    # the sum of the county rows above it: shown when they all are (a county's row may be its full
    # total, shown around hidden cells), unless it is the full report's own total
    hidden = ("total",) in p.hidden if everything else any(r["suppressed"] for r in counties)
    total = _hide(grand, hidden)
    by_time = program is None and trust is None  # months are protected per county and in total only
    return {
        "cells": p.cell_rows(keep), "county_totals": counties, "total": total,
        "gender": [], "villages": [],
        "months": p.month_rows(county, period) if by_time else [],
    }


def transparency_tables(frame: pl.DataFrame, k: int, *, county: str | None = None, program: str | None = None,
                        trust: str | None = None, period: str | None = None) -> dict[str, Any]:
    """Cells by (county, program, trust, period), county totals, grand total, gender, village and month
    tables, of the whole report or of a view of it (see the module's docstring)."""
    return view(Protected.of(frame, k), frame, county=county, program=program, trust=trust, period=period)


def whole(program: str | None, trust: str | None, period: str | None) -> bool:
    """A view of whole counties (or of everything): cut from the six tables alone, no frame needed."""
    return program is None and trust is None and period is None


def view(protected: Protected, frame: pl.DataFrame | None, *, county: str | None = None, program: str | None = None,
         trust: str | None = None, period: str | None = None) -> dict[str, Any]:
    """One report's tables, cut from the protected full report (a filtered view needs the frame)."""
    if whole(program, trust, period):
        return _full_view(protected, county)
    if frame is None:
        raise ValueError("a view filtered by program, trust or period needs the report's frame")
    return _filtered_view(protected, frame, county, program, trust, period)
