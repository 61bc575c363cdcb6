"""Grievance figures for the transparency report: per county and month filed, how many were filed, how
many resolved, and the median days to resolve; through the same small-cell suppression as the money
figures (a cell's size is the households that filed in it)."""

from __future__ import annotations

from collections import defaultdict
from statistics import median
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.grievances.models import Grievance
from service.reports.suppression import TOTAL, Table, protect


def _cell(rows: list[tuple[int, float | None]]) -> dict[str, Any]:
    days = [d for _, d in rows if d is not None]
    return {"filed": len(rows), "resolved": len(days),
            "median_days_to_resolve": round(median(days), 1) if days else None}


def tables(rows: list[tuple[str, str, int, float | None]], k: int) -> dict[str, list[dict[str, Any]]]:
    """rows: (county, period, party id, days to resolve or None) -> published cells and county totals."""
    cells: dict[tuple[str, str], list[tuple[int, float | None]]] = defaultdict(list)
    for county, period, party, days in rows:
        cells[(county, period)].append((party, days))
    by_county: dict[str, list] = defaultdict(list)
    by_period: dict[str, list] = defaultdict(list)
    for (county, period), items in cells.items():
        by_county[county] += items
        by_period[period] += items

    def size(items: list) -> tuple[int, int]:
        return len({p for p, _ in items}), len(items)

    table = Table(cells={key: size(v) for key, v in cells.items()},
                  row_totals={c: size(v) for c, v in by_county.items()},
                  col_totals={p: size(v) for p, v in by_period.items()},
                  grand=size([x for v in cells.values() for x in v]),
                  publish_cols=False, publish_grand=False)  # only cells and county totals are published
    hidden = protect(table, k)

    def row(county: str | None, period: str | None, items: list, key: tuple) -> dict[str, Any]:
        figures = _cell(items)
        if key in hidden:
            figures = dict.fromkeys(figures)
        return {"county": county, "period": period, **figures, "suppressed": key in hidden}

    return {
        "cells": [row(c, p, v, (c, p)) for (c, p), v in sorted(cells.items())],
        "county_totals": [row(c, None, v, (c, TOTAL)) for c, v in sorted(by_county.items())],
    }


async def figures(session: AsyncSession, k: int, county: str | None = None, period: str | None = None
                  ) -> dict[str, Any]:
    q = select(Grievance.county_code, Grievance.filed_at, Grievance.party_id, Grievance.resolved_at)
    rows = [(c, f.strftime("%Y-%m"), p, None if r is None else (r - f).total_seconds() / 86400)
            for c, f, p, r in await session.execute(q)]
    out = tables(rows, k)  # suppression settled over every county, then filtered: a filter reveals nothing more

    def keep(r: dict[str, Any]) -> bool:
        return ((county is None or r["county"] == county)
                and (period is None or r["period"] is None or r["period"].startswith(period)))

    return {"cells": [r for r in out["cells"] if keep(r)],
            "county_totals": [r for r in out["county_totals"] if keep(r)],
            "note": f"Grievances by county and month filed; figures with fewer than {k} households filing are "
                    "hidden (null), and so are figures a total would reveal."}
