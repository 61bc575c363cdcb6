"""A household's statement says, line by line, what was paid (and when the bank paid it), what is
approved but still on its way, and what was reversed; its totals keep the two apart."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from service import seed as seeding
from service.pages.render import group

SEED = Path(__file__).resolve().parents[2] / "seed"


def _fisher(ctx, n: int) -> int:
    households = json.loads((SEED / "compensation" / "households.json").read_text())
    return ctx.refs[[h for h in households if h["village"] == "xiaohu"][n]["key"]]


async def test_statement_lines_show_paid_on_its_way_and_reversed(client, db, settings, token_for, auditor):
    ctx = await seeding.load(db, settings, progress=lambda _: None, only=("core", "compensation"))
    hh = _fisher(ctx, 10)  # fishing-ban months 2026-01 and 2026-02 approved, not paid; 2026-03 entered
    official = await token_for("official", county_code="360425")
    approver = await token_for("approver", county_code="360425")
    payments = (await client.get("/api/v1/payments", params={"payee_party_id": hh}, headers=official)).json()["items"]
    by_period = {p["period"]: p for p in payments}
    r = await client.post(f"/api/v1/payments/{by_period['2026-01']['id']}/mark-paid",
                          json={"bank_reference": "YXYZ-TEST-0001", "paid_on": "2026-01-30"}, headers=official)
    assert r.status_code == 200, r.text
    march = by_period["2026-03"]["id"]
    assert (await client.post(f"/api/v1/payments/{march}/approve", headers=approver)).status_code == 200
    r = await client.post(f"/api/v1/payments/{march}/reverse", json={"reason": "not a fisher in March"}, headers=official)
    assert r.status_code == 200, r.text

    own = await token_for("community", party_id=hh)
    doc = (await client.get(f"/api/v1/statements/{hh}", headers=own)).json()
    lines = doc["lines"]
    assert [l["date"] for l in lines] == sorted(l["date"] for l in lines)  # oldest first by date
    states = [(l["date"], l["state"], l["paid_on"], l["amount"]) for l in lines]
    assert states[:3] == [("2026-01-25", "paid", "2026-01-30", "800.00"), ("2026-02-25", "approved", None, "800.00"),
                          ("2026-03-25", "reversed", None, "800.00")]
    assert states[3][1:] == ("reversal", None, "-800.00")
    assert (doc["paid"], doc["on_its_way"], doc["corrections"], doc["total"]) == ("800.00", "800.00", "0.00", "1600.00")
    assert Decimal(doc["paid"]) + Decimal(doc["on_its_way"]) + Decimal(doc["corrections"]) == Decimal(doc["total"])
    assert lines[-1]["running_total"] == doc["total"]

    csv = (await client.get(f"/api/v1/statements/{hh}?format=csv", headers=own)).text.lstrip("\ufeff").splitlines()
    header = csv[0].split(",")
    assert "state" in header and "paid_on" in header
    assert csv[1].split(",")[header.index("state")] == "paid" and csv[1].split(",")[header.index("paid_on")] == "2026-01-30"

    zh = (await client.get(f"/api/v1/statements/{hh}?format=html&lang=zh", headers=own)).text
    assert "合计收到" not in zh and "已到账 2026-01-30" in zh and "已批准，在途" in zh and "已冲正" in zh
    assert f'id="statement-paid">¥{group(doc["paid"])}' in zh and f'id="statement-on-its-way">¥{group(doc["on_its_way"])}' in zh
    en = (await client.get(f"/api/v1/statements/{hh}?format=html&lang=en", headers=own)).text
    assert "paid 2026-01-30" in en and "approved, on its way" in en and "Paid to you" in en and "Total received" not in en
    # the public check still confirms the statement
    check = (await client.get(f"/api/v1/statements/verify/{doc['verification_code']}")).json()
    assert check["valid"] and check["total"] == doc["total"]


async def test_other_credits_read_as_paid_on_their_date(client, demo, auditor):
    hh = demo["refs"]["hh-daitang-1"]
    doc = (await client.get(f"/api/v1/statements/{hh}", headers=auditor)).json()
    assert {(l["kind"], l["state"]) for l in doc["lines"]} == {("payment", "paid"), ("stipend", "paid")}
    assert all(l["paid_on"] == l["date"] for l in doc["lines"])
    assert doc["paid"] == doc["total"] and doc["on_its_way"] == "0.00"
