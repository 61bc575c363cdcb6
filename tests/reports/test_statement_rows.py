"""Statements are read and enriched in plain Python (reports/statement_rows.py); the older Polars path
(`journal.load(account_id=...)`, `transforms.enrich`) is the oracle. On the demo ledger with
reversals (one of an entry whose metadata carries odd values) every household's statement, in every
format and period, must come out byte for byte the same from both."""

from __future__ import annotations

import json

import polars as pl
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from service.ledger import service as ledger
from service.ledger.models import JournalEntry
from service.parties.models import Party
from service.parties.service import benefit_account_id
from service.reports import journal, statement_rows
from tests.reports.demo import pay

PERIODS = ("", "&period=2026", "&period=2026-04", "&period=2026-05", "&period=2025", "&as_of_sequence=35")


async def _odd_entries(db, demo) -> None:
    """A reversed stipend, a payment with numbers, booleans and no period in its metadata, reversed too,
    and a payment after its reversal's date."""
    refs, actors = demo["refs"], demo["actors"]
    off, appr = actors["official:360827"], actors["approver:360827"]
    async with db.writing() as s:
        fund, hh = refs["fund:360827:eco-compensation"], refs["hh-daitang-2"]
        odd = await pay(s, kind="payment", src=fund, party_id=hh, amount=12345, by=off, approver=appr,
                        day="2026-04-20", memo="odd metadata", county_code="360827", program_id=7,
                        agreement_id=42, agreement_version=True, patrol_days="2.5", rule=None)
        await ledger.reverse(s, odd.id, appr, "wrong program", effective_date=odd.effective_date.replace(month=6))
        stipend = await s.scalar(select(JournalEntry.id).where(JournalEntry.kind == "stipend").order_by(JournalEntry.id))
        await ledger.reverse(s, stipend, appr, "patrol days not verified")
        await pay(s, kind="payment", src=fund, party_id=hh, amount=100, by=off, approver=None,
                  day="2026-05-02", memo="later", county_code="360827", period="", patrol_days=3.0)


async def _statements(client, auditor, parties: list[int]) -> list[bytes]:
    out = []
    for party in parties:
        for period in PERIODS:
            for fmt in ("json", "csv"):
                r = await client.get(f"/api/v1/statements/{party}?format={fmt}{period}", headers=auditor)
                assert r.status_code == 200, r.text
                out.append(r.content)
    return out


async def test_statements_are_the_same_from_rows_and_from_the_frame(client, db, demo, auditor, monkeypatch):
    await _odd_entries(db, demo)
    async with db.reading() as s:
        parties = [p for p in (await s.scalars(select(Party.id).order_by(Party.id))).all()
                   if await benefit_account_id(s, p) is not None]
    monkeypatch.setattr(statement_rows, "FROM_FRAME", True)
    oracle = await _statements(client, auditor, parties)
    monkeypatch.setattr(statement_rows, "FROM_FRAME", False)
    now = await _statements(client, auditor, parties)
    assert len(parties) > 5 and sum(b.count(b'"reversed"') for b in now) >= 2  # reversals were compared
    for i, (old, new) in enumerate(zip(oracle, now, strict=True)):
        assert old == new, (parties[i // (2 * len(PERIODS))], old[:400], new[:400])


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**15, 10**15), st.text(max_size=8),
                    st.floats(allow_nan=False, allow_infinity=False))


@given(SCALARS)
def test_a_metadata_value_reads_as_the_polars_decoder_reads_it(value):
    decoded = journal._decode(pl.Series([json.dumps({"k": value})]), ["k"])["m_k"][0]
    assert statement_rows._text(value) == decoded
