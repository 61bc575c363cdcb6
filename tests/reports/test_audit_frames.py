"""The audit computed per entry and per account (reports/audit_frames.py) is byte for byte the audit
computed from every posting enriched with its entry's metadata (the oracle), on the demo ledger and
on the planted anomalies; and the audit's typed columns (migration 0017) hold what the metadata says."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from service.ledger import dimensions
from service.ledger.models import JournalEntry
from service.reports import journal
from service.reports import service as reports
from tests.helpers import append_only_off
from tests.reports.test_anomalies import _ledger

AUDITS = ["/api/v1/reports/audit", "/api/v1/reports/audit?flows_by=county", "/api/v1/reports/audit?flows_by=trust",
          "/api/v1/reports/audit?flows_by=period", "/api/v1/reports/audit?flows_by=", "/api/v1/reports/audit?format=xlsx",
          "/api/v1/reports/audit?as_of_date=2026-03-31", "/api/v1/reports/audit?as_of_sequence=5"]


async def _both(client, auditor, monkeypatch) -> list[tuple[str, bytes, bytes, bytes]]:
    """Each audit from the oracle (every posting, metadata decoded; every posting, typed columns) and
    per entry."""
    out = []
    for url in AUDITS:
        got = []
        for per_entry, from_metadata in ((False, True), (False, False), (True, False)):
            monkeypatch.setattr(reports, "AUDIT_PER_ENTRY", per_entry)
            monkeypatch.setattr(journal, "FROM_METADATA", from_metadata)
            r = await client.get(url, headers=auditor)
            assert r.status_code in (200, 422), (url, r.text[:300])
            got.append(r.content)
        out.append((url, *got))
    return out


async def test_the_audit_per_entry_is_the_audit_per_posting_on_the_demo_ledger(client, demo, auditor, monkeypatch):
    for url, decoded, columns, per_entry in await _both(client, auditor, monkeypatch):
        assert decoded == columns == per_entry, url


async def test_the_audit_per_entry_finds_every_planted_anomaly_as_the_oracle_does(client, db, auditor, monkeypatch):
    await _ledger(db, plant=True)
    results = await _both(client, auditor, monkeypatch)
    for url, decoded, columns, per_entry in results:
        assert decoded == columns == per_entry, url
    assert b"amount_above_rule" in results[0][3] and b"duplicate_payment" in results[0][3]


async def test_the_audit_columns_hold_the_metadata_and_the_backfill_writes_the_same(db):
    await _ledger(db, plant=True)
    cols = dimensions.AUDIT_ONLY
    async with db.writing() as s:
        written = {i: (meta, vals) for i, meta, *vals in
                   (await s.execute(select(JournalEntry.id, JournalEntry.meta,
                                           *[getattr(JournalEntry, c) for c in cols]))).all()}
        assert any(v for _, vals in written.values() for v in vals)  # the planted anomalies carry these keys
        for meta, vals in written.values():
            assert dict(zip(cols, vals, strict=True)) == {c: dimensions.as_text(meta.get(dimensions.COLUMNS[c]))
                                                          for c in cols}
        async with append_only_off(s, s.bind.dialect.name == "sqlite"):
            await s.execute(update(JournalEntry).values({c: None for c in cols}))
        await s.connection()

        def refill(conn) -> None:
            dimensions.backfill(conn, only=cols)

        await (await s.connection()).run_sync(refill)
        again = {i: tuple(vals) for i, *vals in
                 (await s.execute(select(JournalEntry.id, *[getattr(JournalEntry, c) for c in cols]))).all()}
    assert again == {i: tuple(vals) for i, (_, vals) in written.items()}


@pytest.mark.parametrize("value", ["1000.00", 1000, "12.5", True, "", "not money", {"a": 1}, [1, 2], None])
def test_a_limit_read_from_its_column_is_the_limit_decoded_from_metadata(value):
    """The limits are kept as the JSON text of the value; the reports parse that text as they parsed
    the decoded value."""
    import json

    import polars as pl

    text = dimensions.as_text(value)
    decoded = journal._decode(pl.Series([json.dumps({"rule_max": value})]), ["rule_max"])["m_rule_max"]
    assert decoded.to_list() == [text]
    assert (journal._mapped(pl.Series([text], dtype=pl.String), journal._minor).to_list()
            == journal._mapped(decoded, journal._minor).to_list())
