"""Signing in to the console, sessions, CSRF, lock-out, and the wall between console and API."""

from __future__ import annotations

from service.console.session import COOKIE
from tests.console.support import PASSWORD, form_of, make_user, sign_in


async def test_sign_in_lands_on_the_start_page_and_sign_out_ends_the_session(client, db):
    await make_user(db, "clerk", "official", county_code="360827")
    r = await sign_in(client, "clerk")
    assert r.status_code == 303, r.text
    assert r.headers["location"] == "/console/"
    cookie = client.cookies.get(COOKIE)
    assert cookie
    r = await client.get("/console/account")
    assert r.status_code == 200 and "clerk" in r.text
    token = (await form_of(client, "/console/account"))["_csrf_token"]
    r = await client.post("/console/logout", data={"_csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    # the old cookie, replayed, is no longer a session
    client.cookies.set(COOKIE, cookie, path="/console")
    r = await client.get("/console/account", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/console/login")
