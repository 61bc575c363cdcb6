"""The audit's tables computed per entry and per account, not per posting.

The older path (`journal.read_all` + `transforms.enrich`, kept as the oracle) joins every entry's
metadata and every account's and party's columns to every posting: at ten million postings that frame
is most of the audit's time and memory. Here each table is read once at its own grain:

- entries: one row each, the metadata keys the audit reads from their typed columns (no JSON);
- postings: four integer columns (entry, id, account, amount) and nothing else;
- accounts with their party and the party's parent: one row per account, where each account's node in
  the flows, county, trust and payee division are worked out once.

Postings are summed per entry (money moved, the payee's division, the flows' source account) and per
account (trial balance) and only those sums meet the entries. Every figure is the one the oracle
computes: tests/reports/test_audit_frames.py compares the two on the demo ledger and planted anomalies.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from collections.abc import Sequence
from typing import Any

import polars as pl

from sqlalchemy import ColumnElement, Select, case, null, or_, select
from sqlalchemy.engine import URL

from service.arrow import Schema, read_query
from service.ledger.rollup import INDEXED
from service.ledger.models import Account, EntryStatus, JournalEntry, Posting
from service.parties.models import Party
from service.reports import anomalies, journal
from service.reports import transforms as t

_ENTRY: Schema = {"entry_id": pl.Int64, "sequence": pl.Int64, "kind": pl.String, "effective_date": pl.Date,
                  "entered_by": pl.Int64, "approved_by": pl.Int64, "reversal_of_id": pl.Int64}
_POSTING: Schema = {"posting_id": pl.Int64, "entry_id": pl.Int64, "account_id": pl.Int64, "amount": pl.Int64}
_ACCOUNT: Schema = {"account_id": pl.Int64, "account_code": pl.String, "account_kind": pl.String,
                    "account_county": pl.String, "account_trust_id": pl.Int64, "party_id": pl.Int64}
_PARTY: Schema = {"party_id": pl.Int64, "party_kind": pl.String, "party_county": pl.String,
                  "party_division": pl.String, "parent_id": pl.Int64}


# Keys a check reads only beside another key (a finding's facts): read only where that key is set.
# Every payment and stipend carries a rule text, which the checks look at only where a limit is broken.
ONLY_WITH = {"rule": "rule_max", "member_party_id": "stipend_cap", "certification_id": "certificate_valid_until",
             "agreement_version": "share_limit"}


def _key_column(key: str) -> ColumnElement[Any]:
    e, column = JournalEntry, getattr(JournalEntry, journal.COLUMN_OF_KEY[key])
    if key not in ONLY_WITH:
        return column
    beside = getattr(e, journal.COLUMN_OF_KEY[ONLY_WITH[key]])
    return case((beside.is_not(None), column), else_=null()).label(column.key)


# Keys nearly every entry carries (the flows' dimensions, the duplicate check's payee): read with the
# entries. The others are read apart, only for the entries that carry one: a column of 4.5 million
# nulls costs as much to fetch as a column of values.
COMMON = ("county_code", "period", "program_id", "trust_id", "payee_party_id")


def _entries_query(seq: int, as_of_date: date | None, keys: tuple[str, ...]) -> Select:
    e = JournalEntry
    q = select(e.id, e.sequence, e.kind, e.effective_date, e.entered_by, e.approved_by, e.reversal_of_id,
               *[_key_column(k) for k in keys]).where(e.status == EntryStatus.POSTED, e.sequence <= seq)
    return q if as_of_date is None else q.where(e.effective_date <= as_of_date)


def _rare_query(seq: int, as_of_date: date | None, keys: tuple[str, ...]) -> Select:
    e = JournalEntry
    q = select(e.id, *[_key_column(k) for k in keys]).where(
        e.status == EntryStatus.POSTED, e.sequence <= seq,
        or_(*[getattr(e, journal.COLUMN_OF_KEY[k]).is_not(None) for k in keys if k not in ONLY_WITH]))
    return q if as_of_date is None else q.where(e.effective_date <= as_of_date)


def read(url: URL, seq: int, as_of_date: date | None, currency: str, keys: tuple[str, ...],
         where: Sequence[ColumnElement[bool]] = ()) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(entries with their `keys` as m_<key>, postings in `currency` of those entries, accounts with
    their party and its parent); the reads at once, as `journal.read_all` does. `where`: only the
    entries it picks (e.g. those after a checkpoint), their postings and the accounts those touch."""
    if where:
        return _read_some(url, seq, currency, keys, where)
    common = tuple(k for k in keys if k in COMMON)
    rare = tuple(k for k in keys if k not in COMMON)
    with ThreadPoolExecutor(max_workers=5, thread_name_prefix="audit-read") as pool:
        entries = pool.submit(read_query, url, _entries_query(seq, as_of_date, common),
                              _ENTRY | journal.column_schema(common))
        extra = pool.submit(read_query, url, _rare_query(seq, as_of_date, rare),
                            {"entry_id": pl.Int64} | journal.column_schema(rare)) if rare else None
        postings = pool.submit(read_query, url, _postings_query(currency), _POSTING)
        accounts = pool.submit(read_query, url, _accounts_query(), _ACCOUNT)
        parties = pool.submit(read_query, url, _parties_query(), _PARTY)
        e, p = entries.result(), postings.result()
        if extra is not None:
            e = _with_rare(e, extra.result())
        a = _accounts(accounts.result(), parties.result())
    return _matched(e, p, a, keys)


def _postings_query(currency: str) -> Select:
    return select(Posting.id, Posting.entry_id, Posting.account_id, Posting.amount).where(Posting.currency == currency)


def _accounts_query() -> Select:
    return select(Account.id, Account.code, Account.kind, Account.county_code, Account.trust_id, Account.party_id)


def _parties_query() -> Select:
    return select(Party.id, Party.kind, Party.county_code, Party.division_code, Party.parent_id)


def _read_some(url: URL, seq: int, currency: str, keys: tuple[str, ...],
               where: Sequence[ColumnElement[bool]]) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """`read` of a few entries, through indexes: the entries, their postings, then their accounts and
    those accounts' parties and the parties' parents, each by id."""
    e_q = _entries_query(seq, None, keys).where(*where)
    e = read_query(url, e_q, _ENTRY | journal.column_schema(keys), INDEXED)
    ids = select(JournalEntry.id).where(JournalEntry.status == EntryStatus.POSTED, JournalEntry.sequence <= seq, *where)
    p = read_query(url, _postings_query(currency).where(Posting.entry_id.in_(ids)), _POSTING, INDEXED)
    accounts = _by_ids(url, _accounts_query(), Account.id, p["account_id"], _ACCOUNT)
    parties = _by_ids(url, _parties_query(), Party.id, accounts["party_id"], _PARTY)
    parents = parties["parent_id"].filter(~parties["parent_id"].is_in(parties["party_id"].implode()))
    parties = pl.concat([parties, _by_ids(url, _parties_query(), Party.id, parents, _PARTY)])
    return _matched(e, p, _accounts(accounts, parties), keys)


def _by_ids(url: URL, q: Select, column: Any, ids: pl.Series, schema: Schema) -> pl.DataFrame:
    wanted = ids.drop_nulls().unique().sort().to_list()
    return read_query(url, q.where(column.in_(wanted)), schema, INDEXED) if wanted else pl.DataFrame(schema=schema)


def _matched(e: pl.DataFrame, p: pl.DataFrame, a: pl.DataFrame, keys: tuple[str, ...]
             ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Postings of the entries read and entries with postings (the oracle sees entries by their
    postings), the limits parsed to minor units."""
    p = p.filter(members(e["entry_id"], p["entry_id"]))
    e = e.filter(members(p["entry_id"], e["entry_id"]))
    typed = [k for k in keys if k in journal.MONEY_KEYS]
    e = e.with_columns(*[journal._mapped(e[f"m_{k}"], journal._minor) for k in typed])
    return e, p, a


def _with_rare(entries: pl.DataFrame, rare: pl.DataFrame) -> pl.DataFrame:
    """The rarer keys beside each entry (null where it has none: no join when no entry has any)."""
    if rare.height:
        return entries.join(rare, on="entry_id", how="left", maintain_order="left")
    return entries.with_columns(*[pl.lit(None, dtype).alias(c) for c, dtype in rare.schema.items() if c != "entry_id"])


def _accounts(accounts: pl.DataFrame, parties: pl.DataFrame) -> pl.DataFrame:
    """Per account: what the oracle joins to each of its postings, worked out once."""
    parents = parties.select(parent_id="party_id", parent_kind="party_kind", parent_division="party_division")
    a = accounts.join(parties, on="party_id", how="left").join(parents, on="parent_id", how="left")
    is_village, parent_is_village = pl.col("party_kind") == "community", pl.col("parent_kind") == "community"
    a = a.with_columns(
        village_id=pl.when(is_village).then(pl.col("party_id")).when(parent_is_village).then(pl.col("parent_id")),
        village_division=pl.when(is_village).then(pl.col("party_division"))
        .when(parent_is_village).then(pl.col("parent_division")),
    )
    a = a.with_columns(
        target=t.node_label(pl.col("account_kind"), pl.col("account_code"), pl.col("party_kind"), pl.col("village_id")),
        payee_where=pl.coalesce("party_division", "village_division", "party_county"),
    )
    # The flows' nodes as numbers (households share their village's): grouped as integers, named at the end.
    return a.with_columns(target_id=pl.col("target").rank("dense")).select(
        "account_id", "account_code", "account_kind", "account_county", "account_trust_id", "target", "target_id",
        "payee_where")


def lookup(table: pl.DataFrame, key: str, ids: pl.Series) -> pl.DataFrame:
    """`table`'s other columns for each of `ids` (its `key` values), in the order of `ids`. Ids are
    dense (database sequences): the rows are taken by position, where a hash join of ten million
    postings with their accounts cost ten times more; sparse ids fall back to the join."""
    top = max(int(table.select(pl.col(key).max().fill_null(0)).item()), int(ids.max() or 0)) + 1  # type: ignore[arg-type]
    if top > 4 * max(table.height, len(ids)) + 1024:
        return ids.rename(key).to_frame().join(table, on=key, how="left", maintain_order="left").drop(key)
    dense = pl.DataFrame({key: pl.arange(0, top, eager=True, dtype=pl.Int64)}).join(
        table, on=key, how="left", maintain_order="left")
    return dense.select(pl.exclude(key).gather(ids))


def members(keys: pl.Series, ids: pl.Series) -> pl.Series:
    """For each of `ids`: is it among `keys`? Dense ids: a flag per id set by position (semi joins of ten
    million postings with their entries held gigabytes of hash tables); sparse ones: a hash look-up."""
    keys = keys.drop_nulls()
    top = max(int(keys.max() or 0), int(ids.max() or 0)) + 1  # type: ignore[arg-type]
    if top > 4 * max(len(keys), len(ids)) + 1024:
        return ids.is_in(keys.implode()).fill_null(False)
    flags = pl.repeat(False, top, dtype=pl.Boolean, eager=True).scatter(keys, True)
    return flags.gather(ids).fill_null(False)


def in_posting_order(postings: pl.DataFrame) -> pl.DataFrame:
    """Postings by id (a no-op for a table read in order), each entry's together marked so where it is
    (postings are written entry by entry): summing per entry then takes the sorted path."""
    out = postings.sort("posting_id")
    return out.with_columns(pl.col("entry_id").set_sorted()) if out["entry_id"].is_sorted() else out


def per_entry(entries: pl.DataFrame, postings: pl.DataFrame, accounts: pl.DataFrame) -> pl.DataFrame:
    """One row per entry: `transforms.enrich`'s entry-level columns, the money it moved (sum of debits),
    the payee's division (its first beneficiary posting's) and the flows' source (largest debit).
    `postings` in posting order (`in_posting_order`)."""
    # Accounts' text as numbers while postings are summed (a county's rank keeps max() the same), named after.
    county_rank = pl.col("account_county").rank("dense").cast(pl.Int64)
    codes = accounts.select("account_id", is_payee=pl.col("account_kind") == "beneficiary",
                            account_trust_id="account_trust_id", county_rank=county_rank)
    legs = pl.concat([postings, lookup(codes, "account_id", postings["account_id"])], how="horizontal")
    sums = legs.group_by("entry_id", maintain_order=True).agg(
        moved=pl.col("amount").clip(lower_bound=0).sum(), county_rank=pl.col("county_rank").max(),
        entry_trust=pl.col("account_trust_id").max())
    # first in posting order: the oracle's frame is in posting order
    payee = legs.filter(pl.col("is_payee")).group_by("entry_id").agg(payee_account=pl.col("account_id").first())
    source = (
        legs.filter(pl.col("amount") > 0).sort(["entry_id", "amount", "posting_id"], descending=[False, True, False])
        .group_by("entry_id", maintain_order=True).agg(source_id=pl.col("account_id").first())
    )
    out = _beside(by_id(entries), sums)
    ids = out["entry_id"]
    out = pl.concat([out, lookup(payee, "entry_id", ids), lookup(source, "entry_id", ids)], how="horizontal")
    counties = accounts.select(county_rank=county_rank, entry_county="account_county").unique("county_rank")
    payees = accounts.select(payee_account="account_id", payee_division="payee_where")
    out = pl.concat([out.drop("county_rank"), lookup(counties.drop_nulls("county_rank"), "county_rank", out["county_rank"]),
                     lookup(payees, "payee_account", out["payee_account"])], how="horizontal")
    return _enriched(out.drop("payee_account").with_columns(pl.col("entry_trust").cast(pl.String)))


def audited(url: URL, seq: int, as_of_date: date | None, currency: str, keys: tuple[str, ...]
            ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, list[anomalies.Finding]]:
    """The whole journal up to `seq` read and summed per entry: (per entry, postings in posting order,
    accounts, the anomaly checks' findings)."""
    entries, postings, accounts = read(url, seq, as_of_date, currency, keys)
    postings = in_posting_order(postings)
    entry_rows = per_entry(entries, postings, accounts)
    del entries
    in_order = entry_rows if entry_rows["sequence"].is_sorted() else entry_rows.sort("sequence")  # ids follow sequences
    return entry_rows, postings, accounts, anomalies.run_on_entries(in_order)


def by_id(entries: pl.DataFrame) -> pl.DataFrame:
    """Entries by id (read in that order, unless rows were moved by an update)."""
    if entries["entry_id"].is_sorted():
        return entries.with_columns(pl.col("entry_id").set_sorted())
    return entries.sort("entry_id")


def _beside(entries: pl.DataFrame, sums: pl.DataFrame) -> pl.DataFrame:
    """Entries with their sums: side by side when both hold the same entries in the same order (postings
    read in order), else joined."""
    if entries["entry_id"].equals(sums["entry_id"]):
        return pl.concat([entries, sums.drop("entry_id")], how="horizontal")
    return entries.join(sums, on="entry_id", how="left")


def _enriched(entries: pl.DataFrame) -> pl.DataFrame:
    """`transforms.enrich` on entries: a reversal takes the metadata and date of the entry it reverses."""
    carried = [c for c in [*t.META_COLS, "attributed_date"] if c in entries.columns or c == "attributed_date"]
    reversed_ids = entries.select(pl.col("reversal_of_id").drop_nulls().unique())
    out = entries.with_columns(attributed_date=pl.col("effective_date"))
    if reversed_ids.height:
        originals = (out.join(reversed_ids.rename({"reversal_of_id": "entry_id"}), on="entry_id", how="semi")
                     .select("entry_id", *carried)
                     .rename({"entry_id": "reversal_of_id", **{c: f"{c}_orig" for c in carried}}))
        out = out.join(originals, on="reversal_of_id", how="left").with_columns(
            [pl.when(pl.col("reversal_of_id").is_not_null()).then(pl.col(f"{c}_orig")).otherwise(pl.col(c)).alias(c)
             for c in carried]
        ).drop([f"{c}_orig" for c in carried])
    return out.with_columns(
        effective_kind=pl.when(pl.col("kind") == "reversal").then(pl.col("m_reverses_kind").fill_null("reversal"))
        .otherwise(pl.col("kind")),
        program=pl.col("m_program_id"),
        is_reversed=pl.col("entry_id").is_in(reversed_ids["reversal_of_id"].implode()),
    )


def with_dimensions(entries: pl.DataFrame) -> pl.DataFrame:
    """County, trust and period as `enrich` names them (they need the entry's postings' accounts)."""
    return entries.with_columns(
        county=pl.coalesce(pl.col("m_county_code"), pl.col("entry_county")),
        trust=pl.coalesce(pl.col("m_trust_id"), pl.col("entry_trust")),
        period=pl.coalesce(pl.col("m_period"), pl.col("attributed_date").dt.strftime("%Y")),
    )


def trial_balance(postings: pl.DataFrame, accounts: pl.DataFrame, currency: str) -> pl.DataFrame:
    """`transforms.trial_balance`, summed per account before the account's columns are joined."""
    sums = postings.group_by("account_id").agg(
        debits=pl.col("amount").clip(lower_bound=0).sum(),
        credits=(-pl.col("amount")).clip(lower_bound=0).sum(),
    )
    return balances(sums, accounts, currency)


def balances(sums: pl.DataFrame, accounts: pl.DataFrame, currency: str) -> pl.DataFrame:
    """The trial balance from each account's debits and credits (`account_id`, `debits`, `credits`)."""
    return (
        sums.with_columns(net=pl.col("debits") - pl.col("credits"))
        .join(accounts.select("account_id", "account_code", "account_kind"), on="account_id", how="left")
        .with_columns(currency=pl.lit(currency))
        .select("account_id", "account_code", "account_kind", "currency", "debits", "credits", "net")
        .with_columns(balance=pl.when(pl.col("account_kind") == "source").then(pl.col("net")).otherwise(-pl.col("net")))
        .sort("account_code")
    )


def flows(entries: pl.DataFrame, postings: pl.DataFrame, accounts: pl.DataFrame, by: str | None) -> pl.DataFrame:
    """`transforms.flows`: each credit, from its entry's largest debit's account to the credited
    account's node, summed per (by, source, target), the links that net to nothing left out."""
    return shown_flows(flow_sums(entries, postings, accounts, by), by)


def flow_sums(entries: pl.DataFrame, postings: pl.DataFrame, accounts: pl.DataFrame, by: str | None) -> pl.DataFrame:
    """Every link's sums, zero ones included (sums over ranges of the journal add up), with accounts and
    nodes grouped as numbers and named after."""
    dims = [by] if by else []
    sources = entries.select("entry_id", "source_id", *dims).filter(pl.col("source_id").is_not_null())
    credits = postings.filter(pl.col("amount") < 0).select("entry_id", "account_id", "amount")
    legs = pl.concat([credits, lookup(accounts.select("account_id", "target_id"), "account_id", credits["account_id"]),
                      lookup(sources, "entry_id", credits["entry_id"])], how="horizontal"
                     ).filter(pl.col("source_id").is_not_null())
    summed = legs.group_by(*dims, "source_id", "target_id").agg(
        amount=(-pl.col("amount")).sum(), entries=pl.col("entry_id").n_unique().cast(pl.Int64))
    codes = accounts.select(source_id="account_id", source="account_code")
    names = accounts.select("target_id", "target").unique("target_id")
    return (summed.join(codes, on="source_id", how="left").join(names, on="target_id", how="left")
            .select(*dims, "source", "target", "amount", "entries"))


def shown_flows(sums: pl.DataFrame, by: str | None) -> pl.DataFrame:
    keys = [*([by] if by else []), "source", "target"]
    return sums.filter(pl.col("amount") != 0).sort(keys)


def reconciliation(entries: pl.DataFrame) -> pl.DataFrame:
    """`transforms.reconciliation` on entries (each entry's amount is the money it moved)."""
    payouts = entries.filter(pl.col("effective_kind").is_in(["payment", "stipend", "disbursement", "distribution"])
                             & (pl.col("kind") != "reversal"))
    status = t.reconciliation_status(pl.col("is_reversed"), pl.col("m_reconciled"), pl.col("m_bank_reference"))
    return (
        payouts.with_columns(status=status)
        .group_by("kind", "status").agg(entries=pl.len().cast(pl.Int64), amount=pl.col("moved").sum())
        .sort("kind", "status")
    )
