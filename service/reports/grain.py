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

Everything before the join with accounts and parties is additive over ranges of the journal, so it is
kept with each verified checkpoint (service/ledger/rollup.py, which also builds the entries' query): a
report reads the rollup at the newest checkpoint at or before its sequence and only the entries after
it, and joins the accounts' and parties' attributes as they are now.

Patrol days and incidents are per stipend entry, not per posting: they come from a second query,
one row per (cell, month), added to the grain with no money on it (`patrol_days`, `incidents`
columns), which `transforms.cells` sums instead of counting entries.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import polars as pl
from sqlalchemy import BigInteger, Select, and_, case, cast, exists, func, select
from sqlalchemy.engine import URL
from sqlalchemy.orm import aliased

from service.arrow import Schema, read_query
from service.ledger import rollup
from service.ledger.models import Account, Posting
from service.ledger.rollup import DIMS, ENTRY, POSTING, entries  # noqa: F401  (the grain's entries live there)
from service.parties.models import Party

HOUSEHOLD_KINDS = ("household", "person")
GRAIN: Schema = {
    "county": pl.String, "program": pl.String, "trust": pl.String, "period": pl.String, "month": pl.String,
    "effective_kind": pl.String, "account_kind": pl.String, "party_kind": pl.String, "party_id": pl.Int64,
    "gender_group": pl.String, "village_id": pl.Int64, "village_division": pl.String, "amount": pl.Int64,
}
# The GROUP BY hashes one row per (cell, month, account): with the default 4 MB of work_mem it would
# sort a million postings on disk instead. Set for the report's own read connection only.
PG_SETTINGS = {"work_mem": "256MB"}
EFFORT: Schema = {**{d: pl.String for d in DIMS}, "patrol_days": pl.Int64, "incidents": pl.Int64}


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


def read(url: URL, seq: int, currency: str, point: int | None = None,
         scope: rollup.Scope = rollup.EVERYTHING) -> pl.DataFrame:
    """The grain frame: what `transforms.enrich` gives, summed, with `received`, `household` and the
    stipend entries' patrol figures (on rows of their own, with no money). With `point` (a checkpoint
    ≤ seq with a stored rollup), the sums up to it are read from the rollup and only the entries after
    it from the journal (service/ledger/rollup.py); with a `scope` too, only the rollup's rows of the
    cells in it (rows outside it may remain: filter with `transforms.in_scope`)."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="grain-accounts") as pool:
        read_accounts = pool.submit(read_query, url, accounts_query(), ACCOUNT)
        sums, effort = rollup.read(url, point, seq, currency, scope)
        accts = read_accounts.result()
    return lines(sums, accts, effort)


def lines(sums: pl.DataFrame, accts: pl.DataFrame | None, effort: pl.DataFrame | None) -> pl.DataFrame:
    """Grain sums (rollup.SUMS) with their accounts' attributes (ACCOUNT: every account of the sums, or
    None when there are no sums), and the patrol figures (EFFORT, or None) on rows of their own."""
    accts = pl.DataFrame(schema=ACCOUNT) if accts is None else accts
    grain = (
        sums.lazy().join(accts.lazy(), on="account_id", how="left").drop("account_id")
        .with_columns(patrol_days=pl.lit(0, pl.Int64), incidents=pl.lit(0, pl.Int64))
        .collect()
    )
    parts = [grain]
    if effort is not None:
        parts.append(effort.with_columns(effective_kind=pl.lit("stipend"), amount=pl.lit(0, pl.Int64),
                                         gender_group=pl.lit("unrecorded")))
    frame = pl.concat(parts, how="diagonal_relaxed")
    beneficiary = pl.col("account_kind") == "beneficiary"
    return frame.with_columns(
        received=pl.when(beneficiary).then(-pl.col("amount")).otherwise(0),
        household=(pl.col("party_kind").is_in(HOUSEHOLD_KINDS) & beneficiary).fill_null(False),
    )
