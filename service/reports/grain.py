"""The transparency report's postings, grouped by the database before Polars sees them.

The report's tables (`publish`) are sums over postings, grouped by the entry's dimensions (county,
program, trust, period, month), the account's kind and the receiving party's kind, village and
gender, plus household counts that need each household's net receipts per group. So the database
can sum the postings at that grain: one GROUP BY over postings joined with the entries' typed
dimension columns (0009), the accounts and the parties, read as Arrow (ADBC) like the journal.
Polars then sees one row per (cell, month, village, kind of receiver[, household]) instead of one per
posting, and the same transforms (`transforms.cells`, `by_village`, `by_month`, `in_scope`) run on it.

What `transforms.enrich` does in Polars is done here in SQL, to the same values:

- a reversal takes the dimensions and the date of the entry it reverses (left join on
  `reversal_of_id`, among the entries of the report: posted, at or before its sequence);
- the county falls back to the largest county code of the entry's own accounts, the trust to the
  largest trust id of its accounts (as text), the period to the year of the (attributed) date;
- a reversal's kind is what it reverses (`dim_reverses_kind`), else "reversal".

Patrol days and incidents are per stipend entry, not per posting: they come from a second query,
one row per (cell, month), added to the grain with no money on it (`patrol_days`, `incidents`
columns), which `transforms.cells` sums instead of counting entries.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import polars as pl
from sqlalchemy import BigInteger, ColumnElement, Select, String, and_, case, cast, exists, func, select
from sqlalchemy.engine import URL
from sqlalchemy.orm import aliased

from service.arrow import Schema, read_query
from service.ledger.models import EntryStatus, JournalEntry, Posting
from service.ledger.models import Account
from service.parties.models import Party

HOUSEHOLD_KINDS = ("household", "person")
DIMS = ("county", "program", "trust", "period", "month")
GRAIN: Schema = {
    "county": pl.String, "program": pl.String, "trust": pl.String, "period": pl.String, "month": pl.String,
    "effective_kind": pl.String, "account_kind": pl.String, "party_kind": pl.String, "party_id": pl.Int64,
    "gender_group": pl.String, "village_id": pl.Int64, "village_division": pl.String, "amount": pl.Int64,
}
EFFORT: Schema = {**{d: pl.String for d in DIMS}, "patrol_days": pl.Int64, "incidents": pl.Int64}


class _Parts:
    """The per-entry expressions both queries share, for one report point and one database."""

    def __init__(self, seq: int, currency: str, backend: str) -> None:
        e, o = JournalEntry, aliased(JournalEntry, name="reversed_entry")
        self.e, self.o, self.seq, self.currency = e, o, seq, currency
        reversal = e.reversal_of_id.is_not(None)

        def attributed(col: str) -> ColumnElement[Any]:
            return case((reversal, getattr(o, col)), else_=getattr(e, col))

        # the entry's own accounts: largest trust id (few accounts have one: a small aggregate through
        # the (account_id, entry_id) index), largest county code (only asked when the entry has none)
        ta, tp = aliased(Account, name="trust_account"), aliased(Posting, name="trust_posting")
        self.trusts = (select(tp.entry_id.label("entry_id"), func.max(ta.trust_id).label("trust_id"))
                       .select_from(ta).join(tp, tp.account_id == ta.id)
                       .where(ta.trust_id.is_not(None), tp.currency == currency)
                       .group_by(tp.entry_id).subquery("entry_trust"))
        ca, cp = aliased(Account, name="county_account"), aliased(Posting, name="county_posting")
        own_county = (select(func.max(ca.county_code)).select_from(cp).join(ca, ca.id == cp.account_id)
                      .where(cp.entry_id == e.id, cp.currency == currency).scalar_subquery())
        county = attributed("dim_county")
        day = attributed("effective_date")
        if backend == "sqlite":  # dates are ISO text
            year, month = func.substr(day, 1, 4), func.substr(day, 1, 7)
        else:
            year, month = func.to_char(day, "YYYY"), func.to_char(day, "YYYY-MM")
        self.dims: dict[str, ColumnElement[Any]] = {
            "county": case((county.is_not(None), county), else_=own_county),
            "program": attributed("dim_program"),
            "trust": func.coalesce(attributed("dim_trust"), cast(self.trusts.c.trust_id, String)),
            "period": func.coalesce(attributed("dim_period"), year),
            "month": month,
        }
        self.effective_kind = case((e.kind == "reversal", func.coalesce(e.dim_reverses_kind, "reversal")),
                                   else_=e.kind)
        self.attributed = attributed

    def entries(self, q: Select) -> Select:
        """`q` over the report's entries, each with the entry it reverses and its accounts' trust."""
        e, o = self.e, self.o
        posted = and_(o.id == e.reversal_of_id, o.status == EntryStatus.POSTED, o.sequence <= self.seq)
        return (q.outerjoin(o, posted).outerjoin(self.trusts, self.trusts.c.entry_id == e.id)
                .where(e.status == EntryStatus.POSTED, e.sequence <= self.seq))


def grain_query(seq: int, currency: str, backend: str) -> Select:
    """Postings summed per (dimensions, month, kind of entry, kind of account, receiver)."""
    parts = _Parts(seq, currency, backend)
    e, p, a = parts.e, Posting, Account
    party, parent = aliased(Party, name="party"), aliased(Party, name="parent")
    household = and_(party.kind.in_(HOUSEHOLD_KINDS), a.kind == "beneficiary")
    rows = parts.entries(
        select(
            *[v.label(k) for k, v in parts.dims.items()],
            parts.effective_kind.label("effective_kind"), a.kind.label("account_kind"),
            party.kind.label("party_kind"),
            case((household, party.id)).label("party_id"),  # households are counted one by one
            func.coalesce(party.gender, "unrecorded").label("gender_group"),
            case((party.kind == "community", party.id), (parent.kind == "community", parent.id)).label("village_id"),
            case((party.kind == "community", party.division_code),
                 (parent.kind == "community", parent.division_code)).label("village_division"),
            p.amount.label("amount"),
        ).select_from(p).join(e, e.id == p.entry_id).join(a, a.id == p.account_id)
        .outerjoin(party, party.id == a.party_id).outerjoin(parent, parent.id == party.parent_id)
    ).where(p.currency == currency).subquery("posting")
    keys = [rows.c[k] for k in GRAIN if k != "amount"]
    return select(*keys, cast(func.sum(rows.c.amount), BigInteger).label("amount")).group_by(*keys)


def effort_query(seq: int, currency: str, backend: str) -> Select:
    """Patrol days and incidents of stipend entries (a reversal counts against), per cell and month."""
    parts = _Parts(seq, currency, backend)
    e = parts.e
    sign = case((e.kind == "reversal", -1), else_=1)
    has_postings = exists().where(Posting.entry_id == e.id, Posting.currency == currency)
    rows = parts.entries(
        select(*[v.label(k) for k, v in parts.dims.items()],
               (func.coalesce(parts.attributed("dim_patrol_days"), 0) * sign).label("patrol_days"),
               (func.coalesce(parts.attributed("dim_incidents"), 0) * sign).label("incidents"))
        .select_from(e)
    ).where(parts.effective_kind == "stipend", has_postings).subquery("stipend")
    keys = [rows.c[k] for k in DIMS]
    return select(*keys, cast(func.sum(rows.c.patrol_days), BigInteger).label("patrol_days"),
                  cast(func.sum(rows.c.incidents), BigInteger).label("incidents")).group_by(*keys)


def read(url: URL, seq: int, currency: str) -> pl.DataFrame:
    """The grain frame: what `transforms.enrich` gives, summed, with `received`, `household` and the
    stipend entries' patrol figures (on rows of their own, with no money)."""
    backend = url.get_backend_name()
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="grain-read") as pool:
        money = pool.submit(read_query, url, grain_query(seq, currency, backend), GRAIN)
        effort = pool.submit(read_query, url, effort_query(seq, currency, backend), EFFORT)
        grain, work = money.result(), effort.result()
    grain = grain.with_columns(patrol_days=pl.lit(0, pl.Int64), incidents=pl.lit(0, pl.Int64))
    work = work.with_columns(effective_kind=pl.lit("stipend"), amount=pl.lit(0, pl.Int64),
                             gender_group=pl.lit("unrecorded"))
    frame = pl.concat([grain, work], how="diagonal_relaxed")
    beneficiary = pl.col("account_kind") == "beneficiary"
    return frame.with_columns(
        received=pl.when(beneficiary).then(-pl.col("amount")).otherwise(0),
        household=(pl.col("party_kind").is_in(HOUSEHOLD_KINDS) & beneficiary).fill_null(False),
    )

