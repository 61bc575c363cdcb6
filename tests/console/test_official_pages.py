"""The official's pages over HTTP: dashboard, entering a payment, batch upload, lists, bank files."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from service.compensation.models import Payment, PaymentBatch
from tests.console.official_world import SAMPLE_BATCH, suichuan
from tests.console.support import browser_for


@pytest.fixture
async def world(db, settings):
    return await suichuan(db, settings)


async def test_dashboard_shows_the_countys_funds_and_work(client, world):
    clerk = await browser_for(client, "clerk")
    r = await clerk.get("/console/", )
    assert r.status_code == 303 and r.headers["location"] == "/console/official"
    r = await clerk.get("/console/official")
    assert r.status_code == 200, r.text[:500]
    assert "fund:360827:eco-compensation" in r.text and "fund:360425" not in r.text
    assert 'id="pending"' in r.text and 'id="activity"' in r.text


async def _payment_form(clerk, world, **extra):
    form = await clerk.form(f"/console/payments/new?payee_party_id={world['payee']}")
    return {**form, "program_id": str(world["program"]), "payee_party_id": str(world["payee"]), "period": "2026",
            "area_mu": world["payee_mu"], **extra}


async def test_entering_a_payment_prices_it_first_then_a_double_submit_writes_once(client, db, world):
    clerk = await browser_for(client, "clerk")
    values = await _payment_form(clerk, world)
    r = await clerk.request("POST", "/console/payments/price?lang=zh", data=values)
    assert r.status_code == 200, r.text[:800]
    assert "每亩每年 21.50 元" in r.text and world["payee_name"] in r.text
    assert f'value="{values["_form_key"]}"' in r.text  # the priced form keeps its one-time key
    first = await clerk.request("POST", "/console/payments", data=values)
    assert first.status_code == 303, first.text[:800]
    again = await clerk.request("POST", "/console/payments", data=values)  # a double click / browser retry
    assert again.status_code == 303 and again.headers["location"] == first.headers["location"]
    async with db.reading() as s:
        assert await s.scalar(select(func.count()).select_from(Payment)
                              .where(Payment.payee_party_id == world["payee"], Payment.period == "2026")) == 1
    page = await clerk.get(first.headers["location"].split("?")[0])
    assert "pending" in page.text and "21.50 CNY per mu per year" in page.text


async def test_a_duplicate_payment_is_refused_next_to_the_payee_and_the_form_keeps_its_values(client, world):
    clerk = await browser_for(client, "clerk")
    r = await clerk.request("POST", "/console/payments", data=await _payment_form(clerk, world, memo="first"))
    assert r.status_code == 303
    r = await clerk.request("POST", "/console/payments?lang=zh", data=await _payment_form(clerk, world, memo="again"))
    assert r.status_code == 409
    error = re.search(r'<p id="e-payee_party_id" class="error" role="alert">([^<]*)</p>', r.text)
    assert error and "该收款人在本项目本期间已有款项" in error.group(1)
    assert 'value="again"' in r.text and f'value="{world["payee_mu"]}"' in r.text


async def test_an_official_of_another_county_cannot_price_or_enter_here(client, world):
    other = await browser_for(client, "yongxiu-clerk")
    values = await _payment_form(other, world)
    r = await other.request("POST", "/console/payments", data=values)
    assert r.status_code == 404 and "program" in r.text
    assert (await other.get(f"/console/programs/{world['program']}")).status_code == 404
    assert (await other.get(f"/console/households/{world['payee']}")).status_code == 404


async def test_batch_dry_run_table_then_one_button_commit(client, db, world):
    clerk = await browser_for(client, "clerk")
    form = await clerk.form("/console/batches")
    content = SAMPLE_BATCH.read_bytes()
    r = await clerk.request("POST", "/console/batches/dry-run", data={**form, "program_id": str(world["program"]),
                                                                      "period": "2026"},
                            files={"file": ("sample-batch.csv", content, "text/csv")})
    assert r.status_code == 200, r.text[:800]
    assert r.text.count('data-row="') == 40 and 'class="problem"' not in r.text
    async with db.reading() as s:
        assert await s.scalar(select(func.count()).select_from(PaymentBatch)) == 1  # the seed's; nothing new
    commit = {"_csrf_token": form["_csrf_token"],
              "_form_key": re.search(r'id="commit-form">\s*<input type="hidden" name="_csrf_token" value="[^"]*">\s*'
                                     r'<input type="hidden" name="_form_key" value="([^"]*)"', r.text).group(1),
              "upload_id": re.search(r'name="upload_id" value="([^"]*)"', r.text).group(1)}
    done = await clerk.request("POST", "/console/batches/commit", data=commit)
    assert done.status_code == 303, done.text[:800]
    twice = await clerk.request("POST", "/console/batches/commit", data=commit)
    assert twice.status_code == 303 and twice.headers["location"] == done.headers["location"]
    async with db.reading() as s:
        assert await s.scalar(select(func.count()).select_from(PaymentBatch)) == 2
    page = await clerk.get(done.headers["location"].split("?")[0])
    assert page.status_code == 200 and page.text.count('<td><span class="status status-pending">') == 40


async def test_a_bad_batch_row_is_highlighted_and_cannot_be_committed(client, world):
    clerk = await browser_for(client, "clerk")
    form = await clerk.form("/console/batches")
    lines = SAMPLE_BATCH.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(lines[3].split(",")[1], "无此人")
    r = await clerk.request("POST", "/console/batches/dry-run", data={**form, "program_id": str(world["program"]),
                                                                      "period": "2026"},
                            files={"file": ("bad.csv", "\n".join(lines).encode(), "text/csv")})
    assert r.status_code == 422
    assert r.text.count('class="problem"') == 1 and 'data-row="4"' in r.text
    assert 'id="commit-form"' not in r.text and 'id="batch-errors"' in r.text


async def test_payments_list_filters_and_exports(client, world):
    clerk = await browser_for(client, "clerk")
    r = await clerk.get("/console/payments?status=paid")
    assert r.status_code == 200
    assert "status-paid" in r.text and "status-pending" not in r.text
    csv = await clerk.get("/console/payments/export?format=csv&status=paid")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0].lstrip("\ufeff").startswith("payment_ref") and len(csv.text.splitlines()) > 2
    xlsx = await clerk.get("/console/payments/export?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


async def test_household_registry_search_register_and_statement(client, world):
    clerk = await browser_for(client, "clerk")
    r = await clerk.get(f"/console/households?name={world['payee_name']}")
    assert r.status_code == 200 and f'/console/households/{world["payee"]}"' in r.text
    r = await clerk.get("/console/households?village=戴家埔")
    assert r.text.count('href="/console/households/') > 3
    page = await clerk.get(f"/console/households/{world['payee']}")
    assert page.status_code == 200 and 'id="statement"' in page.text
    form = await clerk.form("/console/households/new")
    village = re.search(r'<option value="(\d+)" >', (await clerk.get("/console/households/new")).text).group(1)
    r = await clerk.request("POST", "/console/households", data={**form, "name": "新登记户", "parent_id": village,
                                                                 "id_number": "360827199001011234",
                                                                 "bank_account_tail": "1234"})
    assert r.status_code == 303, r.text[:800]
    page = await clerk.get(r.headers["location"].split("?")[0])
    assert "新登记户" in page.text and "1234" in page.text and "360827199001011234" not in page.text


async def test_program_create_and_fund(client, world):
    clerk = await browser_for(client, "clerk")
    form = await clerk.form("/console/programs")
    r = await clerk.request("POST", "/console/programs", data={
        **form, "name": "Test wetland 2026", "legal_basis": "Sui Cai [2026] 9", "period_start": "2026-01-01",
        "period_end": "2026-12-31", "rule_kind": "per_household", "rate": "300.00"})
    assert r.status_code == 303, r.text[:800]
    path = r.headers["location"].split("?")[0]
    page = await clerk.get(path)
    source = re.search(r'<option value="(\d+)" >[^<]*fund:360827:eco-compensation', page.text).group(1)
    form = await clerk.form(path)
    r = await clerk.request("POST", f"{path}/funding", data={**form, "source_account_id": source, "amount": "999999999.00"})
    assert r.status_code == 422 and "Not enough money" in r.text  # refused next to the amount, in words
    assert 'value="999999999.00"' in r.text
    form = await clerk.form(path)
    r = await clerk.request("POST", f"{path}/funding", data={**form, "source_account_id": source, "amount": "1000.00"})
    assert r.status_code == 303, r.text[:800]
    page = await clerk.get(r.headers["location"])  # four eyes: entered, not yet in the program
    assert "when a second official approves it" in page.text


async def test_community_user_is_refused_every_official_page(client, world):
    household = await browser_for(client, "household")
    for path in ("/console/official", "/console/households", f"/console/households/{world['payee']}",
                 "/console/programs", f"/console/programs/{world['program']}", "/console/payments",
                 "/console/payments/new", "/console/payments/export", "/console/batches", "/console/bank"):
        r = await household.get(path)
        assert r.status_code in (403, 404), (path, r.status_code)


async def _approved_payment(client, db, world, clerk) -> str:
    from service.auth.actor import Actor
    from service.compensation import service as comp

    r = await clerk.request("POST", "/console/payments", data=await _payment_form(clerk, world))
    assert r.status_code == 303
    path = r.headers["location"].split("?")[0]
    approver = Actor(user_id=world["approver"], name="Guo Hua", role="approver", county_code="360827")
    async with db.writing() as s:
        await comp.approve(s, approver, int(path.rsplit("/", 1)[1]))
    return path


async def test_mark_paid_then_reconcile_then_reverse_with_a_reason(client, db, world):
    clerk = await browser_for(client, "clerk")
    path = await _approved_payment(client, db, world, clerk)
    form = await clerk.form(path)
    r = await clerk.request("POST", f"{path}/mark-paid", data={**form, "bank_reference": "JXNX-CONSOLE-1",
                                                                "paid_on": "2100-01-01"})
    assert r.status_code == 422 and "in the future" in r.text  # refused by the field, values kept
    assert 'value="JXNX-CONSOLE-1"' in r.text
    form = await clerk.form(path)
    r = await clerk.request("POST", f"{path}/mark-paid", data={**form, "bank_reference": "JXNX-CONSOLE-1",
                                                                "paid_on": "2026-05-02"})
    assert r.status_code == 303, r.text[:800]
    form = await clerk.form("/console/bank")
    statement = b"reference,date,amount\nJXNX-CONSOLE-1,2026-05-02,399.90\nUNKNOWN-1,2026-05-02,10.00\n"
    r = await clerk.request("POST", "/console/bank/reconciliations", data=form,
                            files={"file": ("statement.csv", statement, "text/csv")})
    assert r.status_code == 303, r.text[:800]
    run = await clerk.get(r.headers["location"])
    assert run.status_code == 200 and 'id="rec-matched">1<' in run.text and "UNKNOWN-1" in run.text
    form = await clerk.form(path)
    r = await clerk.request("POST", f"{path}/reverse", data={**form, "reason": "area double-counted"})
    assert r.status_code == 303, r.text[:800]
    page = await clerk.get(path)
    assert "status-reversed" in page.text and "area double-counted" in page.text


async def test_bank_confirmation_file_marks_payments_paid(client, db, world):
    from service.compensation.batches import payment_ref

    clerk = await browser_for(client, "clerk")
    path = await _approved_payment(client, db, world, clerk)
    ref = payment_ref(int(path.rsplit("/", 1)[1]))
    form = await clerk.form("/console/bank")
    content = f"payment_ref,reference,date,amount\n{ref},JXNX-FILE-1,2026-05-03,399.90\n".encode()
    r = await clerk.request("POST", "/console/bank/mark-paid", data=form,
                            files={"file": ("paid.csv", content, "text/csv")})
    assert r.status_code == 200 and 'id="marked"' in r.text, r.text[:800]
    assert "status-paid" in (await clerk.get(path)).text


async def test_a_missing_field_is_named_in_the_users_language(client, world):
    clerk = await browser_for(client, "clerk")
    form = await clerk.form("/console/payments/new")
    r = await clerk.request("POST", "/console/payments?lang=zh", data={**form, "program_id": str(world["program"]),
                                                                       "period": "2026"})
    assert r.status_code == 422
    assert '<p id="e-payee_party_id" class="error" role="alert">必填。</p>' in r.text
