"""Programs as a county clerk registers them: Chinese names, fund accounts the clerk never names."""

from __future__ import annotations

from tests.compensation.conftest import COUNTY, make_program


async def _code(client, headers, account_id: int) -> str:
    r = await client.get(f"/api/v1/accounts/{account_id}", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["code"]


async def test_second_chinese_named_program_in_the_same_year_gets_its_own_fund(client, world, admin):
    """Issue 17 item 8: fund codes were slugged from the name, Chinese characters vanished, and the
    second program of the year got a 409 on a `fund_code` the clerk never sent."""
    first = await make_program(client, world, fund=None, name="遂川县2026年公益林生态效益补偿")
    second = await make_program(client, world, fund=None, name="遂川县2026年禁伐管护户补助")
    codes = {await _code(client, admin, p["fund_account_id"]) for p in (first, second)}
    assert len(codes) == 2 and all(c.startswith(f"fund:{COUNTY}:program:") and c.endswith(":2026") for c in codes), codes
    assert any("gong-yi-lin" in c for c in codes), codes  # readable: the name in pinyin
    # The same name again (a second round), and a name with nothing to transliterate, still get funds.
    again = await make_program(client, world, fund=None, name="遂川县2026年公益林生态效益补偿")
    odd = await make_program(client, world, fund=None, name="ꆈꌠ ★")
    more = {await _code(client, admin, p["fund_account_id"]) for p in (again, odd)}
    assert len(codes | more) == 4, more


async def test_generated_code_taken_by_another_account_is_skipped(client, world, admin):
    """An account someone opened under the code the name would give is not the clerk's problem."""
    r = await client.post("/api/v1/accounts", headers=admin, json={
        "code": f"fund:{COUNTY}:program:forest:2026", "name": "Someone's source", "kind": "source"})
    assert r.status_code == 201, r.text
    program = await make_program(client, world, fund=None, name="Forest")
    assert await _code(client, admin, program["fund_account_id"]) != f"fund:{COUNTY}:program:forest:2026"


async def test_a_fund_code_the_clerk_sends_is_still_checked(client, world):
    first = await make_program(client, world, fund=None, name="A", fund_code="fund:360827:forest-a")
    body = {"name": "B", "legal_basis": "Doc", "county_code": COUNTY, "period_start": "2026-01-01",
            "period_end": "2026-12-31", "rule_kind": "per_household", "rate": "10.00",
            "fund_code": "fund:360827:forest-a"}
    r = await client.post("/api/v1/programs", json=body, headers=world.official)
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "fund_code", r.text
    assert first["fund_account_id"]
