"""Access control: every route x every role x in-scope / out-of-scope object (OWASP API1, API5).

ACCESS is the expectation table. It must name every route the app serves: a new route without a row
fails `test_every_route_has_a_rule` with a message saying what to add. Each row lists the roles that
may call the route (admin always may); PUBLIC routes need no token.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler

from service.app import create_app
from service.settings import Settings
from tests.helpers import create_party, open_account, post_entry

ROLES = ("admin", "official", "approver", "trustee", "auditor", "community", "anonymous")
PUBLIC = "public"
EVERYONE = {"admin", "official", "approver", "trustee", "auditor", "community"}
READERS = {"admin", "official", "approver", "trustee", "auditor"}

ACCESS: dict[tuple[str, str], set[str] | str] = {
    ("GET", "/health"): PUBLIC,
    ("GET", "/schema"): PUBLIC,
    ("GET", "/schema/swagger"): PUBLIC,
    ("GET", "/schema/{path}"): PUBLIC,
    ("GET", "/schema/openapi.json"): PUBLIC,
    ("GET", "/schema/oauth2-redirect.html"): PUBLIC,
    ("POST", "/api/v1/auth/tokens"): {"admin"},
    ("POST", "/api/v1/auth/tokens/{token_id}/revoke"): {"admin"},
    ("GET", "/api/v1/auth/me"): EVERYONE,
    ("GET", "/api/v1/parties"): EVERYONE,
    ("POST", "/api/v1/parties"): {"admin", "official"},
    ("GET", "/api/v1/parties/{party_id}"): EVERYONE,
    ("GET", "/api/v1/accounts"): EVERYONE,
    ("POST", "/api/v1/accounts"): {"admin"},
    ("GET", "/api/v1/accounts/{account_id}"): EVERYONE,
    ("GET", "/api/v1/accounts/{account_id}/balance"): EVERYONE,
    ("POST", "/api/v1/ledger/entries"): {"admin"},
    ("GET", "/api/v1/ledger/entries"): {"admin", "auditor"},
    ("GET", "/api/v1/ledger/entries/{entry_id}"): {"admin", "auditor"},
    ("POST", "/api/v1/ledger/entries/{entry_id}/post"): {"admin", "approver"},
    ("POST", "/api/v1/ledger/entries/{entry_id}/void"): {"admin", "approver"},
    ("POST", "/api/v1/ledger/entries/{entry_id}/reverse"): {"admin"},
    ("GET", "/api/v1/ledger/head"): EVERYONE,
    ("GET", "/api/v1/ledger/verify"): {"admin", "auditor"},
}

# Which object a path parameter names, per role: one the role may touch and one it must not.
# After merging a domain, add its path parameters here (e.g. "trust_id", "payment_id", "batch_id").
SCOPED_ROLES = ("official", "approver", "trustee", "community")


def route_table(app: Litestar) -> list[tuple[str, str, HTTPRouteHandler]]:
    rows = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if isinstance(handler, HTTPRouteHandler):
                rows += [(m, route.path_format, handler) for m in sorted(handler.http_methods)
                         if m not in ("OPTIONS", "HEAD")]
    return rows


def declared_roles(path: str, handler: HTTPRouteHandler) -> set[str] | str:
    # The API documentation (/schema) is served by Litestar's OpenAPI plugin, outside authentication.
    if handler.opt.get("exclude_from_auth") or path.startswith("/schema"):
        return PUBLIC
    roles: set[str] | None = None
    for guard in handler.resolve_guards():
        guard_roles = getattr(getattr(guard, "func", guard), "roles", None)
        if guard_roles is not None:
            roles = {str(r) for r in guard_roles} if roles is None else roles & {str(r) for r in guard_roles}
    return roles if roles is not None else set()


APP = create_app(Settings(database_url="sqlite+aiosqlite:///:memory:"))
ROUTES = route_table(APP)


def test_every_route_has_a_rule():
    missing = [f"    ({m!r}, {p!r}): {{...roles...}},  # or PUBLIC" for m, p, _ in ROUTES if (m, p) not in ACCESS]
    assert not missing, ("routes without an access rule; add them to ACCESS in tests/reliability/test_access.py:\n"
                         + "\n".join(missing))
    stale = set(ACCESS) - {(m, p) for m, p, _ in ROUTES}
    assert not stale, f"ACCESS names routes the app no longer has: {stale}"


@pytest.mark.parametrize(("method", "path", "handler"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_guard_matches_the_table(method, path, handler):
    """Every non-public route carries a role guard, and it grants exactly the roles in the table."""
    declared = declared_roles(path, handler)
    assert declared != set(), f"{method} {path} has no requires(...) guard and is not marked PUBLIC"
    assert declared == ACCESS[(method, path)], f"{method} {path}: guard allows {declared}"


@pytest.fixture
async def world(client, admin, token_for) -> dict[str, Any]:
    """Two counties, a trust each side, two households, and a token per role scoped to the first."""
    village = await create_party(client, admin, kind="community", org_type=None, name="In village", division_code="360827101201")
    other_village = await create_party(client, admin, kind="community", org_type=None, name="Out village",
                                       division_code="520000101201")
    home = await create_party(client, admin, kind="household", org_type=None, name="Home", parent_id=village["id"])
    neighbour = await create_party(client, admin, kind="household", org_type=None, name="Neighbour", parent_id=village["id"])
    away = await create_party(client, admin, kind="household", org_type=None, name="Away", parent_id=other_village["id"])
    org = await create_party(client, admin, name="Bureau")
    source = await open_account(client, admin, kind="source")
    fund_in = await open_account(client, admin, kind="fund", county_code="360827")
    fund_out = await open_account(client, admin, kind="fund", county_code="520000")
    trust_in = await open_account(client, admin, kind="trust", trust_id=1)
    trust_out = await open_account(client, admin, kind="trust", trust_id=2)
    for fund in (fund_in, fund_out):
        r = await post_entry(client, admin, [(source["id"], "100.00"), (fund["id"], "-100.00")])
        assert r.status_code == 201, r.text

    async def pending(fund: dict) -> int:
        r = await post_entry(client, admin, [(fund["id"], "1.00"), (home["benefit_account_id"], "-1.00")],
                             pending=True)
        assert r.status_code == 201, r.text
        return r.json()["id"]

    tokens = {
        "admin": admin,
        "official": await token_for("official", county_code="360827"),
        "approver": await token_for("approver", county_code="360827"),
        "trustee": await token_for("trustee", trust_id=1),
        "auditor": await token_for("auditor"),
        "community": await token_for("community", party_id=home["id"]),
        "anonymous": {},
    }
    # objects[param][role] = (in-scope id, out-of-scope id or None when the role sees everything)
    objects = {
        "party_id": {
            "official": (home["id"], away["id"]), "approver": (home["id"], away["id"]),
            "trustee": (org["id"], home["id"]), "community": (home["id"], neighbour["id"]),
        },
        "account_id": {
            "official": (fund_in["id"], fund_out["id"]), "approver": (fund_in["id"], fund_out["id"]),
            "trustee": (trust_in["id"], trust_out["id"]),
            "community": (home["benefit_account_id"], neighbour["benefit_account_id"]),
        },
        # consumed one pair per route: posting and voiding each need a fresh pending entry
        "entry_id": {"approver": [(await pending(fund_in), await pending(fund_out)) for _ in range(2)]},
        "token_id": {},
    }
    default = {"party_id": home["id"], "account_id": fund_in["id"], "entry_id": await pending(fund_in),
               "token_id": 10**6}
    return {"tokens": tokens, "objects": objects, "default": default}


GUARD_REFUSAL = "needs one of the roles"


def fill(path: str, values: dict[str, int]) -> str:
    return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: str(values[m.group(1)]), path)


API_ROUTES = [(m, p) for m, p, _ in ROUTES if p.startswith("/api/")]


async def test_route_role_matrix(client, world):
    """Each role calls each route; the guard lets exactly the table's roles through."""
    cases = 0
    for method, path in API_ROUTES:
        allowed = ACCESS[(method, path)]
        for role in ROLES:
            url = fill(path, world["default"])
            r = await client.request(method, url, headers=world["tokens"][role], json={} if method == "POST" else None)
            cases += 1
            where = f"{role} {method} {url}: {r.status_code} {r.text[:200]}"
            if role == "anonymous":
                assert r.status_code == 401, where
                assert r.headers["content-type"].startswith("application/problem+json"), where
            elif allowed == PUBLIC or role in allowed:
                assert r.status_code not in (401, 405) and GUARD_REFUSAL not in r.text, where
                assert r.status_code < 500, where
            else:
                assert r.status_code == 403 and GUARD_REFUSAL in r.text, where
    print(f"route x role cases: {cases}")


async def test_object_scope_matrix(client, world):
    """Scoped roles reach their own objects and get 404 for everyone else's (no existence leak)."""
    cases = 0
    for method, path in API_ROUTES:
        params = re.findall(r"\{(\w+)", path)
        allowed = ACCESS[(method, path)]
        if not params or allowed == PUBLIC:
            continue
        for role in SCOPED_ROLES:
            if role not in allowed:
                continue
            scope = world["objects"][params[0]].get(role)
            assert scope is not None or method == "POST", f"add {params[0]} for {role} to world['objects']"
            if scope is None:
                continue
            inside, outside = scope.pop(0) if isinstance(scope, list) else scope
            body = {"reason": "scope test"} if path.endswith("/void") else None
            ok = await client.request(method, fill(path, {**world["default"], params[0]: inside}),
                                      headers=world["tokens"][role], json=body)
            assert ok.status_code in (200, 201), (role, method, path, ok.text)
            refused = await client.request(method, fill(path, {**world["default"], params[0]: outside}),
                                           headers=world["tokens"][role], json=body)
            assert refused.status_code == 404, (role, method, path, refused.text)
            cases += 2
    print(f"object-scope cases: {cases}")
    assert cases >= 10
