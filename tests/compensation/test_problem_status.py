"""A refused payment transition answers with RFC 9457's integer status; the payment's own status
travels beside it as `current_status`."""

from __future__ import annotations

from tests.compensation.conftest import make_program, pay


async def test_reversing_a_reversed_payment_keeps_the_integer_status(client, world):
    program = await make_program(client, world)
    p = (await pay(client, world, program, world.households[0]["id"], area_mu="2")).json()
    url = f"/api/v1/payments/{p['id']}"
    assert (await client.post(f"{url}/approve", headers=world.approver)).status_code == 200
    paid = {"bank_reference": "BOC20260401001", "paid_on": "2026-04-01"}
    assert (await client.post(f"{url}/mark-paid", json=paid, headers=world.official)).status_code == 200
    assert (await client.post(f"{url}/reverse", json={"reason": "area"}, headers=world.official)).status_code == 200
    for action, body in (("reverse", {"reason": "again"}), ("mark-paid", paid)):
        r = await client.post(f"{url}/{action}", json=body, headers=world.official)
        doc = r.json()
        assert r.status_code == 409 and r.headers["content-type"].startswith("application/problem+json")
        assert doc["status"] == 409, doc
        assert doc["current_status"] == "reversed" and doc["type"].endswith("/conflict")
