"""On demo-style data the transparency report, the audit and a household statement agree to the fen."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import polars as pl

from service.reports import publish
from service.reports import transforms as t
from service.pages.render import group
from tests.reports.demo import PROGRAM

D = Decimal


async def test_reports_agree_with_each_other_and_the_ledger(client, demo, auditor, admin):
    refs = demo["refs"]
    pub = (await client.get("/api/v1/reports/transparency")).json()  # no token
    audit = (await client.get("/api/v1/reports/audit", headers=auditor)).json()
    assert pub["as_of"] == audit["as_of"]
    tb = audit["trial_balance"]
    assert tb["balanced"] and tb["total_debits"] == tb["total_credits"]
    accounts = {a["account_code"]: a for a in tb["accounts"]}
    # Money into the ledger = what the provincial source paid in, in both reports.
    assert pub["total"]["money_in"] == accounts["source:jiangxi-finance"]["balance"] == "2050000.00"
    # Money out = everything held by beneficiary accounts (balances from the audit trial balance).
    received = sum(D(a["balance"]) for a in tb["accounts"] if a["account_kind"] == "beneficiary")
    county = {r["county"]: r for r in pub["county_totals"]}
    assert D(county["360827"]["money_out"]) == sum(
        D(a["balance"]) for a in tb["accounts"] if a["account_kind"] == "beneficiary"
        and a["account_code"] in {f"party:{refs[k]}:benefits:CNY" for k in refs if k.startswith(("hh-yingpanxu", "hh-zuoan", "hh-daitang", "daitang"))})
    # Yongxiu has 3 households: below k=5, its figures are hidden and so is the grand total they'd reveal.
    assert county["360425"]["suppressed"] and county["360425"]["money_out"] is None
    assert pub["total"]["suppressed"] and pub["total"]["money_out"] is None
    assert received == D(county["360827"]["money_out"]) + D("9000.00")
    # A household's statement: its total equals its benefits account balance in the audit.
    hh = refs["hh-daitang-1"]
    st = (await client.get(f"/api/v1/statements/{hh}", headers=auditor)).json()
    assert st["total"] == accounts[f"party:{hh}:benefits:CNY"]["balance"]
    assert st["lines"][-1]["running_total"] == st["total"]
    assert {l["kind"] for l in st["lines"]} == {"payment", "stipend"}
    assert any("per mu" in (l["rule"] or "") for l in st["lines"])
    # The statement's payment appears in the audit flows of the program.
    flows = audit["flows"]
    assert any(l["program"] == PROGRAM for l in flows["links"])
    # The reversed 9800.00 nets out of the Zuo'an household: the statement shows both lines, oldest first
    # by date (the reversal is dated the day it was made).
    z = (await client.get(f"/api/v1/statements/{refs['hh-zuoan-2']}", headers=auditor)).json()
    original = next(l for l in z["lines"] if l["amount"] == "9800.00")
    reversal = next(l for l in z["lines"] if l["amount"] == "-9800.00")
    assert original["state"] == "reversed" and reversal["state"] == "reversal" and reversal["reversal"]
    assert [l["date"] for l in z["lines"]] == sorted(l["date"] for l in z["lines"])
    assert [l["amount"] for l in z["lines"] if l["amount"] != "-9800.00"][:2] == ["9800.00", "980.00"]
    # Patrol effort next to stipends, in the county cell of the stipend period.
    cell = next(c for c in pub["cells"] if c["period"] == "2026-05")
    assert cell["patrol_days"] == sum(10 + i for i in range(7)) and cell["stipends"] == "7280.00"


async def test_parquet_journal_rederives_the_transparency_figures(client, demo, auditor, settings):
    pub = (await client.get("/api/v1/reports/transparency")).json()
    r = await client.get("/api/v1/reports/journal", headers=auditor)
    assert r.status_code == 200 and r.headers["x-ledger-sequence"] == str(pub["as_of"]["sequence"])
    lines = pl.read_parquet(io.BytesIO(r.content))
    tables = publish.transparency_tables(t.enrich(lines), settings.k_anonymity)
    derived = {c["county"]: c for c in tables["county_totals"]}
    for row in pub["county_totals"]:
        d = derived[row["county"]]
        assert row["money_in"] == f"{d['money_in'] // 100}.{d['money_in'] % 100:02d}"
        if not row["suppressed"]:
            assert D(row["money_out"]) * 100 == d["money_out"] and row["households"] == d["households"]


async def test_same_point_same_bytes_and_the_past_stays(client, demo, auditor, admin, db):
    urls = [
        ("/api/v1/reports/transparency?format=json", {}), ("/api/v1/reports/transparency?format=csv", {}),
        ("/api/v1/reports/transparency?format=parquet", {}), ("/api/v1/reports/transparency?format=xlsx", {}),
        ("/api/v1/reports/transparency?format=html", {}), ("/api/v1/reports/audit", auditor),
        ("/api/v1/reports/audit?format=xlsx", auditor), (f"/api/v1/statements/{demo['refs']['hh-daitang-2']}", auditor),
        ("/api/v1/reports/open-data/360giving", auditor),
    ]
    first = [(await client.get(u, headers=h)) for u, h in urls]
    assert all(r.status_code == 200 for r in first), [r.text[:200] for r in first if r.status_code != 200]
    again = [(await client.get(u, headers=h)).content for u, h in urls]
    assert [r.content for r in first] == again
    seq = int(first[0].headers["x-ledger-sequence"])
    # A new payment moves the head; asking at the old sequence gives the old bytes.
    from tests.reports.demo import pay
    async with db.writing() as s:
        a = demo["actors"]
        await pay(s, kind="payment", src=demo["refs"]["fund:360827:eco-compensation"],
                  party_id=demo["refs"]["hh-daitang-2"], amount=12345, by=a["official:360827"],
                  approver=a["approver:360827"], day="2026-06-01", memo="late payment", county_code="360827",
                  period="2026", program_id=PROGRAM)
    now = await client.get(urls[0][0])
    assert json.loads(now.content)["as_of"]["sequence"] == seq + 1
    for (u, h), old in zip(urls, again):
        sep = "&" if "?" in u else "?"
        assert (await client.get(f"{u}{sep}as_of_sequence={seq}", headers=h)).content == old, u


async def test_no_personal_field_in_public_outputs(client, demo, db):
    from sqlalchemy import select

    from service.parties.models import Party

    async with db.reading() as s:
        people = (await s.execute(select(Party).where(Party.kind.in_(["household", "person"])))).scalars().all()
    needles = set()
    for p in people:
        needles.add(p.name)  # ID and bank tails are 4 digits: checked below by field name, not by value
        needles |= {part for part in p.name.split() if len(part) > 2 and not part.isascii()}
    assert needles
    for fmt in ("json", "csv", "html"):
        body = (await client.get(f"/api/v1/reports/transparency?format={fmt}")).content.decode("utf-8-sig")
        assert not [n for n in needles if n in body], fmt
        assert not [k for k in ("party_id", "id_number", "bank_account", "tail", "payee") if k in body], fmt
    body = (await client.get("/transparency")).text
    assert not [n for n in needles if n in body]
    for fmt in ("parquet", "xlsx"):
        r = await client.get(f"/api/v1/reports/transparency?format={fmt}")
        frame = pl.read_parquet(io.BytesIO(r.content)) if fmt == "parquet" else pl.read_excel(io.BytesIO(r.content), sheet_name="figures")
        text = frame.write_csv()
        assert not [n for n in needles if n in text]
        assert "party_id" not in frame.columns


async def test_access_rules(client, demo, token_for, auditor):
    refs = demo["refs"]
    me, other = refs["hh-daitang-1"], refs["hh-daitang-2"]
    community = await token_for("community", party_id=me)
    assert (await client.get(f"/api/v1/statements/{me}", headers=community)).status_code == 200
    assert (await client.get(f"/api/v1/statements/{other}", headers=community)).status_code == 404
    yongxiu = await token_for("official", county_code="360425")
    assert (await client.get(f"/api/v1/statements/{me}", headers=yongxiu)).status_code == 404
    suichuan = await token_for("official", county_code="360827")
    assert (await client.get(f"/api/v1/statements/{me}", headers=suichuan)).status_code == 200
    assert (await client.get("/api/v1/reports/audit", headers=suichuan)).status_code == 403
    assert (await client.get("/api/v1/reports/audit")).status_code == 401
    assert (await client.get("/api/v1/reports/journal", headers=community)).status_code == 403
    assert (await client.get("/api/v1/reports/transparency?as_of_sequence=999999")).status_code == 422
    assert (await client.get(f"/api/v1/statements/{me}?period=2026-13x", headers=auditor)).status_code == 422


async def test_statement_code_is_checkable_publicly_and_tamper_evident(client, demo, auditor):
    hh = demo["refs"]["hh-daitang-3"]
    st = (await client.get(f"/api/v1/statements/{hh}", params={"period": "2026"}, headers=auditor)).json()
    r = await client.get(st["verify_url"])
    body = r.json()
    assert r.status_code == 200 and body["valid"] and body["total"] == st["total"] and body["entries"] == st["entries"]
    assert "name" not in json.dumps(body)
    forged = st["verification_code"][:-1] + ("0" if st["verification_code"][-1] != "0" else "1")
    assert (await client.get(f"/api/v1/statements/verify/{forged}")).json()["valid"] is False
    other_period = st["verification_code"].replace(".2026.", ".2025.")
    assert (await client.get(f"/api/v1/statements/verify/{other_period}")).json()["valid"] is False
    assert (await client.get("/api/v1/statements/verify/garbage")).status_code == 422
    html = await client.get(f"/api/v1/statements/{hh}?format=html&lang=zh&period=2026", headers=auditor)
    assert "对账单" in html.text and st["verification_code"] in html.text and group(st["total"]) in html.text
    en = await client.get(f"/api/v1/statements/{hh}?format=html", headers={**auditor, "Accept-Language": "en-GB"})
    assert "Benefit statement" in en.text
    csv = await client.get(f"/api/v1/statements/{hh}?format=csv", headers=auditor)
    assert csv.text.lstrip("\ufeff").splitlines()[0].startswith("sequence,date,kind")


async def test_trial_balance_by_sequence_and_date_and_flows_by_dimension(client, demo, auditor):
    at2 = (await client.get("/api/v1/reports/audit/trial-balance?as_of_sequence=2", headers=auditor)).json()
    assert at2["as_of"]["sequence"] == 2 and at2["balanced"] and at2["total_debits"] == "2050000.00"
    jan = (await client.get("/api/v1/reports/audit/trial-balance?as_of_date=2026-01-31", headers=auditor)).json()
    codes = {a["account_code"]: a["balance"] for a in jan["accounts"]}
    assert codes == {"source:jiangxi-finance": "2050000.00", "fund:360827:eco-compensation": "1200000.00",
                     "fund:360425:eco-compensation": "850000.00"}
    for by in ("county", "period", "trust"):
        flows = (await client.get(f"/api/v1/reports/audit/flows?by={by}", headers=auditor)).json()
        names = {n["name"] for n in flows["nodes"]}
        assert flows["by"] == by and "source:jiangxi-finance" in names
        assert not [n for n in names if n.startswith("party:") and "households" in n]
        assert any(n.startswith("households of village") for n in names)  # households grouped, never named
    bad = await client.get("/api/v1/reports/audit/flows?by=colour", headers=auditor)
    assert bad.status_code in (400, 422)
    rec = (await client.get("/api/v1/reports/audit/reconciliation", headers=auditor)).json()
    assert {(r["kind"], r["status"]) for r in rec["statuses"]} >= {("payment", "awaiting_bank_reference")}
