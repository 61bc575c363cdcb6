"""The reports read their dimensions from typed entry columns; the oracle is the older path that
decodes them from each entry's metadata JSON at read time. At the same head, on the demo data, every
report, statement and export must come out byte for byte the same from both."""

from __future__ import annotations

from service.reports import journal
from service.reports import service as reports


def urls(demo):
    hh = demo["refs"]["hh-daitang-2"]
    return [
        "/api/v1/reports/transparency?format=json", "/api/v1/reports/transparency?format=csv",
        "/api/v1/reports/transparency?format=parquet", "/api/v1/reports/transparency?format=html",
        "/api/v1/reports/transparency?format=json&county=360827&period=2026",
        "/api/v1/reports/audit", "/api/v1/reports/audit?flows_by=county", "/api/v1/reports/audit?format=xlsx",
        f"/api/v1/statements/{hh}", f"/api/v1/statements/{hh}?format=csv", "/api/v1/reports/journal",
        "/api/v1/reports/open-data/360giving", "/api/v1/reports/open-data/360giving?format=csv",
    ]


async def _fetch(client, demo, auditor) -> list[bytes]:
    reports._CACHE.clear()
    out = []
    for u in urls(demo):
        r = await client.get(u, headers=auditor)
        assert r.status_code == 200, (u, r.text[:300])
        out.append(r.content)
    return out


async def test_reports_are_byte_identical_from_columns_and_from_metadata(client, demo, auditor, monkeypatch):
    monkeypatch.setattr(journal, "FROM_METADATA", True, raising=False)
    oracle = await _fetch(client, demo, auditor)
    monkeypatch.setattr(journal, "FROM_METADATA", False, raising=False)
    now = await _fetch(client, demo, auditor)
    for u, old, new in zip(urls(demo), oracle, now, strict=True):
        assert old == new, u


async def test_the_audit_reading_only_its_keys_equals_the_audit_reading_every_key(client, demo, auditor, monkeypatch):
    audits = [u for u in urls(demo) if "/audit" in u]
    monkeypatch.setattr(reports, "AUDIT_KEYS", journal.ALL_KEYS)
    every = [(await client.get(u, headers=auditor)).content for u in audits]
    monkeypatch.undo()
    assert reports.AUDIT_KEYS != journal.ALL_KEYS
    for u, old in zip(audits, every, strict=True):
        assert (await client.get(u, headers=auditor)).content == old, u
