"""The transparency report's grain, kept with the verified checkpoints.

The report (service/reports/grain.py) sums postings per (county, program, trust, period, month, kind
of entry, account) and only then joins the accounts' and parties' attributes. Everything before that
join is a sum over entries whose dimensions never change once posted (the journal is append-only and
an entry's sequence is given when it is posted), so it is additive over ranges of sequences:

    grain(0, seq] = grain(0, S] + grain(S, seq]   for any S ≤ seq.

When a checkpoint is recorded at S, the grain of the entries posted since the previous point
(`RollupPoint.after`, S] is stored with it, in the same transaction (`prepare` computes it before,
outside the write transaction: those entries can no longer change). A report at seq then reads the
stored rows of every point ≤ the newest point ≤ seq, plus the grain of the entries in (point, seq],
and sums them; the account and party attributes are joined at read time, as they are today.

Why each case stays additive:

- a reversal takes the dimensions and the date of the entry it reverses: that entry is posted with a
  smaller sequence (only a posted entry can be reversed), so a reversal in (S, seq] of an entry ≤ S
  finds it (the join is on every posted entry ≤ seq, not only on those of the range);
- a pending entry has no sequence; it gets the next one when posted, so an entry pending at S and
  posted later falls in the range after S; a voided entry never has one and never counts;
- the county and trust fallbacks come from the entry's own accounts (`accounts.county_code`,
  `accounts.trust_id`), which are set when the account is opened and never changed by the service;
- each currency is summed on its own (the fallbacks and "has postings" are per currency too): rows
  carry their currency.

What is not additive is anything changed in place under a posted entry: a hand-edited posting or
dimension column (the full chain check finds the first), or an account's county or trust code edited
in the database. `dimensions.backfill`, which rewrites the dimension columns, forgets every stored
rollup in its transaction; the next checkpoint stores one again from genesis.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from sqlalchemy import ColumnElement, Select, String, and_, case, cast, func, select
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from service.arrow import Schema, read_query
from service.ledger.models import (
    Account, AuditTables, EntryStatus, JournalEntry, Posting, RollupCell, RollupEffort, RollupPoint, RollupRow,
    RollupTables,
)

DIMS = ("county", "program", "trust", "period", "month")
KEYS = (*DIMS, "effective_kind")
ENTRY: Schema = {"entry_id": pl.Int64, **{d: pl.String for d in DIMS}, "effective_kind": pl.String,
                 "patrol_days": pl.Int64, "incidents": pl.Int64}
POSTING: Schema = {"entry_id": pl.Int64, "account_id": pl.Int64, "amount": pl.Int64}
SUMS: Schema = {**{k: pl.String for k in KEYS}, "account_id": pl.Int64, "amount": pl.Int64}
EFFORT: Schema = {**{d: pl.String for d in DIMS}, "patrol_days": pl.Int64, "incidents": pl.Int64}


def entries(seq: int, currency: str, backend: str, after: int = 0) -> Any:
    """One row per entry of the report (posted, in (`after`, `seq`]) with its report dimensions."""
    e, r, o = JournalEntry, aliased(JournalEntry, name="reversal"), aliased(JournalEntry, name="reversed_entry")
    carried = ("dim_county", "dim_program", "dim_trust", "dim_period", "dim_patrol_days", "dim_incidents",
               "effective_date")
    # What each reversal carries from the entry it reverses (few rows, through the reversal_of_id index).
    # Every posted entry up to `seq`, not only those after `after`: a reversal may come long after.
    originals = (select(r.id.label("reversal_id"), *[getattr(o, c).label(c) for c in carried])
                 .select_from(r).join(o, and_(o.id == r.reversal_of_id, o.status == EntryStatus.POSTED,
                                              o.sequence <= seq))
                 .where(r.reversal_of_id.is_not(None), *([r.sequence > after, r.sequence <= seq] if after else []))
                 .subquery("original"))
    reversal = e.reversal_of_id.is_not(None)

    def attributed(col: str) -> ColumnElement[Any]:
        return case((reversal, originals.c[col]), else_=getattr(e, col))

    # The entry's own accounts: the largest trust id (few accounts have one: a small aggregate
    # through the (account_id, entry_id) index), and the largest county code, wanted only for an
    # entry with no county of its own (through the (dim_county, dim_period) index).
    ta, tp = aliased(Account, name="trust_account"), aliased(Posting, name="trust_posting")
    ca, cp, ce = (aliased(Account, name="county_account"), aliased(Posting, name="county_posting"),
                  aliased(JournalEntry, name="countyless_entry"))
    trust_id: ColumnElement[Any]
    county_code: ColumnElement[Any]
    if after:
        # A range after a checkpoint (a few entries): each entry's own postings, through the entry_id
        # index (a grouped subquery over every trust posting of the journal took longer than the range).
        trust_id = (select(func.max(ta.trust_id)).select_from(tp).join(ta, ta.id == tp.account_id)
                    .where(tp.entry_id == e.id, tp.currency == currency, ta.trust_id.is_not(None))
                    .correlate(e).scalar_subquery())
        county_code = (select(func.max(ca.county_code)).select_from(cp).join(ca, ca.id == cp.account_id)
                       .where(cp.entry_id == e.id, cp.currency == currency, e.dim_county.is_(None))
                       .correlate(e).scalar_subquery())
        joined: list[tuple[Any, Any]] = []
    else:
        trusts = (select(tp.entry_id.label("entry_id"), func.max(ta.trust_id).label("trust_id"))
                  .select_from(ta).join(tp, tp.account_id == ta.id)
                  .where(ta.trust_id.is_not(None), tp.currency == currency)
                  .group_by(tp.entry_id).subquery("entry_trust"))
        counties = (select(cp.entry_id.label("entry_id"), func.max(ca.county_code).label("county_code"))
                    .select_from(ce).join(cp, cp.entry_id == ce.id).join(ca, ca.id == cp.account_id)
                    .where(ce.dim_county.is_(None), cp.currency == currency)
                    .group_by(cp.entry_id).subquery("entry_county"))
        trust_id, county_code = trusts.c.trust_id, counties.c.county_code
        joined = [(trusts, trusts.c.entry_id == e.id), (counties, counties.c.entry_id == e.id)]
    day = attributed("effective_date")
    if backend == "sqlite":  # dates are ISO text
        year, month = func.substr(day, 1, 4), func.substr(day, 1, 7)
    else:
        year, month = func.to_char(day, "YYYY"), func.to_char(day, "YYYY-MM")
    sign = case((e.kind == "reversal", -1), else_=1)
    in_range = [e.status == EntryStatus.POSTED, e.sequence <= seq] + ([e.sequence > after] if after else [])
    query = (
        select(
            e.id.label("entry_id"),
            func.coalesce(attributed("dim_county"), county_code).label("county"),
            attributed("dim_program").label("program"),
            func.coalesce(attributed("dim_trust"), cast(trust_id, String)).label("trust"),
            func.coalesce(attributed("dim_period"), year).label("period"),
            month.label("month"),
            case((e.kind == "reversal", func.coalesce(e.dim_reverses_kind, "reversal")), else_=e.kind)
            .label("effective_kind"),
            (func.coalesce(attributed("dim_patrol_days"), 0) * sign).label("patrol_days"),
            (func.coalesce(attributed("dim_incidents"), 0) * sign).label("incidents"),
        ).select_from(e).outerjoin(originals, originals.c.reversal_id == e.id)
    )
    for table, on in joined:
        query = query.outerjoin(table, on)
    return query.where(*in_range).subquery("entry")


def postings_query(seq: int, currency: str, after: int = 0) -> Select:
    """(entry, account, amount) of the postings in `currency`: all of them from genesis (the join with
    the entries drops pending and voided ones), else those of the entries posted in (after, seq]."""
    p = select(Posting.entry_id, Posting.account_id, Posting.amount).where(Posting.currency == currency)
    if not after:
        return p
    return (p.join(JournalEntry, JournalEntry.id == Posting.entry_id)
            .where(JournalEntry.status == EntryStatus.POSTED, JournalEntry.sequence > after,
                   JournalEntry.sequence <= seq))


# A range's reads go through indexes and take milliseconds, but the correlated subqueries make
# PostgreSQL's cost estimate large enough to JIT-compile them first: ~1 s at 10M postings. Not for them.
INDEXED = {"jit": "off"}


def grain(url: URL, after: int, seq: int, currency: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The grain of the entries posted in (after, seq]: postings summed per (KEYS, account) (SUMS), and
    the stipend entries' patrol days and incidents per (DIMS) (EFFORT, entries with postings in `currency`)."""
    e = entries(seq, currency, url.get_backend_name(), after)
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="grain-read") as pool:
        settings = INDEXED if after else None
        read_entries = pool.submit(read_query, url, select(*[e.c[c] for c in ENTRY]), ENTRY, settings)
        read_postings = pool.submit(read_query, url, postings_query(seq, currency, after), POSTING, settings)
        ents, posts = read_entries.result(), read_postings.result()
    sums = (posts.lazy().join(ents.lazy().select("entry_id", *KEYS), on="entry_id", how="inner")
            .group_by(*KEYS, "account_id").agg(pl.col("amount").sum()).collect())
    effort = (ents.lazy().filter(pl.col("effective_kind") == "stipend")
              .join(posts.lazy().select("entry_id").unique(), on="entry_id", how="semi")
              .group_by(*DIMS).agg(pl.col("patrol_days").sum(), pl.col("incidents").sum())
              .collect())
    return sums.select(list(SUMS)), effort.select(list(EFFORT))


# --- kept with the checkpoints -------------------------------------------------------------------


async def newest_point(session: AsyncSession, at_or_before: int) -> int | None:
    """The newest checkpoint with a stored rollup at or before this sequence (None: read from genesis)."""
    return await session.scalar(select(func.max(RollupPoint.sequence)).where(RollupPoint.sequence <= at_or_before))


CELL: Schema = {"cell": pl.Int64, **{k: pl.String for k in KEYS}}
ROW: Schema = {"point": pl.Int64, "cell": pl.Int64, "account_id": pl.Int64, "amount": pl.Int64}


@dataclass(frozen=True)
class Scope:
    """A filtered report's cells: equal county, program and trust where given; `period` a prefix
    ("2026" takes "2026" and "2026-05"), as the reports filter them."""

    county: str | None = None
    program: str | None = None
    trust: str | None = None
    period: str | None = None

    def of(self, table: Any) -> list[ColumnElement[bool]]:
        """The conditions on a table with the cells' dimension columns."""
        out = [getattr(table, d) == v for d in ("county", "program", "trust") if (v := getattr(self, d)) is not None]
        if self.period is not None:
            out.append(table.period.startswith(self.period, autoescape=True))
        return out


EVERYTHING = Scope()


def stored(url: URL, point: int, currency: str, scope: Scope = EVERYTHING
           ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The stored grain of every entry up to `point`, as read: the rows of every point up to it (cell
    ids, not yet summed across points), the cells of `currency`, and the effort summed; with a
    `scope`, only its cells (a county's report reads its own rows, not the province's)."""
    cell_is = [RollupCell.currency == currency, *scope.of(RollupCell)]
    cells_of = select(RollupCell.id).where(*cell_is)
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="rollup-read") as pool:
        read_rows = pool.submit(read_query, url, select(RollupRow.point, RollupRow.cell, RollupRow.account_id,
                                                        RollupRow.amount)
                                .where(RollupRow.point <= point, RollupRow.cell.in_(cells_of)), ROW)
        read_effort = pool.submit(read_query, url, select(RollupEffort.point, *[getattr(RollupEffort, c) for c in EFFORT])
                                  .where(RollupEffort.point <= point, RollupEffort.currency == currency,
                                         *scope.of(RollupEffort)),
                                  {"point": pl.Int64, **EFFORT})
        cells = read_query(url, select(RollupCell.id, *[getattr(RollupCell, k) for k in KEYS]).where(*cell_is), CELL)
        rows, work = read_rows.result(), read_effort.result()
    return rows, cells, _effort([work.drop("point")])


def _effort(parts: list[pl.DataFrame]) -> pl.DataFrame:
    return (pl.concat(parts).group_by(*DIMS).agg(pl.col("patrol_days").sum(), pl.col("incidents").sum())
            .select(list(EFFORT)))


def read(url: URL, point: int | None, seq: int, currency: str, scope: Scope = EVERYTHING
         ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The grain of every entry up to `seq`: the stored rollup up to `point` (≤ seq) and the entries
    after it, or (no point) everything read from the journal. The stored rows and the entries after
    them are summed on integer cell ids; the cells' strings are joined once, to the sums. With a
    `scope`, the stored rows are only its cells'; the entries after the point are all there (few),
    for the report to filter."""
    if point is None:
        return grain(url, 0, seq, currency)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="rollup-delta") as pool:  # while the rollup is read
        delta = pool.submit(grain, url, point, seq, currency) if seq > point else None
        rows, cells, effort = stored(url, point, currency, scope)
        several = rows.height > 0 and rows["point"].n_unique() > 1
        rows = rows.drop("point")
        if delta is not None:
            sums, more = delta.result()
            keyed = _with_cells(sums, cells)
            cells = keyed[1]
            rows, effort = pl.concat([rows, keyed[0]]), _effort([effort, more])
            several = True
    if several:
        rows = rows.group_by("cell", "account_id").agg(pl.col("amount").sum())
    return rows.join(cells, on="cell", how="inner").select(list(SUMS)), effort


def _with_cells(sums: pl.DataFrame, cells: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`sums` (KEYS, account, amount) as (cell, account, amount), and the cells with those that were
    new given ids of their own (negative: never stored)."""
    keys = sums.select(list(KEYS)).unique()
    new = keys.join(cells, on=list(KEYS), how="anti", nulls_equal=True)
    if new.height:
        new = new.with_columns(cell=-pl.int_range(1, new.height + 1, dtype=pl.Int64)).select(list(CELL))
        cells = pl.concat([cells, new])
    rows = sums.join(cells, on=list(KEYS), how="inner", nulls_equal=True).select("cell", "account_id", "amount")
    return rows, cells


@dataclass
class Prepared:
    """The grain of the entries in (after, sequence], per currency, computed before the checkpoint's
    write transaction."""

    after: int
    sequence: int
    parts: dict[str, tuple[pl.DataFrame, pl.DataFrame]] = field(default_factory=dict)
    tables: dict[str, str] = field(default_factory=dict)  # the report's tables at `sequence`, per currency
    # the audit's additive tables at `sequence`, per currency: part -> Arrow IPC bytes
    audit: dict[str, dict[str, bytes]] = field(default_factory=dict)


async def prepare(session: AsyncSession, sequence: int) -> Prepared:
    """Compute what a checkpoint at `sequence` will store (read-only; the entries up to `sequence` are
    posted and cannot change)."""
    import anyio

    after = int(await session.scalar(select(func.max(RollupPoint.sequence))) or 0)
    prepared = Prepared(after, sequence)
    if after >= sequence:
        return prepared
    currencies = (await session.scalars(
        select(Posting.currency).distinct().join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .where(JournalEntry.status == EntryStatus.POSTED, JournalEntry.sequence > after,
               JournalEntry.sequence <= sequence))).all()
    url = session.get_bind().engine.url
    for currency in sorted(currencies):
        prepared.parts[currency] = await anyio.to_thread.run_sync(grain, url, after, sequence, currency)
    for keep in TABLE_KEEPERS:
        await keep(session, prepared)
    return prepared


# What else a checkpoint keeps, computed from its prepared range: the public report's tables and the
# audit's (service/reports/tables.py and audit_kept.py put themselves here when imported; the ledger
# does not import the reports).
TABLE_KEEPERS: list[Callable[[AsyncSession, Prepared], Awaitable[None]]] = []


async def newest_tables(session: AsyncSession, at_or_before: int, currency: str | None = None
                        ) -> dict[str, tuple[int, str]]:
    """Per currency, the newest stored report tables at or before this sequence: (point, JSON)."""
    newest = (select(RollupTables.currency, func.max(RollupTables.point).label("point"))
              .where(RollupTables.point <= at_or_before).group_by(RollupTables.currency))
    if currency is not None:
        newest = newest.where(RollupTables.currency == currency)
    sub = newest.subquery()
    rows = await session.execute(select(RollupTables.currency, RollupTables.point, RollupTables.tables).join(
        sub, and_(sub.c.currency == RollupTables.currency, sub.c.point == RollupTables.point)))
    return {c: (int(p), text) for c, p, text in rows}


async def store(session: AsyncSession, prepared: Prepared) -> RollupPoint | None:
    """Store a prepared rollup with the checkpoint just recorded at its sequence (same transaction).
    Nothing is stored if another point was stored since it was prepared (the next checkpoint's rollup
    then covers the entries since that point)."""
    from service import bulk

    newest = int(await session.scalar(select(func.max(RollupPoint.sequence))) or 0)
    if newest != prepared.after or prepared.sequence <= newest:
        return None
    point = RollupPoint(sequence=prepared.sequence, after=prepared.after,
                        rows=sum(s.height for s, _ in prepared.parts.values()))
    session.add(point)
    await session.flush()
    session.add_all([RollupTables(point=prepared.sequence, currency=c, tables=text)
                     for c, text in prepared.tables.items()])
    session.add_all([AuditTables(point=prepared.sequence, currency=c, part=part, frame=frame)
                     for c, parts in prepared.audit.items() for part, frame in parts.items()])
    tables: dict[str, Any] = {"cells": RollupCell.__table__, "rows": RollupRow.__table__,
                              "effort": RollupEffort.__table__}
    for currency, (sums, effort) in prepared.parts.items():
        known = (await session.execute(select(RollupCell.id, *[getattr(RollupCell, k) for k in KEYS])
                                       .where(RollupCell.currency == currency))).all()
        cells = pl.DataFrame([tuple(r) for r in known], schema=CELL, orient="row")
        rows, cells = _with_cells(sums, cells)
        new = cells.filter(pl.col("cell") < 0)
        if new.height:  # ids of their own, then the rows refer to them
            ids = pl.Series("id", await bulk.reserve_ids(session, tables["cells"], new.height), pl.Int64)
            await bulk.insert_columns(session, tables["cells"],
                                      {"id": ids.to_list(), "currency": [currency] * new.height,
                                       **{k: new[k].to_list() for k in KEYS}})
            renumber = pl.DataFrame({"cell": new["cell"], "id": ids})
            rows = (rows.join(renumber, on="cell", how="left")
                    .with_columns(cell=pl.coalesce("id", "cell")).drop("id"))
        for table, columns in ((tables["rows"], {"cell": rows["cell"], "account_id": rows["account_id"],
                                                      "amount": rows["amount"]}),
                               (tables["effort"], {"currency": pl.Series([currency] * effort.height),
                                                         **{c: effort[c] for c in EFFORT}})):
            n = len(next(iter(columns.values())))
            if n:
                await bulk.insert_columns(session, table,
                                          {"point": [prepared.sequence] * n, **{c: v.to_list() for c, v in columns.items()}})
    return point
