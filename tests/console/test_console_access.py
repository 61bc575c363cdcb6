"""Every console route x every role, signed in by session: the guard lets exactly the roles in
tests/reliability/test_access.py's ACCESS table through; anonymous visitors are sent to sign in."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.console.role_access import DEFAULTS as ROLE_PAGE_DEFAULTS
from tests.console.support import Browser, browser_for, make_user
from tests.helpers import create_party
from tests.reliability.test_access import ACCESS, PUBLIC, ROLES, ROUTES

CONSOLE_ROUTES = [(m, p) for m, p, _ in ROUTES if p.startswith("/console")]
# Logging out ends the session: run it last so that the other routes are tried signed in.
CONSOLE_ROUTES.sort(key=lambda r: r[1] == "/console/logout")
FORBIDDEN_PAGE = "You do not have access to this page."


@pytest.fixture
async def people(client, db, admin) -> dict[str, Any]:
    household = (await create_party(client, admin, kind="household", name="Li household", org_type=None,
                                     division_code="360827"))["id"]
    scopes = {"official": {"county_code": "360827"}, "approver": {"county_code": "360827"},
              "trustee": {"trust_id": 1}, "community": {"party_id": household}}
    for role in ROLES[:-1]:
        await make_user(db, f"{role}-user", role, **scopes.get(role, {}))
    spare = await make_user(db, "spare-user", "auditor")
    browsers = {role: await browser_for(client, f"{role}-user") for role in ROLES[:-1]}
    browsers["anonymous"] = Browser(client, {})
    missing = 10**6  # allowed roles get a 404 page for an object that is not there, never a 403 or a 500
    defaults = {**ROLE_PAGE_DEFAULTS, "user_id": spare, "file_path": "console.css", "party_id": household,
                **{k: missing for k in ("payment_id", "program_id", "batch_id", "run_id", "funding_id")}}
    return {"browsers": browsers, "defaults": defaults, "household": household}


def sent_to_sign_in(r: Any) -> bool:
    location = r.headers.get("location", "")
    return r.status_code == 303 and (location == "/console/login" or location.startswith("/console/login?next="))


def fill(path: str, values: dict[str, Any]) -> str:
    return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: str(values[m.group(1)]), path)


async def test_console_route_role_matrix(client, people):
    assert len(CONSOLE_ROUTES) >= 36
    cases = 0
    for method, path in CONSOLE_ROUTES:
        allowed = ACCESS[(method, path)]
        url = fill(path, people["defaults"])
        for role in ROLES:
            b = people["browsers"][role]
            if method == "GET":
                r = await b.get(url)
            else:
                r = await b.post(url, {}, form_from="/console/login" if role == "anonymous" else "/console/account")
            cases += 1
            where = f"{role} {method} {url}: {r.status_code} {r.text[:200]}"
            if allowed == PUBLIC:
                assert r.status_code < 500 and FORBIDDEN_PAGE not in r.text, where
            elif role == "anonymous":
                assert sent_to_sign_in(r), where
            elif role in allowed:
                assert r.status_code < 500 and r.status_code != 403, where
                assert not sent_to_sign_in(r), where
            else:
                assert r.status_code == 403 and FORBIDDEN_PAGE in r.text, where
            if (method, path) == ("POST", "/console/logout") and role in allowed:
                assert r.status_code == 303
    print(f"console route x role cases: {cases}")
