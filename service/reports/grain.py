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
# The GROUP BY hashes one row per (cell, month, account): with the default 4 MB of work_mem it would
# sort a million postings on disk instead. Set for the report's own read connection only.
PG_SETTINGS = {"work_mem": "256MB"}
EFFORT: Schema = {**{d: pl.String for d in DIMS}, "patrol_days": pl.Int64, "incidents": pl.Int64}


def entries(seq: int, currency: str, backend: str) -> Any:
    """One row per entry of the report (posted, at or before `seq`) with its report dimensions."""
    e, r, o = JournalEntry, aliased(JournalEntry, name="reversal"), aliased(JournalEntry, name="reversed_entry")
    carried = ("dim_county", "dim_program", "dim_trust", "dim_period", "dim_patrol_days", "dim_incidents",
               "effective_date")
    # What each reversal carries from the entry it reverses (few rows, through the reversal_of_id index).
    originals = (select(r.id.label("reversal_id"), *[getattr(o, c).label(c) for c in carried])
                 .select_from(r).join(o, and_(o.id == r.reversal_of_id, o.status == EntryStatus.POSTED,
                                              o.sequence <= seq))
                 .where(r.reversal_of_id.is_not(None)).subquery("original"))
    reversal = e.reversal_of_id.is_not(None)

    def attributed(col: str) -> ColumnElement[Any]:
        return case((reversal, originals.c[col]), else_=getattr(e, col))

    # The entry's own accounts: the largest trust id (few accounts have one: a small aggregate
    # through the (account_id, entry_id) index), and the largest county code, wanted only for an
    # entry with no county of its own (through the (dim_county, dim_period) index).
    ta, tp = aliased(Account, name="trust_account"), aliased(Posting, name="trust_posting")
    trusts = (select(tp.entry_id.label("entry_id"), func.max(ta.trust_id).label("trust_id"))
              .select_from(ta).join(tp, tp.account_id == ta.id)
              .where(ta.trust_id.is_not(None), tp.currency == currency)
              .group_by(tp.entry_id).subquery("entry_trust"))
    ca, cp, ce = (aliased(Account, name="county_account"), aliased(Posting, name="county_posting"),
                  aliased(JournalEntry, name="countyless_entry"))
    counties = (select(cp.entry_id.label("entry_id"), func.max(ca.county_code).label("county_code"))
                .select_from(ce).join(cp, cp.entry_id == ce.id).join(ca, ca.id == cp.account_id)
                .where(ce.dim_county.is_(None), cp.currency == currency)
                .group_by(cp.entry_id).subquery("entry_county"))
    day = attributed("effective_date")
    if backend == "sqlite":  # dates are ISO text
        year, month = func.substr(day, 1, 4), func.substr(day, 1, 7)
    else:
        year, month = func.to_char(day, "YYYY"), func.to_char(day, "YYYY-MM")
    sign = case((e.kind == "reversal", -1), else_=1)
    return (
        select(
            e.id.label("entry_id"),
            func.coalesce(attributed("dim_county"), counties.c.county_code).label("county"),
            attributed("dim_program").label("program"),
            func.coalesce(attributed("dim_trust"), cast(trusts.c.trust_id, String)).label("trust"),
            func.coalesce(attributed("dim_period"), year).label("period"),
            month.label("month"),
            case((e.kind == "reversal", func.coalesce(e.dim_reverses_kind, "reversal")), else_=e.kind)
            .label("effective_kind"),
            (func.coalesce(attributed("dim_patrol_days"), 0) * sign).label("patrol_days"),
            (func.coalesce(attributed("dim_incidents"), 0) * sign).label("incidents"),
        ).select_from(e).outerjoin(originals, originals.c.reversal_id == e.id)
        .outerjoin(trusts, trusts.c.entry_id == e.id).outerjoin(counties, counties.c.entry_id == e.id)
        .where(e.status == EntryStatus.POSTED, e.sequence <= seq)
        .subquery("entry")
    )


def grain_query(seq: int, currency: str, backend: str) -> Select:
    """Postings summed per (dimensions, month, kind of entry, account), then the account's kind and
    its party's kind, village and gender: the join with accounts and parties runs on the sums."""
    e, p, a = entries(seq, currency, backend), Posting, Account
    keys = [e.c[d] for d in (*DIMS, "effective_kind")]
    sums = (select(*keys, p.account_id, cast(func.sum(p.amount), BigInteger).label("amount"))
            .select_from(p).join(e, e.c.entry_id == p.entry_id).where(p.currency == currency)
            .group_by(*keys, p.account_id).subquery("sums"))
    party, parent = aliased(Party, name="party"), aliased(Party, name="parent")
    household = and_(party.kind.in_(HOUSEHOLD_KINDS), a.kind == "beneficiary")
    return (
        select(
            *[sums.c[d] for d in (*DIMS, "effective_kind")], a.kind.label("account_kind"),
            party.kind.label("party_kind"),
            case((household, party.id)).label("party_id"),  # households are counted one by one
            func.coalesce(party.gender, "unrecorded").label("gender_group"),
            case((party.kind == "community", party.id), (parent.kind == "community", parent.id)).label("village_id"),
            case((party.kind == "community", party.division_code),
                 (parent.kind == "community", parent.division_code)).label("village_division"),
            sums.c.amount,
        ).select_from(sums).join(a, a.id == sums.c.account_id)
        .outerjoin(party, party.id == a.party_id).outerjoin(parent, parent.id == party.parent_id)
    )


def effort_query(seq: int, currency: str, backend: str) -> Select:
    """Patrol days and incidents of stipend entries (a reversal counts against), per cell and month."""
    e = entries(seq, currency, backend)
    keys = [e.c[d] for d in DIMS]
    has_postings = exists().where(Posting.entry_id == e.c.entry_id, Posting.currency == currency)
    return (select(*keys, cast(func.sum(e.c.patrol_days), BigInteger).label("patrol_days"),
                   cast(func.sum(e.c.incidents), BigInteger).label("incidents"))
            .where(e.c.effective_kind == "stipend", has_postings).group_by(*keys))


ENTRY: Schema = {"entry_id": pl.Int64, **{d: pl.String for d in DIMS}, "effective_kind": pl.String,
                 "patrol_days": pl.Int64, "incidents": pl.Int64}
POSTING: Schema = {"entry_id": pl.Int64, "account_id": pl.Int64, "amount": pl.Int64}
ACCOUNT: Schema = {"account_id": pl.Int64, "account_kind": pl.String, "party_kind": pl.String, "party_id": pl.Int64,
                   "gender_group": pl.String, "village_id": pl.Int64, "village_division": pl.String}


def accounts_query() -> Select:
    """Each account's kind and its party's kind, village and gender (party id for households only)."""
    a, party, parent = Account, aliased(Party, name="party"), aliased(Party, name="parent")
    household = and_(party.kind.in_(HOUSEHOLD_KINDS), a.kind == "beneficiary")
    return (
        select(
            a.id, a.kind, party.kind, case((household, party.id)), func.coalesce(party.gender, "unrecorded"),
            case((party.kind == "community", party.id), (parent.kind == "community", parent.id)),
            case((party.kind == "community", party.division_code), (parent.kind == "community", parent.division_code)),
        ).select_from(a).outerjoin(party, party.id == a.party_id).outerjoin(parent, parent.id == party.parent_id)
    )


def read(url: URL, seq: int, currency: str) -> pl.DataFrame:
    """The grain frame: what `transforms.enrich` gives, summed, with `received`, `household` and the
    stipend entries' patrol figures (on rows of their own, with no money)."""
    backend = url.get_backend_name()
    e = entries(seq, currency, backend)
    with ThreadPoolExecutor(max_workers=3, thread_name_prefix="grain-read") as pool:
        read_entries = pool.submit(read_query, url, select(*[e.c[c] for c in ENTRY]), ENTRY)
        read_postings = pool.submit(read_query, url, select(Posting.entry_id, Posting.account_id, Posting.amount)
                                    .where(Posting.currency == currency), POSTING)
        read_accounts = pool.submit(read_query, url, accounts_query(), ACCOUNT)
        ents, posts, accts = read_entries.result(), read_postings.result(), read_accounts.result()
    keys = [*DIMS, "effective_kind"]
    grain = (
        posts.lazy().join(ents.lazy().select("entry_id", *keys), on="entry_id", how="inner")
        .group_by(*keys, "account_id").agg(pl.col("amount").sum())
        .join(accts.lazy(), on="account_id", how="left").drop("account_id")
        .with_columns(patrol_days=pl.lit(0, pl.Int64), incidents=pl.lit(0, pl.Int64))
        .collect()
    )
    work = (ents.lazy().filter(pl.col("effective_kind") == "stipend")
            .join(posts.lazy().select("entry_id").unique(), on="entry_id", how="semi")
            .group_by(*DIMS).agg(pl.col("patrol_days").sum(), pl.col("incidents").sum())
            .with_columns(effective_kind=pl.lit("stipend"), amount=pl.lit(0, pl.Int64),
                          gender_group=pl.lit("unrecorded"))
            .collect())
    frame = pl.concat([grain, work], how="diagonal_relaxed")
    beneficiary = pl.col("account_kind") == "beneficiary"
    return frame.with_columns(
        received=pl.when(beneficiary).then(-pl.col("amount")).otherwise(0),
        household=(pl.col("party_kind").is_in(HOUSEHOLD_KINDS) & beneficiary).fill_null(False),
    )
