"""Registering villages and households, and who may see them."""

from __future__ import annotations

from sqlalchemy import select

from service.parties.models import Party
from tests.helpers import create_party

SUICHUAN, YONGXIU = "360827", "360425"


async def _village(client, headers, code="360827205201", name="营盘圩村 Yingpanxu Village"):
    return await create_party(client, headers, kind="community", name=name, division_code=code, org_type=None)


async def test_official_registers_a_household_whose_id_number_is_never_stored(client, token_for, db):
    official = await token_for("official", county_code=SUICHUAN)
    village = await _village(client, official)
    r = await client.post("/api/v1/parties", headers=official, json={
        "kind": "household", "name": "李秀英", "parent_id": village["id"], "gender": "female",
        "age_band": "35_59", "id_number": "36082719780512345X", "bank_account_tail": "0931", "household_size": 4})
    assert r.status_code == 201, r.text
    hh = r.json()
    assert hh["county_code"] == SUICHUAN and hh["id_number_tail"] == "345X" and "id_number" not in hh
    assert hh["benefit_account_id"] is not None
    async with db.reading() as session:
        party = (await session.execute(select(Party).where(Party.id == hh["id"]))).scalar_one()
    assert party.id_number_hash and "36082719780512345X" not in str(vars(party))


async def test_official_cannot_register_or_read_in_another_county(client, token_for):
    suichuan = await token_for("official", county_code=SUICHUAN)
    yongxiu = await token_for("official", county_code=YONGXIU)
    village = await _village(client, suichuan)
    r = await client.post("/api/v1/parties", headers=yongxiu, json={
        "kind": "community", "name": "Elsewhere", "division_code": "360827205299"})
    assert r.status_code == 403
    assert (await client.get(f"/api/v1/parties/{village['id']}", headers=yongxiu)).status_code == 404
    listed = (await client.get("/api/v1/parties", headers=yongxiu)).json()["items"]
    assert village["id"] not in [p["id"] for p in listed]


async def test_community_sees_only_itself(client, token_for):
    official = await token_for("official", county_code=SUICHUAN)
    village = await _village(client, official)
    a = await create_party(client, official, kind="household", name="Household A", parent_id=village["id"], org_type=None)
    b = await create_party(client, official, kind="household", name="Household B", parent_id=village["id"], org_type=None)
    own = await token_for("community", party_id=a["id"])
    assert (await client.get(f"/api/v1/parties/{a['id']}", headers=own)).status_code == 200
    assert (await client.get(f"/api/v1/parties/{b['id']}", headers=own)).status_code == 404
    assert (await client.get(f"/api/v1/accounts/{b['benefit_account_id']}/balance", headers=own)).status_code == 404
    assert (await client.get(f"/api/v1/accounts/{a['benefit_account_id']}/balance", headers=own)).status_code == 200
    assert [p["id"] for p in (await client.get("/api/v1/parties", headers=own)).json()["items"]] == [a["id"]]
    assert (await client.post("/api/v1/parties", headers=own, json={"kind": "household", "name": "x"})).status_code == 403


async def test_party_fields_must_fit_the_kind(client, admin):
    cases = [
        {"kind": "organisation", "name": "No type"},
        {"kind": "community", "name": "No code"},
        {"kind": "organisation", "org_type": "ngo", "name": "NGO", "gender": "female"},
        {"kind": "household", "name": "Bad id", "division_code": "360827", "id_number": "123"},
        {"kind": "household", "name": "bell\x07", "division_code": "360827"},
        {"kind": "household", "name": "Sneaky", "division_code": "360827", "id_number_hash": "x"},
    ]
    for body in cases:
        r = await client.post("/api/v1/parties", headers=admin, json=body)
        assert r.status_code == 422, (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    assert (await client.get("/api/v1/parties", headers=admin)).json()["items"] == []


async def test_trustee_sees_the_parties_of_its_own_trust_and_nothing_else(client, admin, token_for):
    from tests.trusts.support import make_trust

    official = await token_for("official", county_code=SUICHUAN)
    village = await _village(client, official)
    home = await create_party(client, official, kind="household", name="Beneficiary home", parent_id=village["id"],
                              org_type=None)
    stranger = await create_party(client, official, kind="household", name="Stranger", parent_id=village["id"],
                                  org_type=None)
    bureau = await create_party(client, admin, name="Forestry bureau", division_code=SUICHUAN)
    mine = await make_trust(client, admin, beneficiaries=[home["id"]])
    other = await make_trust(client, admin)
    trustee = await token_for("trustee", trust_id=mine["id"])
    own = {mine["trustee_party_id"], mine["_water"], mine["_donor"], home["id"]}
    foreign = {other["trustee_party_id"], other["_water"], other["_donor"], other["_village"], bureau["id"],
               village["id"], stranger["id"]}
    for party_id in own:
        assert (await client.get(f"/api/v1/parties/{party_id}", headers=trustee)).status_code == 200, party_id
        r = await client.get(f"/api/v1/share-agreements/stakeholders/{party_id}/history", headers=trustee)
        assert r.status_code == 200, party_id
    for party_id in foreign:
        assert (await client.get(f"/api/v1/parties/{party_id}", headers=trustee)).status_code == 404, party_id
        r = await client.get(f"/api/v1/share-agreements/stakeholders/{party_id}/history", headers=trustee)
        assert r.status_code == 404, party_id
    listed = {p["id"] for p in (await client.get("/api/v1/parties", headers=trustee, params={"limit": 500})).json()["items"]}
    assert listed == own
