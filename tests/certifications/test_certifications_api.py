"""Certificates, public verification, sales and the levy into a village pool."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from litestar.testing import AsyncTestClient

from service.app import create_app
from tests.helpers import balance, create_party

COUNTY = "520423"
TODAY = date.today()


@pytest.fixture
async def zhenning(client, token_for):
    official = await token_for("official", county_code=COUNTY)
    approver = await token_for("approver", county_code=COUNTY)
    bureau = await create_party(client, official, name="Zhenning agriculture bureau", division_code=COUNTY)
    coop = await create_party(client, official, name="Honey plum cooperative", org_type="cooperative",
                              division_code=COUNTY)
    village = await create_party(client, official, kind="community", org_type=None, name="Plum village",
                                 division_code=f"{COUNTY}100201")
    grower = await create_party(client, official, kind="household", org_type=None, name="Wang Xiuying",
                                parent_id=village["id"])
    return {"official": official, "approver": approver, "bureau": bureau["id"], "coop": coop["id"],
            "village": village["id"], "grower": grower["id"]}


async def certify(client, z, holder, prefix, scheme="green_food", valid_from=None, valid_to=None, **extra):
    body = {"scheme": scheme, "certificate_number": f"LB-{prefix}", "issuing_body_party_id": z["bureau"],
            "holder_party_id": holder, "product": "Honey plum", "area_mu": "35.5",
            "valid_from": str(valid_from or TODAY - timedelta(days=365)),
            "valid_to": str(valid_to or TODAY + timedelta(days=365)), "trace_prefix": prefix, **extra}
    return await client.post("/api/v1/certifications", json=body, headers=z["official"])


async def test_status_follows_dates_and_actions(client, zhenning):
    z = zhenning
    r = await certify(client, z, z["coop"], "ZN-GI-2019-", scheme="geographical_indication",
                      valid_from=date(2019, 1, 1), valid_to=date(2030, 12, 31))
    assert r.status_code == 201, r.text
    cert = r.json()
    assert cert["status"] == "active" and cert["area_mu"] == "35.50"
    url = f"/api/v1/certifications/{cert['id']}"
    assert (await client.get(url, params={"as_of": "2018-12-31"}, headers=z["approver"])).json()["status"] == "not_yet_valid"
    assert (await client.get(url, params={"as_of": "2031-01-01"}, headers=z["approver"])).json()["status"] == "expired"
    s = await client.post(f"{url}/suspend", json={"reason": "residue test failed", "effective_on": "2026-01-10"},
                          headers=z["official"])
    assert s.status_code == 200 and s.json()["action"] == "suspended"
    assert (await client.get(url, params={"as_of": "2026-01-09"}, headers=z["approver"])).json()["status"] == "active"
    assert (await client.get(url, params={"as_of": "2026-01-10"}, headers=z["approver"])).json()["status"] == "suspended"
    assert (await client.post(f"{url}/suspend", json={"reason": "again"}, headers=z["official"])).status_code == 409
    assert (await client.post(f"{url}/reinstate", json={"reason": "retest passed"}, headers=z["official"])).json()["status"] == "active"
    assert (await client.post(f"{url}/revoke", json={"reason": "fraud"}, headers=z["official"])).json()["status"] == "revoked"
    assert (await client.post(f"{url}/reinstate", json={"reason": "x"}, headers=z["official"])).status_code == 409
    assert (await client.post(f"{url}/suspend", json={"reason": ""}, headers=z["official"])).status_code == 422


async def test_bad_certificates_are_refused(client, zhenning, token_for):
    z = zhenning
    assert (await certify(client, z, z["coop"], "ZN-GF-")).status_code == 201
    assert (await certify(client, z, z["coop"], "ZN-GF-")).status_code == 409  # prefix taken
    assert (await certify(client, z, z["coop"], "ZN-GF-01")).status_code == 409  # would shadow codes
    assert (await certify(client, z, z["coop"], "ZN")).status_code == 422
    assert (await certify(client, z, z["coop"], "zn-lower-")).status_code == 422
    assert (await certify(client, z, z["bureau"], "ZN-X-")).status_code == 422  # a government is no producer
    assert (await certify(client, z, z["coop"], "ZN-Y-", issuing_body_party_id=z["grower"])).status_code == 422
    assert (await certify(client, z, z["coop"], "ZN-Z-", valid_from="2026-02-01", valid_to="2026-01-01")).status_code == 422
    assert (await certify(client, z, z["coop"], "ZN-W-", area_mu=35.5)).status_code == 422
    stranger = await token_for("official", county_code="360827")
    r = await client.post("/api/v1/certifications", headers=stranger, json={
        "scheme": "organic", "certificate_number": "X", "issuing_body_party_id": z["bureau"],
        "holder_party_id": z["coop"], "product": "Plum", "valid_from": "2025-01-01", "valid_to": "2027-01-01",
        "trace_prefix": "ZN-Q-"})
    assert r.status_code == 422


async def test_public_verification_hides_people(client, zhenning):
    z = zhenning
    await certify(client, z, z["coop"], "ZN-GI-2019-", scheme="geographical_indication")
    await certify(client, z, z["grower"], "ZN-OR-0007-", scheme="organic")
    r = await client.get("/api/v1/certifications/verify/zn-gi-2019-000123")  # no token, any case
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["genuine"] and body["status"] == "active" and body["holder"] == "Honey plum cooperative"
    assert body["issuing_body"] == "Zhenning agriculture bureau" and body["code"] == "ZN-GI-2019-000123"
    r = await client.get("/api/v1/certifications/verify/ZN-OR-0007-555")
    assert r.status_code == 200
    assert r.json()["holder"] is None and r.json()["holder_type"] == "individual producer"
    assert "Wang" not in r.text and "household" not in r.text
    missing = await client.get("/api/v1/certifications/verify/FAKE-123")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/problem+json")
    assert (await client.get("/api/v1/certifications/verify/%3Cscript%3E")).status_code == 422


async def test_public_verification_is_rate_limited(settings, db):
    app = create_app(replace(settings, public_rate_limit_per_minute=3))
    async with AsyncTestClient(app=app) as c:
        codes = [(await c.get(f"/api/v1/certifications/verify/NOPE-{i}")).status_code for i in range(5)]
        assert codes == [404, 404, 404, 429, 429]
        r = await c.get("/api/v1/certifications/verify/NOPE-9")
        assert r.headers["content-type"].startswith("application/problem+json")
        assert int(r.headers["retry-after"]) >= 1 and r.json()["status"] == 429


async def test_other_county_gets_404(client, zhenning, token_for):
    z = zhenning
    cert = (await certify(client, z, z["coop"], "ZN-GF-")).json()
    stranger = await token_for("official", county_code="360827")
    assert (await client.get(f"/api/v1/certifications/{cert['id']}", headers=stranger)).status_code == 404
    r = await client.post(f"/api/v1/certifications/{cert['id']}/suspend", json={"reason": "x"}, headers=stranger)
    assert r.status_code == 404
    r = await client.post("/api/v1/eco-product-sales", headers=stranger, json={
        "certification_id": cert["id"], "quantity": "1", "unit": "kg", "amount": "10.00", "sale_date": str(TODAY)})
    assert r.status_code == 404
    assert (await client.get("/api/v1/certifications", headers=stranger)).json()["items"] == []
    community = await token_for("community", party_id=z["grower"])  # holds no certificate of its own
    assert (await client.get("/api/v1/certifications", headers=community)).json()["items"] == []
    assert (await client.get(f"/api/v1/certifications/{cert['id']}", headers=community)).status_code == 404


async def test_a_household_reads_its_own_certificate_and_no_other(client, zhenning, token_for):
    z = zhenning
    own = (await certify(client, z, z["grower"], "ZN-HH-")).json()
    coops = (await certify(client, z, z["coop"], "ZN-CO-")).json()
    household = await token_for("community", party_id=z["grower"])
    assert (await client.get(f"/api/v1/certifications/{own['id']}", headers=household)).json()["holder_party_id"] == z["grower"]
    assert (await client.get(f"/api/v1/certifications/{coops['id']}", headers=household)).status_code == 404
    listed = (await client.get("/api/v1/certifications", headers=household)).json()["items"]
    assert [c["id"] for c in listed] == [own["id"]]
    assert (await client.post(f"/api/v1/certifications/{own['id']}/suspend", json={"reason": "x"},
                              headers=household)).status_code == 403


async def sell(client, z, cert_id, amount="2400.00", day=None, **extra):
    body = {"certification_id": cert_id, "quantity": "120.5", "unit": "kg", "amount": amount,
            "sale_date": str(day or TODAY), "buyer": "Guiyang wholesale market", **extra}
    return await client.post("/api/v1/eco-product-sales", json=body, headers=z["official"])


async def test_sales_carry_a_levy_into_the_village_pool(client, zhenning, auditor):
    z = zhenning
    cert = (await certify(client, z, z["coop"], "ZN-GF-", scheme="green_food")).json()
    r = await client.post("/api/v1/eco-product-sales/levy-rules", headers=z["official"], json={
        "name": "3% honey plum levy", "county_code": COUNTY, "basis_points": 300, "village_party_id": z["village"]})
    assert r.status_code == 201, r.text
    rule = r.json()
    sale = await sell(client, z, cert["id"], "2400.05")
    assert sale.status_code == 201, sale.text
    s = sale.json()
    assert s["levy"] == "72.00" and s["quantity"] == "120.500" and s["product"] == "Honey plum"  # 72.0015 -> 72.00
    entry = (await client.get(f"/api/v1/ledger/entries/{s['levy_entry_id']}", headers=auditor)).json()
    assert entry["kind"] == "levy" and entry["status"] == "posted"
    assert entry["metadata"]["certification_id"] == cert["id"] and entry["metadata"]["sale_id"] == s["id"]
    assert entry["metadata"]["county_code"] == COUNTY and "3.00% of 2400.05" in entry["metadata"]["rule"]
    assert (await balance(client, auditor, rule["pool_account_id"]))["posted"] == "72.00"
    await sell(client, z, cert["id"], "100.00")
    assert (await balance(client, auditor, rule["pool_account_id"]))["posted"] == "75.00"
    # A scheme-specific rule wins over the county-wide one.
    r = await client.post("/api/v1/eco-product-sales/levy-rules", headers=z["official"], json={
        "name": "green food 5%", "county_code": COUNTY, "scheme": "green_food", "basis_points": 500,
        "village_party_id": z["village"]})
    assert (await sell(client, z, cert["id"], "100.00")).json()["levy"] == "5.00"


async def test_sales_refused_unless_certificate_active_on_the_sale_date(client, zhenning):
    z = zhenning
    expired = (await certify(client, z, z["coop"], "ZN-OLD-", valid_from=date(2020, 1, 1),
                             valid_to=date(2023, 12, 31))).json()
    assert (await sell(client, z, expired["id"], day=date(2023, 12, 31))).status_code == 201
    r = await sell(client, z, expired["id"], day=date(2024, 1, 1))
    assert r.status_code == 409 and r.json()["certificate_status"] == "expired"
    cert = (await certify(client, z, z["grower"], "ZN-OR-")).json()
    await client.post(f"/api/v1/certifications/{cert['id']}/suspend", headers=z["official"],
                      json={"reason": "inspection", "effective_on": str(TODAY - timedelta(days=3))})
    assert (await sell(client, z, cert["id"], day=TODAY - timedelta(days=4))).status_code == 201
    assert (await sell(client, z, cert["id"], day=TODAY)).json()["certificate_status"] == "suspended"
    assert (await sell(client, z, cert["id"], day=TODAY - timedelta(days=5), product="Kiwi")).status_code == 422
    assert (await sell(client, z, cert["id"], day=TODAY - timedelta(days=5), amount="0.00")).status_code == 422
    assert (await sell(client, z, cert["id"], day=TODAY - timedelta(days=5), quantity="-1")).status_code == 422
    listed = (await client.get("/api/v1/eco-product-sales", headers=z["approver"])).json()["items"]
    assert len(listed) == 2 and all(s["levy"] == "0.00" for s in listed)
