"""Spreadsheet batches: dry run writes nothing, commit is all-or-nothing and idempotent, batch approval,
bank confirmation files, reconciliation and the bank export."""

from __future__ import annotations

import io

import polars as pl

from tests.compensation.conftest import csv_bytes, id_number, make_program
from tests.helpers import balance

URL = "/api/v1/payments/batches"


def rows_for(world, n: int = 4) -> list[list[str]]:
    out = []
    for i, hh in enumerate(world.households[:n]):
        village = "营盘圩村" if i < 4 else "Zuo'an Village"
        out.append([village, hh["name"], id_number(i + 1)[-4:], f"{i + 1}.50", "", hh["bank_account_tail"]])
    return out


def upload(client, headers, program, content: bytes, name="batch.csv", dry_run=False, key=None, period="2026"):
    h = dict(headers)
    if key:
        h["Idempotency-Key"] = key
    return client.post(URL, params={"dry_run": str(dry_run).lower()}, headers=h,
                       files={"file": (name, content, "text/csv")},
                       data={"program_id": str(program["id"]), "period": period})


async def payments(client, world, **params):
    return (await client.get("/api/v1/payments", headers=world.official, params=params)).json()["items"]


async def test_dry_run_reports_each_problem_and_writes_nothing(client, world, auditor):
    program = await make_program(client, world, fund="1000.00")
    existing = world.households[2]
    r = await client.post("/api/v1/payments", headers=world.official,
                          json={"program_id": program["id"], "payee_party_id": existing["id"], "period": "2026",
                                "area_mu": "1"})
    assert r.status_code == 201
    rows = rows_for(world, 4)
    rows[1][4] = "99.99"  # amount off the rule (2.50 mu x 34.50 = 86.25)
    rows.append(["营盘圩村", "无此人", "9999", "1", "", ""])  # unknown payee
    rows.append(list(rows[0]))  # duplicate row
    rows.append(["No Such Village", "x", "1234", "1", "", ""])
    rows.append(["左安村", world.households[4]["name"], id_number(5)[-4:], "30", "", ""])  # 1035.00: out of funds
    r = await upload(client, world.official, program, csv_bytes(rows), dry_run=True)
    assert r.status_code == 200, r.text
    rep = r.json()
    assert rep["dry_run"] and not rep["ok"] and rep["rows"] == 8
    problems = {(i["row"], i["field"]): i for i in rep["issues"]}
    assert problems[(3, "amount")]["expected"] == "86.25"
    assert "already has a payment" in problems[(4, "household_head")]["problem"]
    assert "unknown payee" in problems[(6, "household_head")]["problem"]
    assert "duplicate row" in problems[(7, "household_head")]["problem"]
    assert "unknown village" in problems[(8, "village")]["problem"]
    assert "out of funds" in problems[(9, "amount")]["problem"]
    assert rep["lines"][0]["ok"] and rep["lines"][0]["amount"] == "51.75"
    assert len(await payments(client, world)) == 1
    # The real run refuses the same file whole.
    r = await upload(client, world.official, program, csv_bytes(rows))
    assert r.status_code == 422 and r.json()["report"]["invalid_rows"] == 6
    assert len(await payments(client, world)) == 1
    assert (await balance(client, auditor, program["fund_account_id"]))["available"] == "965.50"


async def test_one_bad_row_leaves_nothing_written(client, world, auditor):
    program = await make_program(client, world)
    rows = rows_for(world, 4)
    rows[3][2] = "0000"  # wrong ID tail: unknown payee
    before = (await client.get("/api/v1/ledger/head", headers=auditor)).json()
    r = await upload(client, world.official, program, csv_bytes(rows))
    assert r.status_code == 422
    assert await payments(client, world) == []
    assert (await client.get(URL, headers=world.official)).json()["items"] == []
    assert (await client.get("/api/v1/ledger/head", headers=auditor)).json() == before
    assert (await balance(client, auditor, program["fund_account_id"]))["available"] == "5000.00"


async def test_commit_is_idempotent_then_batch_is_approved_paid_and_reconciled(client, world, auditor):
    program = await make_program(client, world)
    content = csv_bytes(rows_for(world, 5))
    r = await upload(client, world.official, program, content, key="batch-1")
    assert r.status_code == 201, r.text
    rep = r.json()
    assert rep["ok"] and rep["batch_id"] and rep["total"] == "603.75"  # 34.50 x (1.5+2.5+3.5+4.5+5.5)
    again = await upload(client, world.official, program, content, key="batch-1")
    assert again.status_code == 201 and again.headers.get("idempotent-replayed") == "true"
    assert again.json()["batch_id"] == rep["batch_id"]
    # Without the key, the same file is refused: it was already committed.
    assert (await upload(client, world.official, program, content)).status_code in (409, 422)
    items = await payments(client, world, batch_id=rep["batch_id"])
    assert len(items) == 5 and {p["status"] for p in items} == {"pending"}
    assert (await balance(client, auditor, program["fund_account_id"]))["available"] == "4396.25"
    # Four eyes on the batch: the uploader cannot approve; another county's approver cannot see it.
    batch_url = f"{URL}/{rep['batch_id']}/approve"
    assert (await client.post(batch_url, headers=world.other_approver)).status_code == 404
    r = await client.post(batch_url, headers=world.approver)
    assert r.status_code == 200, r.text
    assert r.json()["status_counts"] == {"approved": 5} and r.json()["approved_by"]
    assert (await client.post(batch_url, headers=world.approver)).status_code == 409
    # The bank's confirmation marks them paid; the statement reconciles.
    export = await client.get("/api/v1/payments/export", headers=world.official,
                              params={"batch_id": rep["batch_id"], "format": "csv"})
    frame = pl.read_csv(io.BytesIO(export.content), infer_schema=False)
    bank = frame.select(pl.col("payment_ref"), pl.format("BK{}", pl.col("payment_id")).alias("reference"),
                        pl.lit("2026-04-02").alias("date"), pl.col("amount"))
    buf = io.BytesIO()
    bank.write_csv(buf)
    r = await client.post("/api/v1/payments/mark-paid", headers=world.official,
                          files={"file": ("bank.csv", buf.getvalue(), "text/csv")})
    assert r.status_code == 200, r.text
    assert r.json()["marked_paid"] == 5
    statement = bank.drop("payment_ref")
    statement = statement.with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(pl.lit("99.00")).otherwise(pl.col("amount")).alias("amount"))
    statement = pl.concat([statement, pl.DataFrame({"reference": ["BKX"], "date": ["2026-04-02"], "amount": ["5.00"]})])
    statement = statement.filter(pl.col("reference") != f"BK{items[-1]['id']}")
    buf = io.BytesIO()
    statement.write_csv(buf)
    r = await client.post("/api/v1/reconciliations", headers=world.official,
                          files={"file": ("statement.csv", buf.getvalue(), "text/csv")})
    assert r.status_code == 201, r.text
    run = r.json()
    assert (run["matched"], run["amount_differences"], run["unmatched_statement"], run["unmatched_payments"]) == (3, 1, 1, 1)
    assert run["report"]["amount_differences"][0]["difference"] == "47.25"  # 99.00 - 51.75
    assert run["report"]["unmatched_payments"][0]["payment_id"] == items[-1]["id"]
    stored = await client.get(f"/api/v1/reconciliations/{run['id']}", headers=auditor)
    assert stored.status_code == 200 and stored.json()["matched"] == 3
    assert (await client.get(f"/api/v1/reconciliations/{run['id']}", headers=world.other_official)).status_code == 404
    # Program, payees and chain agree.
    assert (await balance(client, auditor, program["fund_account_id"]))["posted"] == "4396.25"
    assert (await balance(client, auditor, world.households[0]["benefit_account_id"]))["posted"] == "51.75"
    assert (await client.get("/api/v1/ledger/verify", headers=auditor)).json()["ok"]


async def test_batch_rows_can_be_approved_one_by_one(client, world):
    program = await make_program(client, world)
    rep = (await upload(client, world.official, program, csv_bytes(rows_for(world, 3)))).json()
    items = await payments(client, world, batch_id=rep["batch_id"])
    r = await client.post(f"/api/v1/payments/{items[0]['id']}/approve", headers=world.approver)
    assert r.status_code == 200
    r = await client.post(f"/api/v1/payments/{items[1]['id']}/reject", headers=world.approver, json={"reason": "moved"})
    assert r.status_code == 200
    r = await client.post(f"{URL}/{rep['batch_id']}/approve", headers=world.approver)
    assert r.status_code == 200 and r.json()["status_counts"] == {"approved": 2, "rejected": 1}


async def test_xlsx_upload_and_english_headers(client, world):
    program = await make_program(client, world)
    hh = world.households[0]
    frame = pl.DataFrame({"Village": ["Yingpanxu"], "Household head": [hh["name"]], "ID number tail": [id_number(1)[-4:]],
                          "Area (mu)": ["2.00"], "Amount": ["69.00"]})
    buf = io.BytesIO()
    frame.write_excel(buf)
    r = await client.post(f"{URL}/dry-run", headers=world.official,
                          files={"file": ("batch.xlsx", buf.getvalue(), "application/octet-stream")},
                          data={"program_id": str(program["id"]), "period": "2026"})
    assert r.status_code == 200, r.text
    assert r.json()["ok"] and r.json()["total"] == "69.00"


async def test_bad_files_are_refused_clearly(client, world):
    program = await make_program(client, world)
    rows = rows_for(world, 2)
    utf16 = csv_bytes(rows).decode().encode("utf-16")  # Excel's "Unicode text": neither UTF-8 nor GB18030
    r = await upload(client, world.official, program, utf16, dry_run=True)
    assert r.status_code == 422 and "UTF-8" in r.json()["detail"] and "GB18030" in r.json()["detail"]
    assert r.json()["errors"][0]["field"] == "file"
    rows[1][1] = "=HYPERLINK(\"http://x\")"
    r = await upload(client, world.official, program, csv_bytes(rows), dry_run=True)
    assert r.status_code == 422 and "formula" in r.json()["detail"]
    r = await upload(client, world.official, program, b"a,b\n1,2\n", dry_run=True)
    assert r.status_code == 422 and "missing column" in r.json()["detail"]
    big = b"x" * (10 * 1024 * 1024 + 10)
    r = await upload(client, world.official, program, big, dry_run=True)
    assert r.status_code == 413
    r = await upload(client, world.official, program, b"\x00\x01garbage", name="x.xlsx", dry_run=True)
    assert r.status_code == 422
    r = await upload(client, world.other_official, program, csv_bytes(rows_for(world, 1)), dry_run=True)
    assert r.status_code == 404


async def test_export_neutralises_formulas(client, world, token_for):
    program = await make_program(client, world)
    # A household whose registered name looks like a formula (typed by someone careless or hostile).
    r = await client.post("/api/v1/parties", headers=world.official, json={
        "kind": "household", "name": "=cmd|' /C calc'!A0", "parent_id": world.villages["ypx"],
        "id_number": id_number(77)})
    hh = r.json()
    r = await client.post("/api/v1/payments", headers=world.official,
                          json={"program_id": program["id"], "payee_party_id": hh["id"], "period": "2026", "area_mu": "1"})
    assert r.status_code == 201
    csv = await client.get("/api/v1/payments/export", headers=world.official, params={"format": "csv"})
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    frame = pl.read_csv(io.BytesIO(csv.content), infer_schema=False)
    assert frame["household_head"].to_list() == ["'=cmd|' /C calc'!A0"]
    xlsx = await client.get("/api/v1/payments/export", headers=world.official, params={"format": "xlsx"})
    assert xlsx.status_code == 200
    frame = pl.read_excel(io.BytesIO(xlsx.content), infer_schema_length=0)
    assert frame["household_head"].to_list() == ["'=cmd|' /C calc'!A0"]
    community = await token_for("community", party_id=hh["id"])
    assert (await client.get("/api/v1/payments/export", headers=community)).status_code == 403
    assert (await client.get("/api/v1/payments/export", headers=world.other_official)).content.count(b"\n") == 1


async def test_gbk_files_from_excel_on_chinese_windows_are_read(client, world, auditor):
    """Issue 17 item 14: Excel on Chinese Windows saves CSV as GBK; that is the clerk's normal file.
    Every CSV reader (batches, bank confirmations, statements) reads it and says how it read it."""
    program = await make_program(client, world)
    text = csv_bytes(rows_for(world, 3)).decode()
    r = await upload(client, world.official, program, text.encode("gbk"), dry_run=True)
    assert r.status_code == 200, r.text
    assert (r.json()["ok"], r.json()["encoding"], r.json()["lines"][0]["village"]) == (True, "GB18030", "营盘圩村")
    bom = await upload(client, world.official, program, "\ufeff".encode() + text.encode(), dry_run=True)
    assert (bom.json()["ok"], bom.json()["encoding"]) == (True, "UTF-8")
    r = await upload(client, world.official, program, text.encode("gbk"))
    assert r.status_code == 201 and r.json()["encoding"] == "GB18030", r.text
    assert (await client.post(f"{URL}/{r.json()['batch_id']}/approve", headers=world.approver)).status_code == 200
    ids = [p["id"] for p in await payments(client, world, batch_id=r.json()["batch_id"])]
    amounts = [p["amount"] for p in await payments(client, world, batch_id=r.json()["batch_id"])]
    bank = "付款编号,交易流水号,交易日期,金额\n" + "".join(
        f"P{i:08d},建行{i},2026-04-02,{a}\n" for i, a in zip(ids, amounts, strict=True))
    r = await client.post("/api/v1/payments/mark-paid", headers=world.official,
                          files={"file": ("回单.csv", bank.encode("gbk"), "text/csv")})
    assert r.status_code == 200, r.text
    assert (r.json()["marked_paid"], r.json()["encoding"]) == (3, "GB18030")
    r = await client.post("/api/v1/reconciliations", headers=world.official,
                          files={"file": ("对账单.csv", bank.encode("gbk"), "text/csv")})
    assert r.status_code == 201, r.text
    assert (r.json()["matched"], r.json()["encoding"]) == (3, "GB18030")
    run = await client.get(f"/api/v1/reconciliations/{r.json()['id']}", headers=auditor)
    assert run.json()["encoding"] == "GB18030"
    frame = pl.DataFrame({"Village": ["Yingpanxu"], "Household head": ["x"], "ID number tail": ["0001"]})
    buf = io.BytesIO()
    frame.write_excel(buf)
    r = await client.post(f"{URL}/dry-run", headers=world.official, files={"file": ("b.xlsx", buf.getvalue(), "x")},
                          data={"program_id": str(program["id"]), "period": "2026-02"})
    assert r.status_code == 200 and r.json()["encoding"] is None  # a workbook has no text encoding
