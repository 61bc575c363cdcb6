"""Helpers for console tests: make a console user, read a form's hidden fields, sign in like a browser."""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import AsyncTestClient

from service.console import users
from service.db import Database

PASSWORD = "correct horse battery"


async def make_user(db: Database, username: str, role: str, password: str = PASSWORD, **scope: Any) -> int:
    async with db.writing() as session:
        user, _ = await users.create(session, username=username, password=password, role=role, **scope)
    return user.id


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no hidden field {name} in the page"
    return found.group(1)


async def form_of(client: AsyncTestClient, path: str) -> dict[str, str]:
    """The CSRF token and a one-time form key, as a browser gets them from the page."""
    r = await client.get(path)
    assert r.status_code == 200, r.text
    out = {"_csrf_token": hidden(r.text, "_csrf_token")}
    if 'name="_form_key"' in r.text:
        out["_form_key"] = hidden(r.text, "_form_key")
    return out


async def sign_in(client: AsyncTestClient, username: str, password: str = PASSWORD) -> Any:
    token = (await form_of(client, "/console/login"))["_csrf_token"]
    return await client.post("/console/login", data={"_csrf_token": token, "username": username,
                                                     "password": password, "next": "/console/"},
                             follow_redirects=False)
