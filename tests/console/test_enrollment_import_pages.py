"""The enrollment register imported from the console over HTTP: the dry run (totals, what it would create,
problems by row in plain words, zh and en), the confirm that enrolls the households, and a confirm form
sent again that imports nothing twice."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select

from service.console.refusals import UNKNOWN_LEAD
from service.enrollments import service as enr
from service.enrollments.models import BasisLine, Enrollment
from service.enrollments.schemas import EnrollmentIn, ParcelIn
from tests.console import roles_world
from tests.console.support import browser_for

HEAD = "村,户主,身份证后四位,小班号,面积(亩),地类,纳入日期,林权证号\n"
GOOD = ["Daitang village,Li household 1,001X,DT-101,3.50,公益林,2026-01-01,LQZ-1",
        "Daitang village,Li household 1,001X,DT-102,1.25,公益林,2026-01-01,LQZ-1",
        "Daitang village,Li household 2,002X,DT-201,2.00,商品林,2026-01-01,LQZ-2"]


def _csv(rows: list[str]) -> bytes:
    return (HEAD + "\n".join(rows) + "\n").encode("gb18030")


async def _counts(db) -> tuple[int, int]:
    async with db.reading() as s:
        return (await s.scalar(select(func.count()).select_from(Enrollment)) or 0,
                await s.scalar(select(func.count()).select_from(BasisLine)) or 0)


async def _dry_run(b, program_id: int, content: bytes, lang: str = "en"):
    form = await b.form(f"/console/enrollments/import?lang={lang}")
    return await b.request("POST", f"/console/enrollments/import/dry-run?lang={lang}",
                           data={**form, "program_id": str(program_id)},
                           files={"file": ("register.csv", content, "text/csv")})


def _commit_form(html: str, csrf: str) -> dict[str, str]:
    key = re.search(r'id="register-commit-form">\s*<input type="hidden" name="_csrf_token" value="[^"]*">\s*'
                    r'<input type="hidden" name="_form_key" value="([^"]*)"', html)
    assert key, html[-2000:]
    return {"_csrf_token": csrf, "_form_key": key.group(1),
            "upload_id": re.search(r'name="upload_id" value="([^"]*)"', html).group(1)}


async def test_dry_run_then_confirm_enrolls_once(client, db):
    w = await roles_world.build(db, with_trust=False, with_patrols=False)
    b = await browser_for(client, "official")
    assert "/console/enrollments/import" in (await b.get("/console/enrollments?lang=en")).text
    r = await _dry_run(b, w["program_id"], _csv(GOOD))
    assert r.status_code == 200, r.text[-2000:]
    assert re.search(r'id="register-households">2<', r.text) and re.search(r'id="register-parcels">3<', r.text)
    assert re.search(r'id="register-area">6.75<', r.text) and 'id="register-problems"' not in r.text
    assert f'data-household="{w["homes"][1]}"' in r.text and "DT-102 (1.25, 公益林)" in r.text and "4.75" in r.text
    assert await _counts(db) == (0, 0)  # the dry run writes nothing
    csrf = (await b.form("/console/enrollments/import"))["_csrf_token"]
    commit = _commit_form(r.text, csrf)
    wrong = await b.request("POST", "/console/batches/commit", data={**commit, "_form_key": "batch-form-key-1"})
    assert wrong.status_code == 404  # a payment batch commit never takes a register
    done = await b.request("POST", "/console/enrollments/import/commit", data=commit)
    assert done.status_code == 303, done.text[-2000:]
    assert done.headers["location"] == f"/console/enrollments?program_id={w['program_id']}&ok=register_imported"
    assert await _counts(db) == (2, 3)
    again = await b.request("POST", "/console/enrollments/import/commit", data=commit)  # the same form, sent again
    assert again.status_code == 303 and again.headers["location"] == done.headers["location"]
    fresh = await b.request("POST", "/console/enrollments/import/commit", data={**commit, "_form_key": "another-key-1"})
    assert fresh.status_code == 404 and "upload it again" in fresh.text
    assert await _counts(db) == (2, 3)
    listed = await b.get(done.headers["location"] + "&lang=en")
    assert "The register was imported" in listed.text and listed.text.count("data-enrollment=") == 2
    twice = await _dry_run(b, w["program_id"], _csv(GOOD))  # the same register again: every row refused
    assert twice.status_code == 422 and twice.text.count('class="problem" data-row=') == 3
    assert "already enrolled" in twice.text and 'id="register-commit-form"' not in twice.text


async def test_a_bad_register_lists_its_rows_in_chinese(client, db):
    w = await roles_world.build(db, with_trust=False, with_patrols=False)
    async with db.writing() as s:
        await enr.create_enrollment(s, w["official"], EnrollmentIn(
            program_id=w["program_id"], household_party_id=w["homes"][0], start_date=date(2026, 1, 1),
            parcels=[ParcelIn(parcel_code="HELD-1", area_mu="2.00")]), "test-secret")
    before = await _counts(db)
    rows = [GOOD[0],
            "Daitang village,无此人,9999,DT-301,2.00,公益林,2026-01-01,",  # 3: no such household
            "Daitang village,Li household 2,002X,DT-101,2.00,公益林,2026-01-01,",  # 4: parcel also on row 2
            "Daitang village,Li household 2,002X,DT-202,2.001,公益林,2026-01-01,",  # 5: three decimals
            "Daitang village,Li household 2,002X,DT-203,2.00,公益林,2026/01/01,",  # 6: not a date
            "Daitang village,Li household 2,002X,HELD-1,2.00,公益林,2026-01-01,",  # 7: held by household 0
            "No such village,Li household 2,002X,DT-204,2.00,公益林,2026-01-01,",  # 8: unknown village
            "Daitang village,Li household 2,002X,DT-205,2.00,公益林,2025-06-01,"]  # 9: before the program
    r = await _dry_run(b := await browser_for(client, "official"), w["program_id"], _csv(rows), lang="zh")
    assert r.status_code == 422, r.text[-2000:]
    problems = re.findall(r'class="problem" data-row="(\d+)"><td class="num">\d+</td><td>([^<]*)</td>'
                          r'<td class="problems">([^<]*)</td>', r.text)
    assert {int(row) for row, _, _ in problems} == {3, 4, 5, 6, 7, 8, 9}, problems
    assert all(re.search(r"[\u4e00-\u9fff]", reason) and not reason.startswith(UNKNOWN_LEAD)
               for _, _, reason in problems), problems
    reasons = dict((int(row), (column, reason)) for row, column, reason in problems)
    assert reasons[4][0] == "小班号" and "第 2 行" in reasons[4][1]
    assert "Li household 0" in reasons[7][1] and "已由农户" in reasons[7][1]
    assert "不在本项目期间" in reasons[9][1] and reasons[9][0] == "纳入日期"
    assert "导入登记名册" in r.text and 'id="register-errors"' in r.text and 'id="register-commit-form"' not in r.text
    assert await _counts(db) == before
    en = await _dry_run(b, w["program_id"], _csv(rows), lang="en")
    assert en.status_code == 422 and "unknown payee: no household with this name" in en.text
    empty = await _dry_run(b, w["program_id"], b"village,household_head\n", lang="en")
    assert empty.status_code == 422 and "missing column" in empty.text


async def test_other_roles_cannot_import(client, db):
    await roles_world.build(db, with_trust=False, with_patrols=False)
    for username in ("approver", "household"):
        b = await browser_for(client, username)
        assert (await b.get("/console/enrollments/import")).status_code in (403, 404)
