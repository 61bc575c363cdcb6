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


class Browser:
    """One signed-in person: their cookies sent explicitly (so several people can share one test client)."""

    def __init__(self, client: AsyncTestClient, cookies: dict[str, str]) -> None:
        self.client, self.cookies = client, dict(cookies)

    def _headers(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}

    async def request(self, method: str, path: str, **kw: Any) -> Any:
        self.client.cookies.clear()
        r = await self.client.request(method, path, headers={**kw.pop("headers", {}), **self._headers()},
                                      follow_redirects=False, **kw)
        for cookie in r.cookies.jar:  # keep what the server set, like a browser
            if cookie.value in ("null", '""') or cookie.expires == 0:
                self.cookies.pop(cookie.name, None)
            else:
                self.cookies[cookie.name] = cookie.value
        self.client.cookies.clear()
        return r

    async def get(self, path: str, **kw: Any) -> Any:
        return await self.request("GET", path, **kw)

    async def form(self, path: str) -> dict[str, str]:
        r = await self.get(path)
        assert r.status_code == 200, (path, r.status_code, r.text[:300])
        out = {"_csrf_token": hidden(r.text, "_csrf_token")}
        if 'name="_form_key"' in r.text:
            out["_form_key"] = hidden(r.text, "_form_key")
        return out

    async def post(self, path: str, data: dict[str, Any] | None = None, *, form_from: str | None = None,
                   **kw: Any) -> Any:
        """POST a form with the CSRF token and a form key taken from `form_from` (default: `path`'s page)."""
        hidden_fields = await self.form(form_from) if form_from is not None else {}
        return await self.request("POST", path, data={**hidden_fields, **(data or {})}, **kw)


async def browser_for(client: AsyncTestClient, username: str, password: str = PASSWORD) -> Browser:
    b = Browser(client, {})
    hidden_fields = await b.form("/console/login")
    r = await b.request("POST", "/console/login", data={**hidden_fields, "username": username, "password": password,
                                                        "next": "/console/"})
    assert r.status_code == 303, r.text[:500]
    return b
