"""The pages over HTTP, without a browser: forms, languages, errors, the certificate lookup."""

from __future__ import annotations

import re

from service.pages.render import group
from service.web.routes import certificate_rows, lookup_certificate


async def test_statement_form_and_page_without_javascript(client, demo, token_for):
    hh = demo["refs"]["hh-daitang-1"]
    token = (await token_for("community", party_id=hh))["Authorization"].split()[1]
    form = await client.get("/statement?lang=zh")
    assert form.status_code == 200 and 'method="post"' in form.text and "<script" not in form.text
    r = await client.post("/statement", data={"token": token, "period": "2026", "lang": "zh"})
    assert r.status_code == 200 and "生态补偿收益对账单" in r.text and "<script" not in r.text
    api = (await client.get(f"/api/v1/statements/{hh}?period=2026", headers={"Authorization": f"Bearer {token}"})).json()
    assert f"¥{group(api['total'])}" in r.text and api["verification_code"] in r.text
    # someone else's statement, or a bad token, is refused without saying whose it is
    other = demo["refs"]["hh-daitang-2"]
    assert (await client.post("/statement", data={"token": token, "party_id": str(other)})).status_code == 403
    assert (await client.post("/statement", data={"token": "nope"})).status_code == 403
    bad = await client.post("/statement", data={"token": token, "period": "20x6"})
    assert bad.status_code == 422 and "YYYY" in bad.text


async def test_statement_verify_page(client, demo, auditor):
    hh = demo["refs"]["hh-daitang-1"]
    st = (await client.get(f"/api/v1/statements/{hh}", headers=auditor)).json()
    ok = await client.get("/statement/verify", params={"code": st["verification_code"]})
    assert ok.status_code == 200 and "Genuine statement" in ok.text and group(st["total"]) in ok.text
    bad = await client.get("/statement/verify", params={"code": st["verification_code"][:-2] + "00", "lang": "zh"})
    assert "没有与此核验码相符的对账单" in bad.text


async def test_transparency_page_shows_the_api_figures(client, demo):
    doc = (await client.get("/api/v1/reports/transparency")).json()
    page = await client.get("/transparency")
    assert page.status_code == 200 and "<svg" in page.text and "<script" not in page.text
    for row in doc["county_totals"]:
        assert group(row["money_in"]) in page.text
        if row["money_out"]:
            assert group(row["money_out"]) in page.text
    assert re.search(r"hidden\*", page.text) and "not shown (fewer than 5 households)" in page.text
    zh = await client.get("/transparency", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert "资金去向公示" in zh.text


async def test_certificate_page_says_not_found_when_there_is_no_certificate(client, db):
    r = await client.get("/certificates/verify", params={"code": "GI-360827-0001"})
    assert r.status_code == 404 and "No certificate found" in r.text
    async with db.reading() as session:
        assert await lookup_certificate(session, "GI-360827-0001") is None
    assert (await client.get("/certificates/verify")).status_code == 200
    rows = certificate_rows({"status": "active", "scheme": "organic", "product": "plums", "valid_until": "2027-06-30"})
    assert rows[0] == ("status", "active") and ("valid until", "2027-06-30") in rows


async def test_public_verification_is_rate_limited(client, demo, settings):
    codes = [(await client.get("/api/v1/statements/verify/1.all.0.aaaaaaaaaaaaaaaaaaaa")).status_code
             for _ in range(settings.public_rate_limit_per_minute + 1)]
    assert codes[0] == 200 and codes[-1] == 429


async def test_certificate_page_shows_a_found_certificate_and_its_real_status(client, db, settings):
    from service import seed as seeding

    await seeding.load(db, settings, progress=lambda _: None, only=("core", "patrols", "certifications"))
    active = await client.get("/certificates/verify", params={"code": "ZNFTL-GI-2025-0012345"})
    assert active.status_code == 200 and "Genuine certificate, active today" in active.text
    assert "geographical_indication" in active.text
    suspended = await client.get("/certificates/verify", params={"code": "ZNFTL-GF24-5901-00002", "lang": "en"})
    assert suspended.status_code == 200 and "the certificate is suspended: not valid today" in suspended.text
    assert "Genuine certificate" not in suspended.text
    api = (await client.get("/api/v1/certifications/verify/ZNFTL-GF24-5901-00002")).json()
    assert api["holder"] is None and api["holder_type"] == "individual producer"


async def test_certificate_page_is_not_limited_by_other_visitors(db, settings, live_server):
    """The page once asked the service's own API in process, so every visitor shared one client address:
    after 60 lookups a minute by anyone, a genuine certificate read as "not found"."""
    import httpx

    from service import seed as seeding

    await seeding.load(db, settings, progress=lambda _: None, only=("core", "patrols", "certifications"))
    async with httpx.AsyncClient(base_url=live_server) as other:  # another visitor, at 127.0.0.1
        for _ in range(settings.public_rate_limit_per_minute + 1):
            await other.get("/api/v1/certifications/verify/ZNFTL-GI-2025-0012345")
        assert (await other.get("/api/v1/certifications/verify/ZNFTL-GI-2025-0012345")).status_code == 429
    me = httpx.AsyncHTTPTransport(local_address="127.0.0.2")  # a visitor of its own
    async with httpx.AsyncClient(base_url=live_server, transport=me) as visitor:
        page = await visitor.get("/certificates/verify", params={"code": "ZNFTL-GI-2025-0012345"})
    assert page.status_code == 200 and "Genuine certificate, active today" in page.text


async def test_public_parameters_out_of_range_are_refused_not_500(client, demo, auditor):
    huge = "9" * 30
    assert (await client.get(f"/api/v1/statements/verify/{huge}.all.{huge}.aaaaaaaaaaaaaaaaaaaa")).status_code in (200, 422)
    assert (await client.get(f"/api/v1/statements/{huge}", headers=auditor)).status_code in (400, 404, 422)
    assert (await client.get(f"/api/v1/statements/{2**63}", headers=auditor)).status_code in (400, 404, 422)
    assert (await client.post("/statement", data={"token": "x", "party_id": huge})).status_code == 403
    assert (await client.get("/statement/verify", params={"code": f"{huge}.2026.{huge}.a"})).status_code in (200, 422)
    assert (await client.get(f"/api/v1/parties/{huge}", headers=auditor)).status_code in (400, 404, 422)
    assert (await client.get(f"/console/s/{huge}")).status_code < 500
