"""A small county to pay compensation in: two villages, households, a funded county fund, a program."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.helpers import create_party, funded_account

COUNTY = "360827"


@dataclass
class World:
    official: dict[str, str]
    approver: dict[str, str]
    other_official: dict[str, str]
    other_approver: dict[str, str]
    county_fund: int
    villages: dict[str, int] = field(default_factory=dict)
    households: list[dict[str, Any]] = field(default_factory=list)


def id_number(n: int) -> str:
    return f"36082719800101{n:04d}"


@pytest.fixture
async def world(client, admin, token_for) -> World:
    official = await token_for("official", county_code=COUNTY)
    w = World(
        official=official, approver=await token_for("approver", county_code=COUNTY),
        other_official=await token_for("official", county_code="360425"),
        other_approver=await token_for("approver", county_code="360425"),
        county_fund=(await funded_account(client, admin, "100000.00", county_code=COUNTY))[0],
    )
    for key, name, code in (("ypx", "营盘圩村 Yingpanxu Village", "360827205201"),
                            ("za", "左安村 Zuo'an Village", "360827203202")):
        w.villages[key] = (await create_party(client, official, kind="community", name=name, division_code=code, org_type=None))["id"]
    for n in range(1, 7):
        village = "ypx" if n <= 4 else "za"
        hh = await create_party(client, official, kind="household", name=f"户主{n}", parent_id=w.villages[village], org_type=None,
                                id_number=id_number(n), bank_account_tail=f"{1000 + n}")
        w.households.append(hh)
    return w


async def make_program(client, w: World, *, fund: str | None = "5000.00", **fields: Any) -> dict[str, Any]:
    body = {"name": "Public-welfare forest compensation 2026", "legal_basis": "Gan Cai Nong Zhi [2026] No. 3",
            "county_code": COUNTY, "period_start": "2026-01-01", "period_end": "2026-12-31",
            "rule_kind": "per_area_year", "rate": "34.50", **fields}
    r = await client.post("/api/v1/programs", json=body, headers=w.official)
    assert r.status_code == 201, r.text
    program = r.json()
    if fund:
        await fund_program(client, w, program, fund)
    return program


async def fund_program(client, w: World, program: dict, amount: str) -> dict[str, Any]:
    """Funding is entered by the official and approved by the approver (four eyes)."""
    r = await client.post(f"/api/v1/programs/{program['id']}/funding",
                          json={"source_account_id": w.county_fund, "amount": amount}, headers=w.official)
    assert r.status_code == 201 and r.json()["status"] == "pending", r.text
    r = await client.post(f"/api/v1/fundings/{r.json()['id']}/approve", headers=w.approver)
    assert r.status_code == 200 and r.json()["status"] == "approved", r.text
    return r.json()


async def pay(client, w: World, program: dict, payee: int, headers=None, **fields: Any):
    body = {"program_id": program["id"], "payee_party_id": payee, "period": "2026", **fields}
    return await client.post("/api/v1/payments", json=body, headers=headers or w.official)


def csv_bytes(rows: list[list[str]], header=("村", "户主", "身份证后四位", "面积(亩)", "金额(元)", "银行账号后四位")) -> bytes:
    lines = [",".join(header)] + [",".join(r) for r in rows]
    return ("\n".join(lines) + "\n").encode()
