"""Signing in to the console lands on the start page; languages; the sign-in page's refusals."""

from __future__ import annotations

from tests.console.support import Browser, browser_for, make_user


async def test_sign_in_lands_on_the_start_page(client, db):
    await make_user(db, "clerk", "official", county_code="360827", name="Wang Fang")
    clerk = await browser_for(client, "clerk")
    r = await clerk.get("/console/account")
    assert r.status_code == 200 and "Wang Fang" in r.text
    r = await clerk.get("/console/account?lang=zh")
    assert "我的账户" in r.text and 'lang="zh-CN"' in r.text
    r = await clerk.get("/console/account")  # the choice is remembered in the session
    assert "我的账户" in r.text


async def test_wrong_password_keeps_the_username_and_says_why_in_the_users_language(client, db):
    await make_user(db, "clerk", "official", county_code="360827")
    b = Browser(client, {})
    hidden = await b.form("/console/login?lang=zh")
    r = await b.request("POST", "/console/login?lang=zh", data={**hidden, "username": "clerk", "password": "nope"})
    assert r.status_code == 401
    assert "用户名或密码错误" in r.text and 'value="clerk"' in r.text
    r = await b.request("POST", "/console/login", data={**hidden, "username": "nobody", "password": "nope"})
    assert r.status_code == 401 and "The username or password is wrong." in r.text


async def test_sign_in_only_follows_console_paths(client, db):
    await make_user(db, "clerk", "official", county_code="360827")
    b = Browser(client, {})
    hidden = await b.form("/console/login")
    r = await b.request("POST", "/console/login", data={**hidden, "username": "clerk",
                                                        "password": "correct horse battery",
                                                        "next": "//evil.example/console/"})
    assert r.status_code == 303 and r.headers["location"] == "/console/"


def test_every_label_is_in_both_languages():
    from service.console.i18n import LABELS
    from service.console.router import page_routes

    page_routes()  # imports every page module, which registers its labels
    assert set(LABELS["en"]) == set(LABELS["zh"]), set(LABELS["en"]) ^ set(LABELS["zh"])
