"""The public report's six tables kept with the verified checkpoints, and brought up to a later
sequence by the entries after it.

The full transparency report protects six tables together (`publish.Protected`): cells, county totals,
the grand total, villages, months per county and months. Before suppression each is a list of groups
with sums (money in and out, what communities, households and organisations received, stipends,
patrol work) and household counts (households whose net receipts in the group are positive).

- The sums are additive over ranges of the journal: the sums at S plus the sums of the entries in
  (S, seq] are the sums at seq.
- A household count is not additive, but only the households the entries in (S, seq] pay change
  their count: count at seq = count at S + Σ over those households of
  (counted with their receipts up to seq) − (counted with their receipts up to S). Their receipts up
  to S are their rows in the stored rollup (service/ledger/rollup.py), read through its account index.

So a report of the whole ledger reads a few thousand stored rows and the entries after the
checkpoint, not a row per household. Groups are never dropped (a group that nets to zero stays, as a
read from genesis keeps it). The parties' kind, village and gender are written when a party is registered and
never changed by the service; like a hand-edited posting under the stored rollup, a hand edit of them
in the database is not followed (`dimensions.backfill` forgets every stored rollup). A filtered report (county, program, trust or period) still reads the
grain (`grain.read`): its totals count households within the filter.
"""

from __future__ import annotations

import json

import anyio
import polars as pl
from sqlalchemy import select
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession

from service.arrow import Schema, read_query
from service.db import canonical_json
from service.ledger import rollup
from service.ledger.models import Account, RollupCell, RollupRow
from service.reports import grain
from service.reports import transforms as t

S, I = pl.String, pl.Int64
CELL_SCHEMA: Schema = {**{d: S for d in t.DIMENSIONS}, **{f: I for f in t.CELL_FIGURES}}
# name -> (keys, schema, household count columns); `publish.Protected` takes them in this form
SHAPES: dict[str, tuple[list[str], Schema, list[str]]] = {
    "cells": (t.DIMENSIONS, CELL_SCHEMA, t.HOUSEHOLD_COUNTS),
    "counties": (["county"], {"county": S, **{f: I for f in t.CELL_FIGURES}}, t.HOUSEHOLD_COUNTS),
    "grand": ([], {f: I for f in t.CELL_FIGURES}, t.HOUSEHOLD_COUNTS),
    "villages": (t.VILLAGE_KEYS, {"county": S, "village_id": I, "village_division": S, "received": I,
                                  "households": I}, ["households"]),
    "county_months": (["county", "month"], {"county": S, "month": S, "money_in": I, "money_out": I,
                                            "households": I}, ["households"]),
    "months": (["month"], {"month": S, "money_in": I, "money_out": I, "households": I}, ["households"]),
}
Tables = dict[str, pl.DataFrame]


def _sums(name: str, lines: pl.DataFrame) -> pl.DataFrame:
    keys = SHAPES[name][0]
    if name == "villages":
        return t.village_sums(lines)
    if name.endswith("months"):
        return t.month_sums(lines, keys[:-1])
    return t.cell_sums(lines, keys)


def _counts(name: str, lines: pl.DataFrame) -> pl.DataFrame:
    keys, _, names = SHAPES[name]
    counted = t.village_lines(lines) if name == "villages" else lines
    return t.net_households(counted, keys).select(*keys, *names)


def _sorted(name: str, frame: pl.DataFrame) -> pl.DataFrame:
    keys, schema, _ = SHAPES[name]
    frame = frame.select(list(schema))
    if name == "villages":
        return frame.sort("county", "village_id")
    return frame.sort(keys or "money_in")


def of(lines: pl.DataFrame) -> Tables:
    """The six tables of an enriched (or grain) frame of the whole journal up to a point."""
    out = {}
    for name, (keys, _, names) in SHAPES.items():
        out[name] = _sorted(name, t.with_counts(_sums(name, lines), _counts(name, lines), keys, names))
    return out


def advanced(stored: Tables, delta: pl.DataFrame, before: pl.DataFrame, after: pl.DataFrame) -> Tables:
    """The tables at a later sequence: `stored` (at S) plus the sums of `delta` (the grain of the
    entries after S), plus, for the households `delta` pays, their counts with `after` (their lines up
    to the later sequence) minus their counts with `before` (their lines up to S)."""
    out = {}
    for name, (keys, schema, names) in SHAPES.items():
        sums = _sums(name, delta).with_columns([pl.lit(0, pl.Int64).alias(n) for n in names])
        gained, lost = _counts(name, after), _counts(name, before).with_columns(-pl.col(names))
        parts = [stored[name], sums.select(list(schema)), gained, lost]
        every = pl.concat(parts, how="diagonal_relaxed").with_columns(pl.exclude(keys).fill_null(0))
        summed = (every.group_by(keys).agg(pl.exclude(keys).sum()) if keys else every.select(pl.all().sum()))
        out[name] = _sorted(name, summed.cast({c: d for c, d in schema.items()}))  # type: ignore[arg-type]
    return out


# --- kept with the checkpoints (report_rollup_tables) ------------------------------------------------


def dumps(tables: Tables) -> str:
    """Canonical JSON: per table, its rows as lists in the order of its schema."""
    return canonical_json({name: [list(r) for r in tables[name].iter_rows()] for name in SHAPES})


def loads(text: str) -> Tables:
    doc = json.loads(text)
    return {name: pl.DataFrame(doc[name], schema=schema, orient="row") for name, (_, schema, _) in SHAPES.items()}


def at(url: URL, point: int, stored: Tables, seq: int, currency: str) -> Tables:
    """The tables at `seq` from those stored at `point` (≤ seq) and the entries in (point, seq]."""
    if seq <= point:
        return stored
    sums, effort = rollup.grain(url, point, seq, currency)
    ids = sums["account_id"].unique().to_list()
    accounts = (read_query(url, grain.accounts_query().where(Account.id.in_(ids)), grain.ACCOUNT, rollup.INDEXED)
                if ids else None)
    delta = grain.lines(sums, accounts, effort)
    households = delta.filter(pl.col("household")).select("party_id").unique()
    before = _household_lines(url, point, currency, households["party_id"].to_list())
    after = pl.concat([before, delta.filter(pl.col("household"))], how="diagonal_relaxed")
    return advanced(stored, delta, before, after)


def _household_lines(url: URL, point: int, currency: str, party_ids: list[int]) -> pl.DataFrame:
    """The stored grain rows (points ≤ `point`) of these households' benefit accounts, as grain lines.
    Their account ids first, then their rows by those ids: both reads go through an index."""
    if not party_ids:
        return grain.lines(pl.DataFrame(schema=rollup.SUMS), None, None).filter(pl.col("household"))
    accounts = read_query(url, grain.accounts_query().where(Account.party_id.in_(party_ids),
                                                             Account.kind == "beneficiary"), grain.ACCOUNT, rollup.INDEXED)
    # Every point's rows, the later ones dropped here: a `point <= ...` in the query lets a planner
    # with no statistics yet for the rollup just written pick the point index and read every row.
    rows = (select(*[getattr(RollupCell, k) for k in rollup.KEYS], RollupRow.account_id, RollupRow.amount,
                   RollupRow.point)
            .join(RollupCell, RollupCell.id == RollupRow.cell)
            .where(RollupCell.currency == currency, RollupRow.account_id.in_(accounts["account_id"].to_list())))
    sums = read_query(url, rows, {**rollup.SUMS, "point": pl.Int64}, rollup.INDEXED)
    sums = sums.filter(pl.col("point") <= point).drop("point")
    return grain.lines(sums, accounts, None).filter(pl.col("household"))


async def prepare(session: AsyncSession, prepared: rollup.Prepared) -> None:
    """The tables at a checkpoint being recorded, per currency: from the newest stored ones and the
    entries since, or from genesis. Stored by `rollup.store` with the checkpoint."""
    url = session.get_bind().engine.url
    stored = await rollup.newest_tables(session, prepared.after)
    for currency in sorted(set(prepared.parts) | set(stored)):
        found = stored.get(currency)
        before = (found[0], loads(found[1])) if found else None
        tables = await anyio.to_thread.run_sync(from_parts, url, prepared, currency, before)
        prepared.tables[currency] = dumps(tables)


rollup.TABLE_KEEPERS.append(prepare)


def from_parts(url: URL, prepared: rollup.Prepared, currency: str, stored: tuple[int, Tables] | None) -> Tables:
    """The tables at a checkpoint being recorded (`rollup.Prepared`): from the previous stored ones and
    the entries since, or (none stored) from the grain of the whole journal up to it."""
    if stored is not None:
        return at(url, stored[0], stored[1], prepared.sequence, currency)
    if prepared.after == 0 and currency in prepared.parts:  # the grain from genesis was just computed
        sums, effort = prepared.parts[currency]
        return of(grain.lines(sums, read_query(url, grain.accounts_query(), grain.ACCOUNT), effort))
    return of(grain.read(url, prepared.sequence, currency, prepared.after or None))
