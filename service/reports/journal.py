"""Read the posted journal, as of a sequence number or date, into one Polars frame of postings.

Entry metadata is flattened into typed columns by Polars, once per entry, so no Python code runs
per posting:

- a whole-journal read (transparency, audit, exports) reads four plain tables straight into Arrow
  (`arrow.read_query`, ADBC) and joins them in Polars: ten million postings never become Python
  objects;
- a read of one account (a household statement) runs through the request's session, where a
  handful of rows need no second connection.

The journal is append-only and an entry's sequence is final once posted, so a second connection that
reads `sequence <= point` sees exactly what the request's own snapshot saw.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import anyio
import polars as pl
from sqlalchemy import Select, Text, cast, null, select
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from service import money
from service.arrow import Schema
from service.errors import InvalidField
from service.ledger import dimensions
from service.ledger.models import GENESIS_HASH, Account, EntryStatus, JournalEntry, LedgerHead, Posting
from service.parties.models import Party
from service.arrow import read_query

# Metadata keys read as text, and the decimal-string keys read as minor units (see docs/reports.md).
TEXT_KEYS = (
    "county_code", "period", "rule", "program_id", "payment_id", "payee_party_id", "trust_id", "purpose",
    "agreement_id", "agreement_version", "distribution_id", "stipend_run_id", "member_party_id",
    "certification_id", "program_area", "program_period_start", "program_period_end",
    "certificate_valid_until", "bank_reference", "reconciled", "reverses_kind",
)
MONEY_KEYS = ("rule_max", "stipend_cap", "share_limit")
NUMBER_KEYS = ("patrol_days", "incidents")
# Long text a rollup never looks at: left out (null) unless a caller asks for the detail.
DETAIL = ("memo", "hash", "metadata")
DECODE_SLICE = 250_000
# Metadata keys the entry also carries as typed columns (service/ledger/dimensions.py): read from there,
# not decoded from JSON. FROM_METADATA brings back the old decoding path (the byte-identity test's oracle).
COLUMN_OF_KEY = {key: column for column, key in dimensions.COLUMNS.items()}
FROM_METADATA = False

_ENTRY: Schema = {
    "entry_id": pl.Int64, "sequence": pl.Int64, "kind": pl.String, "effective_date": pl.Date,
    "entered_by": pl.Int64, "approved_by": pl.Int64, "reversal_of_id": pl.Int64, "memo": pl.String,
    "hash": pl.String, "metadata": pl.String,
}
_POSTING: Schema = {"posting_id": pl.Int64, "entry_id": pl.Int64, "account_id": pl.Int64,
                                     "currency": pl.String, "amount": pl.Int64}
_ACCOUNT: Schema = {
    "account_id": pl.Int64, "account_code": pl.String, "account_kind": pl.String, "account_county": pl.String,
    "account_trust_id": pl.Int64, "party_id": pl.Int64,
}
_PARTY: Schema = {
    "party_id": pl.Int64, "party_kind": pl.String, "party_county": pl.String, "party_division": pl.String,
    "gender": pl.String, "parent_id": pl.Int64,
}
_PARENT: Schema = {"parent_id": pl.Int64, "parent_kind": pl.String, "parent_division": pl.String}
# What the reads return (raw metadata as JSON text), and the frame every report works on.
RAW_SCHEMA: Schema = {**_ENTRY, **_POSTING, **_ACCOUNT, **_PARTY, **_PARENT}
ALL_KEYS = (*TEXT_KEYS, *MONEY_KEYS, *NUMBER_KEYS)
SCHEMA: Schema = {
    **_ENTRY,
    **{f"m_{k}": pl.String for k in TEXT_KEYS},
    **{f"m_{k}": pl.Int64 for k in MONEY_KEYS},
    **{f"m_{k}": pl.Int64 for k in NUMBER_KEYS},
    **{k: v for k, v in (_POSTING | _ACCOUNT | _PARTY).items() if k not in ("entry_id", "parent_id")},
    "village_id": pl.Int64, "village_division": pl.String,
}


@dataclass(frozen=True)
class Journal:
    """Postings of every posted entry up to `sequence`, whose chain hash is `hash`."""

    lines: pl.DataFrame
    sequence: int
    hash: str
    head_sequence: int


async def resolve_point(
    session: AsyncSession, as_of_sequence: int | None, as_of_date: date | None
) -> tuple[int, str, int]:
    """(sequence, hash) a report is computed at, and the current head sequence."""
    head = await session.get(LedgerHead, 1)
    head_seq, head_hash = (head.sequence, head.hash) if head else (0, GENESIS_HASH)
    seq = head_seq
    if as_of_sequence is not None:
        if as_of_sequence < 0 or as_of_sequence > head_seq:
            raise InvalidField("as_of_sequence", f"must be between 0 and the head sequence {head_seq}")
        seq = as_of_sequence
    if as_of_date is not None:
        last = await session.scalar(
            select(JournalEntry.sequence).where(
                JournalEntry.status == EntryStatus.POSTED, JournalEntry.sequence <= seq,
                JournalEntry.effective_date <= as_of_date,
            ).order_by(JournalEntry.sequence.desc()).limit(1)
        )
        seq = min(seq, int(last or 0))
    if seq == head_seq:
        return seq, head_hash, head_seq
    if seq == 0:
        return 0, GENESIS_HASH, head_seq
    h = await session.scalar(select(JournalEntry.hash).where(JournalEntry.sequence == seq))
    return seq, str(h), head_seq


_PARTY_ROW, _PARENT_ROW = aliased(Party), aliased(Party)  # module level: one compiled query, cached


def from_columns(keys: Sequence[str]) -> list[str]:
    """The keys read from typed dimension columns rather than decoded from the metadata."""
    return [] if FROM_METADATA else [k for k in keys if k in COLUMN_OF_KEY]


def column_schema(typed: Sequence[str]) -> Schema:
    """How the keys read from their own columns arrive: limits (MONEY_KEYS) as their text, parsed by
    `_flatten` as the decoded text always was."""
    return {f"m_{k}": pl.String if k in MONEY_KEYS else SCHEMA[f"m_{k}"] for k in typed}


def _entry_columns(detail: bool, keys: Sequence[str] = ALL_KEYS) -> list[Any]:
    """Without `detail`, memo and hash are not even read (null): 4.5 million hashes are 300 MB; and
    the metadata itself only when a key asked for has no column of its own."""
    e = JournalEntry
    memo, hash_ = (e.memo, e.hash) if detail else (null().cast(Text).label("memo"), null().cast(Text).label("hash"))
    typed = from_columns(keys)
    meta = (cast(e.meta, Text) if detail or set(keys) - set(typed) else null().cast(Text)).label("metadata")
    dims = [getattr(e, COLUMN_OF_KEY[k]).label(f"m_{k}") for k in typed]
    return [e.id.label("entry_id"), e.sequence, e.kind, e.effective_date, e.entered_by, e.approved_by,
            e.reversal_of_id, memo, hash_, meta, *dims]


def _entries(seq: int, as_of_date: date | None, detail: bool = True, keys: Sequence[str] = ALL_KEYS) -> Select:
    q = (select(*_entry_columns(detail, keys))
         .where(JournalEntry.status == EntryStatus.POSTED, JournalEntry.sequence <= seq))
    return q if as_of_date is None else q.where(JournalEntry.effective_date <= as_of_date)


def account_query(seq: int, as_of_date: date | None, account_id: int) -> Select:
    """Every posting of the entries that touch one account (a statement), joined in the database."""
    party, parent = _PARTY_ROW, _PARENT_ROW
    touching = select(Posting.entry_id).where(Posting.account_id == account_id)
    return (
        _entries(seq, as_of_date, keys=()).add_columns(
            Posting.id.label("posting_id"), Posting.account_id, Posting.currency, Posting.amount,
            Account.code, Account.kind, Account.county_code, Account.trust_id, Account.party_id,
            party.kind, party.county_code, party.division_code, party.gender, party.parent_id,
            parent.kind, parent.division_code,
        )
        .join(Posting, Posting.entry_id == JournalEntry.id)
        .join(Account, Account.id == Posting.account_id)
        .outerjoin(party, party.id == Account.party_id)
        .outerjoin(parent, parent.id == party.parent_id)
        .where(JournalEntry.id.in_(touching))  # through the (account_id, entry_id) index
    )


async def load(
    session: AsyncSession, *, as_of_sequence: int | None = None, as_of_date: date | None = None,
    date_filter: bool = True, account_id: int | None = None, detail: bool = True, keys: Sequence[str] = ALL_KEYS,
) -> Journal:
    """The journal up to a point. With `as_of_date`, entries effective after that date are left out.
    With `account_id`, only the entries touching that account (all their postings). Without
    `detail`, memo, hash and raw metadata are null, and only the metadata `keys` asked for are read:
    a province's rollup does not need gigabytes of text it never looks at."""
    seq, hash_, head_seq = await resolve_point(session, as_of_sequence, as_of_date)
    day = as_of_date if date_filter else None
    if account_id is not None:
        rows = (await session.execute(account_query(seq, day, account_id))).all()
        frame = build_frame(rows, detail, keys)  # a household's few rows: not worth a thread hop
    else:
        frame = await anyio.to_thread.run_sync(read_all, session.get_bind().engine.url, seq, day, detail, keys)
    return Journal(frame, seq, hash_, head_seq)


async def point(session: AsyncSession, as_of_sequence: int | None = None) -> Journal:
    """The point a report is computed at, with no lines read (reports that read their own)."""
    seq, hash_, head_seq = await resolve_point(session, as_of_sequence, None)
    return Journal(pl.DataFrame(), seq, hash_, head_seq)


def build_frame(rows: list[Any], detail: bool = True, keys: Sequence[str] = ALL_KEYS) -> pl.DataFrame:
    """Rows shaped like RAW_SCHEMA -> the postings frame."""
    return _finish(_flatten(pl.DataFrame(rows, schema=RAW_SCHEMA, orient="row"), detail, keys)).sort("posting_id")


def read_all(url: URL, seq: int, as_of_date: date | None, detail: bool = True,
             keys: Sequence[str] = ALL_KEYS) -> pl.DataFrame:
    """The whole journal: four plain table reads through ADBC (Arrow, no Python object per row),
    joined by Polars, which is many times faster than the database joining them row by row."""
    schema = _ENTRY | column_schema(from_columns(keys))
    # The four reads run at once: each waits mostly on the database and the driver (no GIL held),
    # so the journal arrives in the time of its longest table, not of all four in turn.
    with ThreadPoolExecutor(max_workers=4, thread_name_prefix="journal-read") as pool:
        read_entries = pool.submit(read_query, url, _entries(seq, as_of_date, detail, keys), schema)
        read_postings = pool.submit(read_query, url, select(Posting.id, Posting.entry_id, Posting.account_id,
                                                            Posting.currency, Posting.amount), _POSTING)
        read_accounts = pool.submit(read_query, url, select(Account.id, Account.code, Account.kind,
                                                            Account.county_code, Account.trust_id,
                                                            Account.party_id), _ACCOUNT)
        read_parties = pool.submit(read_query, url, select(Party.id, Party.kind, Party.county_code,
                                                           Party.division_code, Party.gender, Party.parent_id),
                                   _PARTY)
        entries = _flatten(read_entries.result(), detail, keys)
        postings, accounts, parties = read_postings.result(), read_accounts.result(), read_parties.result()
    # A column that is null for every entry (most metadata keys, memo and hash without `detail`)
    # is joined as a constant, not as ten million null strings.
    empty = [c for c in entries.columns if entries[c].null_count() == entries.height and entries.height]
    entries = entries.drop(empty)
    parents = parties.select(parent_id="party_id", parent_kind="party_kind", parent_division="party_division")
    # Posting order (not journal order: sorting ten million wide rows costs seconds and gigabytes);
    # whoever shows lines in journal order sorts its own few (statements, exports, anomalies).
    order = {"how": "left", "maintain_order": "left"}
    raw = (
        postings.sort("posting_id").join(entries, on="entry_id", how="inner", maintain_order="left")
        .join(accounts, on="account_id", **order).join(parties, on="party_id", **order)
        .join(parents, on="parent_id", **order)
    ).with_columns(*[pl.lit(None, SCHEMA[c]).alias(c) for c in empty])
    return _finish(raw)


def _flatten(frame: pl.DataFrame, detail: bool, keys: Sequence[str] = ALL_KEYS) -> pl.DataFrame:
    """Metadata -> one typed column per known key (null for keys not asked for); without `detail`
    the long text is dropped (null). Keys already read from their own columns are not decoded."""
    typed = [k for k in keys if f"m_{k}" in frame.columns]
    decoded = [k for k in keys if k not in typed]
    meta = _decode(frame["metadata"], decoded) if decoded else pl.DataFrame()
    texts = pl.concat([frame, meta], how="horizontal") if decoded else frame
    out = texts.with_columns(
        *[_mapped(texts[f"m_{k}"], _minor) for k in MONEY_KEYS if k in keys],
        *[_mapped(meta[f"m_{k}"], _number) for k in NUMBER_KEYS if k in decoded],
        *[pl.lit(None, SCHEMA[f"m_{k}"]).alias(f"m_{k}") for k in ALL_KEYS if k not in keys],
    )
    return out if detail else out.with_columns(*[pl.lit(None, pl.String).alias(c) for c in DETAIL])


def _finish(frame: pl.DataFrame) -> pl.DataFrame:
    """Name each posting's village (the party itself, or its parent)."""
    is_village, parent_is_village = pl.col("party_kind") == "community", pl.col("parent_kind") == "community"
    return frame.with_columns(
        village_id=pl.when(is_village).then(pl.col("party_id")).when(parent_is_village).then(pl.col("parent_id")),
        village_division=pl.when(is_village).then(pl.col("party_division"))
        .when(parent_is_village).then(pl.col("parent_division")),
    ).select(list(SCHEMA))


def _decode(texts: pl.Series, keys: Sequence[str]) -> pl.DataFrame:
    """Metadata JSON -> one text column per key (numbers and booleans as their JSON text)."""
    # In slices: decoding millions of entries at once holds several GB of intermediate values.
    parts = [_decode_slice(texts.slice(i, DECODE_SLICE), keys) for i in range(0, len(texts), DECODE_SLICE)]
    decoded = pl.concat(parts) if parts else pl.DataFrame(schema={k: pl.String for k in keys})
    return decoded.rename(lambda k: f"m_{k}")


def _decode_slice(texts: pl.Series, keys: Sequence[str]) -> pl.DataFrame:
    try:
        return texts.str.json_decode(pl.Struct({k: pl.String for k in keys})).struct.unnest()
    except pl.exceptions.ComputeError:  # a value that is an object or a list: extract key by key
        return pl.DataFrame({k: texts.str.json_path_match(f"$.{k}") for k in keys})


def _mapped(texts: pl.Series, parse: Callable[[str], int | None]) -> pl.Series:
    """Parse each distinct value once (a province's journal repeats a few hundred of them)."""
    values = texts.drop_nulls().unique().to_list()
    return texts.replace_strict({v: parse(v) for v in values}, default=None, return_dtype=pl.Int64)


def _number(value: str) -> int | None:
    """patrol_days may arrive as 3, "3" or "2.5" (half days are rounded down to keep integers)."""
    try:
        number = Decimal(value.strip()) if value.strip() != "" else None
        return int(number) if number is not None and number.is_finite() else None
    except InvalidOperation:
        return None


def _minor(value: str) -> int | None:
    try:
        return money.parse(value)
    except Exception:  # a malformed limit is reported as absent rather than crashing a report
        return None
