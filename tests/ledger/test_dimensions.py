"""Report dimensions: the columns written with an entry (and backfilled by migration 0009) say exactly
what the reports used to decode from the entry's metadata JSON."""

from __future__ import annotations

import asyncio
import json
from datetime import date

import polars as pl
from hypothesis import given, settings as hsettings, strategies as st
from sqlalchemy import select, text

from service.db import Database
from service.ledger import service as ledger
from service.ledger.dimensions import COLUMNS, NUMBER, TEXT, columns
from service.ledger.models import JournalEntry
from service.migrations import upgrade
from service.reports import journal
from tests.conftest import actor
from tests.test_migrations import _empty_database

KEYS = sorted(set(COLUMNS.values()))


def oracle(texts: list[str]) -> list[dict]:
    """What the reports' old read path made of each metadata document."""
    frame = pl.DataFrame({"metadata": texts})
    decoded = journal._decode(frame["metadata"], KEYS)
    out = []
    for row in decoded.to_dicts():
        d = {c: row[f"m_{k}"] for c, k in TEXT.items()}
        d |= {c: None if row[f"m_{k}"] is None else _int64(journal._number(row[f"m_{k}"])) for c, k in NUMBER.items()}
        out.append(d)
    return out


def _int64(number: int | None) -> int | None:
    """A whole number a BigInteger column can hold ("1E100" cannot: the column says None)."""
    return number if number is not None and -(2**63) <= number < 2**63 else None


SAMPLES = [
    {}, {"county_code": "360827", "period": "2026", "program_id": "P-360827-forest-2026", "payee_party_id": 42},
    {"trust_id": 7, "agreement_id": 3, "period": "2026-05", "county_code": "360425"},
    {"patrol_days": "2.5", "incidents": 2, "payee_party_id": "17"}, {"patrol_days": 3, "incidents": "x"},
    {"reverses_kind": "payment", "county_code": None, "program_id": 12}, {"period": True, "trust_id": False},
    {"county_code": "三六", "program_id": "项目 \"A\"\n", "payee_party_id": "abc", "patrol_days": ""},
]
values = st.one_of(st.none(), st.booleans(), st.integers(-(2**53), 2**53), st.text(max_size=12),
                   st.sampled_from(["3", "2.5", " 4 ", "-1", "1e3", "NaN", "1E100"]))


@hsettings(max_examples=150, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(KEYS + ["memo", "rule"]), values), min_size=1, max_size=8))
def test_columns_equal_the_metadata_decoding(metas):
    texts = [json.dumps(m) for m in metas]
    assert [columns(m) for m in metas] == oracle(texts)


def test_backfill_equals_the_metadata(tmp_path):
    url, drop = _empty_database(tmp_path)
    try:
        upgrade(url, "0007_console")
        asyncio.run(_insert(url))
        upgrade(url)
        rows = asyncio.run(_read(url))
        assert len(rows) == len(SAMPLES)
        assert [r[1] for r in rows] == oracle([r[0] for r in rows])
        assert [r[1] for r in rows] == [columns(m) for m in SAMPLES]
    finally:
        drop()


async def _insert(url: str) -> None:
    db = Database(url)
    async with db.engine.begin() as conn:
        m = "CAST(:m AS JSON)" if conn.dialect.name == "postgresql" else ":m"
        for i, meta in enumerate(SAMPLES, start=1):
            await conn.execute(text(
                "INSERT INTO journal_entries (id, kind, status, effective_date, recorded_at, memo, metadata, sequence) "
                f"VALUES (:id, 'payment', 'posted', :d, CURRENT_TIMESTAMP, '', {m}, :id)"),
                {"id": i, "d": date(2026, 5, 1), "m": json.dumps(meta)})
    await db.dispose()


async def _read(url: str) -> list[tuple[str, dict]]:
    db = Database(url)
    cols = ", ".join(COLUMNS)
    async with db.engine.connect() as conn:
        rows = (await conn.execute(text(f"SELECT CAST(metadata AS TEXT), {cols} FROM journal_entries ORDER BY id"))).all()
    await db.dispose()
    return [(r[0], dict(zip(COLUMNS, r[1:], strict=True))) for r in rows]


async def test_every_write_path_fills_the_columns(db):
    from service.ledger.models import AccountKind

    who = actor(user_id=None)  # type: ignore[arg-type]  # no user row: entered_by stays empty
    async with db.writing() as s:
        a = await ledger.open_account(s, code="source:t", name="t", kind=AccountKind.SOURCE)
        b = await ledger.open_account(s, code="fund:t", name="t", kind=AccountKind.FUND)
        one = await ledger.record_entry(s, kind="payment", legs=ledger.transfer(a.id, b.id, 100), actor=who,
                                        metadata=SAMPLES[1], effective_date=date(2026, 5, 1))
        many = await ledger.record_entries(s, [ledger.EntrySpec(kind="payment", legs=ledger.transfer(a.id, b.id, 5),
                                                                metadata=m) for m in SAMPLES[2:5]], actor=who)
        pending = await ledger.record_entry(s, kind="payment", legs=ledger.transfer(a.id, b.id, 1), actor=who,
                                            metadata=SAMPLES[6], pending=True)
        ids = [one.id, *many, pending.id]
    async with db.reading() as s:
        rows = {e.id: e for e in await s.scalars(select(JournalEntry).where(JournalEntry.id.in_(ids)))}
    for entry_id, meta in zip(ids, [SAMPLES[1], *SAMPLES[2:5], SAMPLES[6]], strict=True):
        assert {c: getattr(rows[entry_id], c) for c in COLUMNS} == columns(meta)
