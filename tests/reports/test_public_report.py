"""The public transparency report as a reader gets it: every table, every filter, every format."""

from __future__ import annotations

import json
import re

import anyio

from service.ledger import service as ledger
from service.reports import publish
from service.reports import service as reports
from service.reports import transforms as t
from tests.reports.demo import pay
from tests.reports.public import as_text, transparency_texts
from tests.reports.test_cli import _invoke

# Yongxiu has 3 households, each paid 3000.00 in 2026-02 (9000.00 in all): figures about 1..4 households.
YONGXIU = re.compile(r"(?<![\d,.])[39],?000(?:\.00)?(?![\d,])")
FILTERS = [{}, {"county": "360425"}, {"program": "P-360425-wetland-2026"}, {"period": "2026"},
           {"period": "2026-02"}, {"county": "360425", "period": "2026"}]


async def test_a_small_county_is_hidden_in_every_table_filter_and_format(client, demo):
    for params in FILTERS:
        texts = await transparency_texts(client, **params)
        for fmt, text in texts.items():
            assert not YONGXIU.findall(text), (params, fmt, YONGXIU.findall(text))
        doc = json.loads(texts["json"])
        for table in ("cells", "county_totals", "months", "gender", "villages"):
            for row in doc[table]:
                if row.get("households") is not None:
                    assert row["households"] == 0 or row["households"] >= doc["k_anonymity"], (params, table, row)
        february = [m for m in doc["months"] if m["month"] == "2026-02"]
        assert all(m["suppressed"] and m["money_out"] is None for m in february), params


async def test_the_cli_report_hides_the_same(client, demo, settings, monkeypatch, tmp_path):
    for fmt, args in (("xlsx", ["--county", "360425"]), ("json", ["--period", "2026"]), ("csv", [])):
        out = tmp_path / f"t.{fmt}"
        result = await anyio.to_thread.run_sync(lambda: _invoke(
            monkeypatch, settings, ["report", "transparency", "--format", fmt, *args, "--out", str(out)]))
        assert result.exit_code == 0, result.output
        assert not YONGXIU.findall(as_text(fmt, out.read_bytes())), fmt


async def test_household_counts_are_net_of_reversals(client, demo, db):
    """Five households paid under a new program, one payment reversed: four households, too few to publish."""
    refs, a = demo["refs"], demo["actors"]
    paid = [refs[f"hh-yingpanxu-{i}"] for i in range(1, 6)]
    async with db.writing() as s:
        entries = [await pay(s, kind="payment", src=refs["fund:360827:eco-compensation"], party_id=hh, amount=10000,
                             by=a["official:360827"], approver=a["approver:360827"], day="2026-06-03", memo="net test",
                             county_code="360827", period="2026", program_id="P-net") for hh in paid]
        await ledger.reverse(s, entries[0].id, a["approver:360827"], "paid to the wrong household")
    doc = (await client.get("/api/v1/reports/transparency", params={"program": "P-net"})).json()
    [cell] = doc["cells"]
    assert cell["suppressed"] and cell["households"] is None and cell["money_out"] is None
    assert doc["total"]["suppressed"]
    # with k = 4 the cell is published and says 4 households, not 5
    async with db.reading() as s:
        _, frame = await reports._enriched(s, None, keys=t.TRANSPARENCY_KEYS)
    tables = publish.transparency_tables(frame, 4, program="P-net")
    assert tables["cells"][0]["households"] == 4 and not tables["cells"][0]["suppressed"]
    assert tables["cells"][0]["money_out"] == 40000


async def test_corrections_count_in_the_month_they_correct_and_periods_say_year_or_month(client, demo):
    doc = (await client.get("/api/v1/reports/transparency")).json()
    assert all(m["money_out"] is None or not m["money_out"].startswith("-") for m in doc["months"])
    # Zuo'an's 9800.00 of 2026-03-12 was reversed later: March carries the net, no later month goes negative
    assert [m["month"] for m in doc["months"]] == sorted(m["month"] for m in doc["months"])
    assert not [m for m in doc["months"] if m["month"] > "2026-05"]
    assert any("month of the entry it" in n for n in doc["notes"])
    kinds = {(c["period"], c["period_kind"]) for c in doc["cells"]}
    assert ("2026", "year") in kinds and ("2026-05", "month") in kinds
    csv = (await client.get("/api/v1/reports/transparency?format=csv")).text
    assert "period_kind" in csv.splitlines()[0]


async def test_text_formats_name_their_charset_once(client, demo, auditor):
    for url, headers in (("/api/v1/reports/transparency?format=csv", {}), ("/api/v1/reports/transparency?format=html", {}),
                         ("/api/v1/reports/open-data/360giving?format=csv", auditor), ("/transparency", {}),
                         (f"/api/v1/statements/{demo['refs']['hh-daitang-1']}?format=csv", auditor),
                         (f"/api/v1/statements/{demo['refs']['hh-daitang-1']}?format=html", auditor)):
        r = await client.get(url, headers=headers)
        assert r.status_code == 200, url
        assert r.headers["content-type"].lower().count("charset") == 1, (url, r.headers["content-type"])


async def test_a_period_that_is_not_a_year_or_month_is_refused(client, demo):
    r = await client.get("/api/v1/reports/transparency", params={"period": "202"})
    assert r.status_code == 422 and "period" in r.text
