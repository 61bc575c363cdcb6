"""Read the posted journal, as of a sequence number or date, into one Polars frame of postings.

Rows are fetched with the async session (no Polars driver on the async connection) and the frame is
built in a worker thread with an explicit schema, so an empty ledger and a large one have the same
columns and types. Entry metadata is flattened into typed columns here, once, so every transform
downstream is a plain DataFrame -> DataFrame function.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import anyio
import polars as pl
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from service import money
from service.errors import InvalidField
from service.ledger.models import GENESIS_HASH, Account, EntryStatus, JournalEntry, LedgerHead, Posting
from service.parties.models import Party

# Metadata keys read as text, and the decimal-string keys read as minor units (see docs/reports.md).
TEXT_KEYS = (
    "county_code", "period", "rule", "program_id", "payment_id", "payee_party_id", "trust_id", "purpose",
    "agreement_id", "agreement_version", "distribution_id", "stipend_run_id", "member_party_id",
    "certification_id", "program_area", "program_period_start", "program_period_end",
    "certificate_valid_until", "bank_reference", "reconciled", "reverses_kind",
)
MONEY_KEYS = ("rule_max", "stipend_cap", "share_limit")
NUMBER_KEYS = ("patrol_days", "incidents")

SCHEMA: dict[str, pl.DataType] = {
    "entry_id": pl.Int64, "sequence": pl.Int64, "kind": pl.String, "effective_date": pl.Date,
    "entered_by": pl.Int64, "approved_by": pl.Int64, "reversal_of_id": pl.Int64, "memo": pl.String,
    "hash": pl.String, "metadata": pl.String,
    **{f"m_{k}": pl.String for k in TEXT_KEYS},
    **{f"m_{k}": pl.Int64 for k in MONEY_KEYS},
    **{f"m_{k}": pl.Int64 for k in NUMBER_KEYS},
    "posting_id": pl.Int64, "account_id": pl.Int64, "currency": pl.String, "amount": pl.Int64,
    "account_code": pl.String, "account_kind": pl.String, "account_county": pl.String,
    "account_trust_id": pl.Int64, "party_id": pl.Int64, "party_kind": pl.String,
    "party_county": pl.String, "party_division": pl.String, "gender": pl.String,
    "village_id": pl.Int64, "village_division": pl.String,
}


@dataclass(frozen=True)
class Journal:
    """Postings of every posted entry up to `sequence`, whose chain hash is `hash`."""

    lines: pl.DataFrame
    sequence: int
    hash: str
    head_sequence: int


def _number(value: Any) -> int | None:
    """patrol_days may arrive as 3, "3" or "2.5" (half days are rounded down to keep integers)."""
    try:
        number = Decimal(str(value).strip()) if value is not None and str(value).strip() != "" else None
        return int(number) if number is not None and number.is_finite() else None
    except InvalidOperation:
        return None


def _minor(value: Any) -> int | None:
    try:
        return money.parse(str(value)) if value is not None else None
    except Exception:  # a malformed limit is reported as absent rather than crashing a report
        return None


def _flatten(meta: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k in TEXT_KEYS:
        v = meta.get(k)
        out[f"m_{k}"] = None if v is None else (json.dumps(v) if isinstance(v, bool) else str(v))
    for k in MONEY_KEYS:
        out[f"m_{k}"] = _minor(meta.get(k))
    for k in NUMBER_KEYS:
        out[f"m_{k}"] = _number(meta.get(k))
    return out


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


async def load(
    session: AsyncSession, *, as_of_sequence: int | None = None, as_of_date: date | None = None,
    date_filter: bool = True, account_id: int | None = None,
) -> Journal:
    """The journal up to a point. With `as_of_date`, entries effective after that date are left out.
    With `account_id`, only the entries touching that account (all their postings): a statement reads
    its own household's entries through the (account_id, entry_id) index, not the whole journal."""
    seq, hash_, head_seq = await resolve_point(session, as_of_sequence, as_of_date)
    party, village = aliased(Party), aliased(Party)
    q = (
        select(
            JournalEntry.id, JournalEntry.sequence, JournalEntry.kind, JournalEntry.effective_date,
            JournalEntry.entered_by, JournalEntry.approved_by, JournalEntry.reversal_of_id, JournalEntry.memo,
            JournalEntry.hash, JournalEntry.meta, Posting.id, Posting.account_id, Posting.currency, Posting.amount,
            Account.code, Account.kind, Account.county_code, Account.trust_id, Account.party_id,
            party.kind, party.county_code, party.division_code, party.gender, party.parent_id,
            village.kind, village.division_code,
        )
        .join(Posting, Posting.entry_id == JournalEntry.id)
        .join(Account, Account.id == Posting.account_id)
        .outerjoin(party, party.id == Account.party_id)
        .outerjoin(village, village.id == party.parent_id)
        .where(JournalEntry.status == EntryStatus.POSTED, JournalEntry.sequence <= seq)
        .order_by(JournalEntry.sequence, Posting.id)
    )
    if as_of_date is not None and date_filter:
        q = q.where(JournalEntry.effective_date <= as_of_date)
    if account_id is not None:
        q = q.where(JournalEntry.id.in_(select(Posting.entry_id).where(Posting.account_id == account_id)))
    rows = (await session.execute(q)).all()
    frame = await anyio.to_thread.run_sync(build_frame, rows)
    return Journal(frame, seq, hash_, head_seq)


def build_frame(rows: list[Any]) -> pl.DataFrame:
    """Rows of the query in `load` -> the postings frame (runs in a worker thread)."""
    cols: dict[str, list[Any]] = {name: [] for name in SCHEMA}
    meta_cache: dict[int, dict[str, Any]] = {}
    for r in rows:
        (eid, seq, kind, eff, ent, appr, rev, memo, h, meta, pid, aid, cur, amt, acode, akind, acounty, atrust,
         party_id, pkind, pcounty, pdiv, gender, parent_id, vkind, vdiv) = r
        if eid not in meta_cache:
            meta_cache[eid] = {"metadata": json.dumps(meta or {}, sort_keys=True, ensure_ascii=False),
                               **_flatten(meta or {})}
        village_id = party_id if pkind == "community" else (parent_id if vkind == "community" else None)
        village_div = pdiv if pkind == "community" else (vdiv if vkind == "community" else None)
        values = {
            "entry_id": eid, "sequence": seq, "kind": kind, "effective_date": eff, "entered_by": ent,
            "approved_by": appr, "reversal_of_id": rev, "memo": memo, "hash": h, **meta_cache[eid],
            "posting_id": pid, "account_id": aid, "currency": cur, "amount": amt, "account_code": acode,
            "account_kind": akind, "account_county": acounty, "account_trust_id": atrust, "party_id": party_id,
            "party_kind": pkind, "party_county": pcounty, "party_division": pdiv, "gender": gender,
            "village_id": village_id, "village_division": village_div,
        }
        for name in SCHEMA:
            cols[name].append(values[name])
    return pl.DataFrame(cols, schema=SCHEMA)
