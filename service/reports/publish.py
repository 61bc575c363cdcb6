"""The public transparency tables: figures per cell, county totals and grand total, with suppression.

Pure: enriched postings frame in, plain Python rows (minor units, None where suppressed) out.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from service.reports import transforms as t
from service.reports.suppression import TOTAL, Table, protect

# Figures that come from what households received; hidden together when a cell is suppressed.
SENSITIVE = ["money_out", "to_communities", "to_households", "to_organisations", "stipends", "patrol_days",
             "incidents", "households", "share_to_communities_and_households_bp"]
FIGURES = ["money_in", *SENSITIVE]


def _share(row: dict[str, Any]) -> int | None:
    """Basis points of money out that reached communities and households (integer arithmetic)."""
    if not row["money_out"]:
        return None
    return (row["to_communities"] + row["to_households"]) * 10_000 // row["money_out"]


def _rows(frame: pl.DataFrame, dims: list[str]) -> list[dict[str, Any]]:
    out = []
    for row in t.cells(frame, dims).iter_rows(named=True):
        row["share_to_communities_and_households_bp"] = _share(row)
        out.append(row)
    return out


def _hide(row: dict[str, Any], hidden: bool) -> dict[str, Any]:
    row = dict(row)
    row["suppressed"] = hidden
    for name in [*SENSITIVE, *(f"households_{g}" for g in t.GENDERS), *(f"to_households_{g}" for g in t.GENDERS)]:
        if hidden:
            row[name] = None
    return row


def transparency_tables(frame: pl.DataFrame, k: int) -> dict[str, Any]:
    """Cells by (county, program, trust, period), county totals, grand total, gender and village tables."""
    cells, counties, grand = _rows(frame, t.DIMENSIONS), _rows(frame, ["county"]), _rows(frame, [])[0]
    key = lambda r: (r["program"], r["trust"], r["period"])  # noqa: E731
    villages = t.by_village(frame).to_dicts()
    forced: set = set()
    for _ in range(5):  # the three tables share county totals; settle them together
        main = protect(Table(
            cells={(r["county"], key(r)): (r["households"], r["money_out"]) for r in cells},
            row_totals={r["county"]: (r["households"], r["money_out"]) for r in counties},
            grand=(grand["households"], grand["money_out"]), publish_cols=False,
        ), k, forced)
        gender = protect(Table(
            cells={(r["county"], g): (r[f"households_{g}"], r[f"to_households_{g}"]) for r in counties for g in t.GENDERS},
            row_totals={r["county"]: (r["households"], r["to_households"]) for r in counties},
            col_totals={g: (grand[f"households_{g}"], grand[f"to_households_{g}"]) for g in t.GENDERS},
            grand=(grand["households"], grand["to_households"]),
        ), k, {(c, TOTAL) for c, col in main if col == TOTAL})
        village = protect(Table(
            cells={(v["county"], v["village_id"]): (v["households"], v["received"]) for v in villages},
            row_totals={r["county"]: (r["households"], r["to_communities"] + r["to_households"]) for r in counties},
            grand=(grand["households"], grand["to_communities"] + grand["to_households"]), publish_cols=False,
        ), k, {(c, TOTAL) for c, col in main if col == TOTAL})
        extra = {(c, TOTAL) for c, col in (gender | village) if col == TOTAL and c != TOTAL} - main
        if (TOTAL, TOTAL) in gender | village and (TOTAL, TOTAL) not in main:
            extra.add((TOTAL, TOTAL))
        if not extra:
            break
        forced |= extra
    gender_rows = [
        {"county": r["county"], "gender": g,
         "households": None if (r["county"], g) in gender else r[f"households_{g}"],
         "to_households": None if (r["county"], g) in gender else r[f"to_households_{g}"],
         "suppressed": (r["county"], g) in gender}
        for r in counties for g in t.GENDERS if r[f"households_{g}"]
    ]
    gender_rows += [
        {"county": None, "gender": g,
         "households": None if (TOTAL, g) in gender else grand[f"households_{g}"],
         "to_households": None if (TOTAL, g) in gender else grand[f"to_households_{g}"],
         "suppressed": (TOTAL, g) in gender}
        for g in t.GENDERS if grand[f"households_{g}"]
    ]
    return {
        "cells": [_hide(r, (r["county"], key(r)) in main) for r in cells],
        "county_totals": [_hide(r, (r["county"], TOTAL) in main) for r in counties],
        "total": _hide(grand, (TOTAL, TOTAL) in main),
        "gender": gender_rows,
        "villages": [{**v, "suppressed": (v["county"], v["village_id"]) in village,
                      "received": None if (v["county"], v["village_id"]) in village else v["received"],
                      "households": None if (v["county"], v["village_id"]) in village else v["households"]}
                     for v in villages],
        "months": t.by_month(frame).to_dicts(),
    }
