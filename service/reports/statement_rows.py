"""The lines of one household's statement, read and enriched in plain Python.

A statement has a few dozen lines. Through the Polars path (`journal.load(account_id=...)`, then
`transforms.enrich` and `transforms.statement_lines`) its fixed cost per frame operation, about a
hundred of them, was most of a statement's 20 ms of CPU; here the same lines cost well under a
millisecond. Only the account's own postings are read (by the (account_id, entry_id) index), not every
posting of the entries touching it, and no joins with accounts and parties the statement never shows.

The Polars path stays as the oracle (`FROM_FRAME`): tests/reports/test_statement_rows.py checks both
give the same statements. The rules are those of `transforms.enrich` for the fields a statement shows:
a reversal takes the metadata and date of the entry it reverses (for its program and period), an
entry is reversed when a later reversal names it, and the period falls back to the year of that date.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.ledger.models import EntryStatus, JournalEntry, Posting
from service.reports.journal import _number

FROM_FRAME = False  # True: the older Polars path (the oracle of the equivalence test)
# The text metadata a statement line shows or needs (besides reverses_kind and patrol_days, read apart).
TEXT = ("rule", "program_id", "period", "agreement_id", "agreement_version", "payment_id")


def _text(value: Any) -> str | None:
    """A metadata value as the Polars decoder gives it: strings as they are, other JSON as its text."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):  # shortest digits, never an exponent, no ".0" on a whole number
        text = format(Decimal(repr(value)), "f")
        return text.removesuffix(".0")
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _meta(text: str | None) -> dict[str, Any]:
    try:
        meta = json.loads(text) if text else {}
    except ValueError:
        meta = {}
    return meta if isinstance(meta, dict) else {}


async def read(session: AsyncSession, seq: int, account_id: int, currency: str) -> list[dict[str, Any]]:
    """The account's postings up to `seq` in `currency`, one dict each with its entry's fields."""
    e, p = JournalEntry, Posting
    rows = await session.execute(
        select(e.id, e.sequence, e.kind, e.effective_date, e.reversal_of_id, e.memo, e.hash, e.meta,
               p.id, p.amount)
        .join(e, e.id == p.entry_id)
        .where(p.account_id == account_id, p.currency == currency, e.status == EntryStatus.POSTED,
               e.sequence <= seq))
    out = []
    for entry_id, sequence, kind, day, reversal_of, memo, hash_, meta, posting_id, amount in rows:
        meta = meta if isinstance(meta, dict) else _meta(meta)
        out.append({"entry_id": entry_id, "sequence": sequence, "kind": kind, "effective_date": day,
                    "reversal_of_id": reversal_of, "memo": memo, "hash": hash_, "posting_id": posting_id,
                    "amount": -amount, "m_reverses_kind": _text(meta.get("reverses_kind")),
                    "m_patrol_days": _patrol_days(meta.get("patrol_days")),
                    **{f"m_{k}": _text(meta.get(k)) for k in TEXT}})
    return out


def _patrol_days(value: Any) -> int | None:
    text = _text(value)
    return None if text is None else _number(text)


CARRIED = ("m_rule", "m_program_id", "m_period", "m_agreement_id", "m_agreement_version", "m_payment_id",
           "m_patrol_days")


def lines(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Statement lines, oldest first by date, with the dimensions `transforms.enrich` gives them."""
    by_entry = {r["entry_id"]: r for r in rows}
    reversed_ids = {r["reversal_of_id"] for r in rows if r["reversal_of_id"] is not None}
    out = []
    for r in sorted(rows, key=lambda r: (r["effective_date"], r["sequence"], r["posting_id"])):
        line = dict(r)
        attributed: date | None = r["effective_date"]
        if r["reversal_of_id"] is not None:  # nets out where the reversed entry counted
            original = by_entry.get(r["reversal_of_id"], {})
            line |= {c: original.get(c) for c in CARRIED}
            attributed = original.get("effective_date")
        kind = r["m_reverses_kind"] if r["m_reverses_kind"] is not None else "reversal"
        line["effective_kind"] = kind if r["kind"] == "reversal" else r["kind"]
        line["program"] = line["m_program_id"]
        year = attributed.strftime("%Y") if attributed else None
        line["period"] = line["m_period"] if line["m_period"] is not None else year
        line["is_reversed"] = r["entry_id"] in reversed_ids
        out.append(line)
    return with_running_total(out)


def with_running_total(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    total = 0
    for r in rows:
        total += r["amount"]
        r["running_total"] = total
    return rows


def in_period(rows: list[dict[str, Any]], period: str) -> list[dict[str, Any]]:
    """Lines dated in `period` (YYYY or YYYY-MM), with their own running total."""
    return with_running_total([r for r in rows if r["effective_date"].strftime("%Y-%m").startswith(period)])
