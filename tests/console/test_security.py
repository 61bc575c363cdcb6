"""The wall around the console: CSRF, cookie vs bearer token, sign-out, lock-out, disabled users."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from service.app import create_app
from service.console.models import ConsoleLogin, ConsoleSession
from service.console.session import COOKIE
from service.db import Database, utcnow
from tests.conftest import empty_tables
from tests.console.support import PASSWORD, Browser, browser_for, make_user


@pytest.fixture
async def app(settings, monkeypatch):
    """No slow-down phase here (tested on its own below): six failures lock at once, without waiting."""
    monkeypatch.setenv("SHANSHUI_CONSOLE_SLOW_AFTER", "99")
    db = Database(settings.database_url)
    await empty_tables(db)
    await db.dispose()
    yield create_app(settings)


async def test_cross_site_form_post_without_csrf_token_is_refused(client, db):
    await make_user(db, "clerk", "official", county_code="360827")
    clerk = await browser_for(client, "clerk")
    data = {"current_password": PASSWORD, "new_password": "another long one", "repeat_password": "another long one"}
    # a forged form from another site carries the session cookie (if the browser sent it) but no token
    r = await clerk.request("POST", "/console/account/password", data=data)
    assert r.status_code == 403
    r = await clerk.request("POST", "/console/account/password", data={**data, "_csrf_token": "0" * 80})
    assert r.status_code == 403
    # the same form from the console page is accepted, and only then the password changes
    r = await clerk.post("/console/account/password", data, form_from="/console/account")
    assert r.status_code == 303 and r.headers["location"].endswith("ok=password_changed")
    # and a sign-in form without the token is refused too (login CSRF)
    r = await Browser(client, {}).request("POST", "/console/login", data={"username": "clerk", "password": PASSWORD})
    assert r.status_code == 403


async def test_session_cookie_is_not_accepted_by_the_api(client, db):
    await make_user(db, "clerk", "official", county_code="360827")
    clerk = await browser_for(client, "clerk")
    assert (await clerk.get("/console/account")).status_code == 200
    for path in ("/api/v1/auth/me", "/api/v1/payments"):
        r = await clerk.get(path)
        assert r.status_code == 401, (path, r.text)


async def test_bearer_token_is_not_accepted_by_the_console(client, token_for):
    headers = await token_for("official", county_code="360827")
    r = await client.get("/console/account", headers=headers, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/console/login")
    r = await client.post("/console/logout", headers=headers, follow_redirects=False)
    assert r.status_code in (303, 403)  # refused by CSRF or sent to sign in; never served


async def test_signed_out_session_cannot_be_reused(client, db):
    await make_user(db, "clerk", "official", county_code="360827")
    clerk = await browser_for(client, "clerk")
    stolen = dict(clerk.cookies)
    r = await clerk.post("/console/logout", form_from="/console/account")
    assert r.status_code == 303
    assert COOKIE not in clerk.cookies
    async with db.reading() as s:
        assert await s.scalar(select(ConsoleSession.key).where(ConsoleSession.key == stolen[COOKIE])) is None
    r = await Browser(client, stolen).get("/console/account")
    assert r.status_code == 303 and r.headers["location"].startswith("/console/login")


async def test_a_new_session_id_at_every_sign_in(client, db):
    await make_user(db, "clerk", "official", county_code="360827")
    b = Browser(client, {"shanshui_console": "planted-by-an-attacker"})
    hidden = await b.form("/console/login")
    r = await b.request("POST", "/console/login", data={**hidden, "username": "clerk", "password": PASSWORD})
    assert r.status_code == 303
    assert b.cookies[COOKIE] != "planted-by-an-attacker" and len(b.cookies[COOKIE]) == 64
    second = await browser_for(client, "clerk")
    assert second.cookies[COOKIE] != b.cookies[COOKIE]


async def test_cookies_are_httponly_samesite_strict_and_scoped_to_the_console(client, db):
    await make_user(db, "clerk", "official", county_code="360827")
    b = Browser(client, {})
    hidden = await b.form("/console/login")
    r = await b.request("POST", "/console/login", data={**hidden, "username": "clerk", "password": PASSWORD})
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith(COOKIE + "="))
    lowered = cookie.lower()
    assert "httponly" in lowered and "samesite=strict" in lowered and "path=/console" in lowered
    assert "max-age=1800" in lowered  # the idle timeout


async def test_locked_account_stays_locked_even_with_the_right_password(client, db):
    await make_user(db, "clerk", "official", county_code="360827")
    b = Browser(client, {})
    for attempt in range(6):
        hidden = await b.form("/console/login")
        r = await b.request("POST", "/console/login", data={**hidden, "username": "clerk", "password": f"wrong {attempt}"})
        assert r.status_code in (401, 403)
    assert "locked" in r.text
    for _ in range(2):
        hidden = await b.form("/console/login")
        r = await b.request("POST", "/console/login", data={**hidden, "username": "clerk", "password": PASSWORD})
        assert r.status_code == 403 and "locked" in r.text
        assert COOKIE not in b.cookies
    async with db.reading() as s:
        login = await s.scalar(select(ConsoleLogin).where(ConsoleLogin.username == "clerk"))
    assert login.locked_until > utcnow() and login.failed_count == 6


async def test_disabled_user_is_signed_out_at_once(client, db):
    await make_user(db, "root", "admin")
    clerk_id = await make_user(db, "clerk", "official", county_code="360827")
    clerk = await browser_for(client, "clerk")
    root = await browser_for(client, "root")
    r = await root.post(f"/console/admin/users/{clerk_id}/disable", form_from="/console/admin/users")
    assert r.status_code == 303, r.text
    r = await clerk.get("/console/account")
    assert r.status_code == 303 and r.headers["location"].startswith("/console/login")
    hidden = await clerk.form("/console/login")
    r = await clerk.request("POST", "/console/login", data={**hidden, "username": "clerk", "password": PASSWORD})
    assert r.status_code == 403 and "disabled" in r.text


async def test_expired_sessions_are_refused_and_removed(client, db):
    await make_user(db, "clerk", "official", county_code="360827")
    clerk = await browser_for(client, "clerk")
    async with db.writing() as s:
        await s.execute(update(ConsoleSession).values(expires_at=utcnow()))
    r = await clerk.get("/console/account")
    assert r.status_code == 303 and r.headers["location"].startswith("/console/login")
    await browser_for(client, "clerk")  # a new sign-in prunes what timed out
    async with db.reading() as s:
        assert len(list(await s.scalars(select(ConsoleSession.key)))) == 1
