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
from tests.console.role_access import ROLE_PAGES
from tests.helpers import open_account, post_entry
from tests.reliability.domain_world import county_objects

ROLES = ("admin", "official", "approver", "trustee", "auditor", "community", "anonymous")
PUBLIC = "public"
EVERYONE = {"admin", "official", "approver", "trustee", "auditor", "community"}
READERS = {"admin", "official", "approver", "trustee", "auditor"}
# Patrols and certifications are county business: trustees have nothing to read there, a household
# reads only its own certificates and the patrol logs it is a member of (object scope below).
COUNTY_READERS = {"admin", "official", "approver", "auditor"}
OWN_READERS = COUNTY_READERS | {"community"}
OFFICIAL_PAGES = {"admin", "official"}

ACCESS: dict[tuple[str, str], set[str] | str] = {
    ("GET", "/health"): PUBLIC,
    ("GET", "/schema"): PUBLIC,
    ("GET", "/schema/swagger"): PUBLIC,
    ("GET", "/schema/{path}"): PUBLIC,
    ("GET", "/schema/openapi.json"): PUBLIC,
    ("GET", "/schema/oauth2-redirect.html"): PUBLIC,
    ("GET", "/schema/static/{file_path}"): PUBLIC,  # Swagger UI's own files, served by the service
    ("GET", "/schema/swagger-init.js"): PUBLIC,
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
    # Domains. Officials enter, approvers approve (never their own: checked in the domain tests),
    # trustees manage their trust and its agreements, auditors read, communities read their own payments
    # and shares; every read is further limited to the caller's county / trust / party (object scope below).
    ("GET", "/api/v1/certifications"): OWN_READERS,
    ("POST", "/api/v1/certifications"): {"admin", "official"},
    ("GET", "/api/v1/certifications/verify/{code}"): PUBLIC,
    # reports and statements (service/reports, service/web)
    ("GET", "/api/v1/reports/transparency"): PUBLIC,
    ("GET", "/api/v1/reports/audit"): {"admin", "auditor"},
    ("GET", "/api/v1/reports/audit/trial-balance"): {"admin", "auditor"},
    ("GET", "/api/v1/reports/audit/flows"): {"admin", "auditor"},
    ("GET", "/api/v1/reports/audit/reconciliation"): {"admin", "auditor"},
    ("GET", "/api/v1/reports/audit/anomalies"): {"admin", "auditor"},
    ("GET", "/api/v1/reports/journal"): {"admin", "auditor"},
    ("GET", "/api/v1/reports/open-data/360giving"): {"admin", "auditor"},
    ("GET", "/api/v1/statements/{party_id}"): {"admin", "auditor", "official", "approver", "community"},
    ("GET", "/api/v1/statements/verify/{code}"): PUBLIC,
    ("GET", "/transparency"): PUBLIC,
    ("GET", "/statement"): PUBLIC,
    ("POST", "/statement"): PUBLIC,  # the token travels in the form body, checked by the page
    ("GET", "/statement/verify"): PUBLIC,
    ("GET", "/certificates/verify"): PUBLIC,
    # published signed roots (service/roots): public heads, proofs, key and checker; an admin publishes
    ("GET", "/api/v1/roots"): PUBLIC,
    ("POST", "/api/v1/roots"): {"admin"},
    ("GET", "/api/v1/roots/{tree_size}"): PUBLIC,
    ("GET", "/api/v1/roots/consistency"): PUBLIC,
    ("GET", "/api/v1/roots/key"): PUBLIC,
    ("GET", "/.well-known/shanshui-publishing-key"): PUBLIC,
    ("GET", "/roots/checker"): PUBLIC,
    # grievances (service/grievances): a household or the official for its village committee files,
    # the county's officials (and approvers, once escalated or overdue) act, anyone tracks by code
    ("POST", "/api/v1/grievances"): {"admin", "official", "community"},
    ("GET", "/api/v1/grievances"): {"admin", "official", "approver", "auditor", "community"},
    ("GET", "/api/v1/grievances/{grievance_id}"): {"admin", "official", "approver", "auditor", "community"},
    ("POST", "/api/v1/grievances/{grievance_id}/answers"): {"admin", "official", "approver"},
    ("POST", "/api/v1/grievances/{grievance_id}/evidence"): {"admin", "official", "approver"},
    ("POST", "/api/v1/grievances/{grievance_id}/resolve"): {"admin", "official", "approver"},
    ("POST", "/api/v1/grievances/{grievance_id}/escalate"): {"admin", "official"},
    ("POST", "/api/v1/grievances/escalate-overdue"): {"admin"},
    ("GET", "/api/v1/grievances/track/{code}"): PUBLIC,
    ("GET", "/api/v1/certifications/{cert_id}"): OWN_READERS,
    ("POST", "/api/v1/certifications/{cert_id}/reinstate"): {"admin", "official"},
    ("POST", "/api/v1/certifications/{cert_id}/revoke"): {"admin", "official"},
    ("POST", "/api/v1/certifications/{cert_id}/suspend"): {"admin", "official"},
    ("GET", "/api/v1/eco-product-sales"): COUNTY_READERS,
    ("POST", "/api/v1/eco-product-sales"): {"admin", "official"},
    ("GET", "/api/v1/eco-product-sales/levy-rules"): COUNTY_READERS,
    ("POST", "/api/v1/eco-product-sales/levy-rules"): {"admin", "official"},
    ("GET", "/api/v1/eco-product-sales/{sale_id}"): COUNTY_READERS,
    ("GET", "/api/v1/patrol-logs"): OWN_READERS,
    ("POST", "/api/v1/patrol-logs"): {"admin", "official"},
    ("POST", "/api/v1/patrol-logs/import"): {"admin", "official"},
    ("GET", "/api/v1/patrol-logs/{log_id}"): OWN_READERS,
    ("POST", "/api/v1/patrol-logs/{log_id}/reject"): {"admin", "approver"},
    ("POST", "/api/v1/patrol-logs/{log_id}/verify"): {"admin", "approver"},
    ("GET", "/api/v1/patrol-teams"): COUNTY_READERS,
    ("POST", "/api/v1/patrol-teams"): {"admin", "official"},
    ("GET", "/api/v1/patrol-teams/{team_id}"): COUNTY_READERS,
    ("POST", "/api/v1/patrol-teams/{team_id}/members"): {"admin", "official"},
    ("GET", "/api/v1/payments"): EVERYONE,
    ("POST", "/api/v1/payments"): {"admin", "official"},
    ("GET", "/api/v1/payments/batches"): READERS,
    ("POST", "/api/v1/payments/batches"): {"admin", "official"},
    ("POST", "/api/v1/payments/batches/dry-run"): {"admin", "official"},
    ("GET", "/api/v1/payments/batches/{batch_id}"): READERS,
    ("POST", "/api/v1/payments/batches/{batch_id}/approve"): {"admin", "approver"},
    ("GET", "/api/v1/payments/export"): READERS,
    ("POST", "/api/v1/payments/mark-paid"): {"admin", "official", "approver"},
    ("GET", "/api/v1/payments/{payment_id}"): EVERYONE,
    ("POST", "/api/v1/payments/{payment_id}/approve"): {"admin", "approver"},
    ("POST", "/api/v1/payments/{payment_id}/mark-paid"): {"admin", "official", "approver"},
    ("POST", "/api/v1/payments/{payment_id}/reject"): {"admin", "approver"},
    ("POST", "/api/v1/payments/{payment_id}/reverse"): {"admin", "official", "approver"},
    ("POST", "/api/v1/enrollments"): {"admin", "official"},
    ("GET", "/api/v1/enrollments"): COUNTY_READERS,
    ("GET", "/api/v1/enrollments/{enrollment_id}"): COUNTY_READERS,
    ("POST", "/api/v1/enrollments/import"): {"admin", "official"},
    ("POST", "/api/v1/change-requests"): {"admin", "official"},
    ("GET", "/api/v1/change-requests"): COUNTY_READERS,
    ("GET", "/api/v1/change-requests/{change_id}"): COUNTY_READERS,
    ("POST", "/api/v1/change-requests/{change_id}/approve"): {"admin", "approver"},
    ("POST", "/api/v1/change-requests/{change_id}/reject"): {"admin", "approver"},
    ("POST", "/api/v1/cycles/dry-run"): {"admin", "official", "approver"},
    ("POST", "/api/v1/cycles"): {"admin", "official"},
    ("GET", "/api/v1/cycles"): COUNTY_READERS,
    ("GET", "/api/v1/cycles/{cycle_id}"): COUNTY_READERS,
    ("GET", "/api/v1/programs"): READERS,
    ("POST", "/api/v1/programs"): {"admin", "official"},
    ("GET", "/api/v1/programs/{program_id}"): READERS,
    ("POST", "/api/v1/programs/{program_id}/funding"): {"admin", "official"},
    ("GET", "/api/v1/fundings"): COUNTY_READERS,
    ("GET", "/api/v1/fundings/{funding_id}"): COUNTY_READERS,
    ("POST", "/api/v1/fundings/{funding_id}/approve"): {"admin", "approver"},
    ("POST", "/api/v1/fundings/{funding_id}/reject"): {"admin", "approver"},
    ("GET", "/api/v1/budget-sources"): COUNTY_READERS,
    ("POST", "/api/v1/budget-sources"): {"admin"},
    ("POST", "/api/v1/budget-receipts"): {"admin", "official"},
    ("GET", "/api/v1/reconciliations"): READERS,
    ("POST", "/api/v1/reconciliations"): {"admin", "official", "approver"},
    ("GET", "/api/v1/reconciliations/{run_id}"): READERS,
    ("GET", "/api/v1/share-agreements"): READERS,
    ("POST", "/api/v1/share-agreements"): {"admin", "official", "trustee"},
    ("GET", "/api/v1/share-agreements/stakeholders/{party_id}/history"): EVERYONE,
    ("GET", "/api/v1/share-agreements/{agreement_id}"): READERS,
    ("GET", "/api/v1/share-agreements/{agreement_id}/distributions"): READERS,
    ("POST", "/api/v1/share-agreements/{agreement_id}/distributions"): {"admin", "official", "trustee"},
    ("GET", "/api/v1/share-agreements/{agreement_id}/distributions/{distribution_id}"): READERS,
    ("GET", "/api/v1/share-agreements/{agreement_id}/revenue"): READERS,
    ("POST", "/api/v1/share-agreements/{agreement_id}/revenue"): {"admin", "official", "trustee"},
    ("GET", "/api/v1/share-agreements/{agreement_id}/versions"): READERS,
    ("POST", "/api/v1/share-agreements/{agreement_id}/versions"): {"admin", "official", "trustee"},
    ("GET", "/api/v1/stipend-rules"): COUNTY_READERS,
    ("POST", "/api/v1/stipend-rules"): {"admin", "official"},
    ("GET", "/api/v1/stipend-rules/{rule_id}"): COUNTY_READERS,
    ("GET", "/api/v1/stipend-runs"): COUNTY_READERS,
    ("POST", "/api/v1/stipend-runs"): {"admin", "official"},
    ("POST", "/api/v1/stipend-runs/dry-run"): COUNTY_READERS,
    ("GET", "/api/v1/stipend-runs/{run_id}"): COUNTY_READERS,
    ("POST", "/api/v1/stipend-runs/{run_id}/approve"): {"admin", "approver"},
    ("POST", "/api/v1/stipend-runs/{run_id}/reject"): {"admin", "approver"},
    ("GET", "/api/v1/trusts"): READERS,
    ("POST", "/api/v1/trusts"): {"admin"},
    ("GET", "/api/v1/trusts/{trust_id}"): READERS,
    ("GET", "/api/v1/trusts/{trust_id}/contributions"): READERS,
    ("POST", "/api/v1/trusts/{trust_id}/contributions"): {"admin", "trustee"},
    ("GET", "/api/v1/trusts/{trust_id}/disbursements"): READERS,
    ("POST", "/api/v1/trusts/{trust_id}/disbursements"): {"admin", "trustee"},
    ("POST", "/api/v1/trusts/{trust_id}/settlors"): {"admin", "trustee"},
    ("GET", "/api/v1/trusts/{trust_id}/statement"): READERS,
    # the operator console (service/console): signed in by session, never by token; its own matrix test
    # (tests/console/test_console_access.py) signs in each role and calls every one of these routes
    ("GET", "/console/login"): PUBLIC,
    ("POST", "/console/login"): PUBLIC,
    ("GET", "/console/static/{file_path}"): PUBLIC,
    ("GET", "/console"): EVERYONE,
    ("POST", "/console/logout"): EVERYONE,
    ("GET", "/console/account"): EVERYONE,
    ("POST", "/console/account/password"): EVERYONE,
    ("GET", "/console/admin/users"): {"admin"},
    ("POST", "/console/admin/users"): {"admin"},
    ("POST", "/console/admin/users/{user_id}/disable"): {"admin"},
    ("POST", "/console/admin/users/{user_id}/enable"): {"admin"},
    # the official's pages (service/console/pages/official*.py)
    ('GET', '/console/bank'): OFFICIAL_PAGES,
    ('POST', '/console/bank/mark-paid'): OFFICIAL_PAGES,
    ('POST', '/console/bank/reconciliations'): OFFICIAL_PAGES,
    ('GET', '/console/bank/reconciliations/{run_id}'): OFFICIAL_PAGES,
    ('GET', '/console/batches'): OFFICIAL_PAGES,
    ('POST', '/console/batches/commit'): OFFICIAL_PAGES,
    ('POST', '/console/batches/dry-run'): OFFICIAL_PAGES,
    ('GET', '/console/batches/{batch_id}'): OFFICIAL_PAGES,
    ('GET', '/console/cycles'): OFFICIAL_PAGES,
    ('POST', '/console/cycles/commit'): OFFICIAL_PAGES,
    ('POST', '/console/cycles/dry-run'): OFFICIAL_PAGES,
    ('GET', '/console/enrollments'): OFFICIAL_PAGES,
    ('GET', '/console/enrollments/{enrollment_id}'): OFFICIAL_PAGES,
    ('GET', '/console/enrollments/import'): OFFICIAL_PAGES,
    ('POST', '/console/enrollments/import/commit'): OFFICIAL_PAGES,
    ('POST', '/console/enrollments/import/dry-run'): OFFICIAL_PAGES,
    ('POST', '/console/enrollments/{enrollment_id}/changes'): OFFICIAL_PAGES,
    ('GET', '/console/households'): OFFICIAL_PAGES,
    ('POST', '/console/households'): OFFICIAL_PAGES,
    ('GET', '/console/households/new'): OFFICIAL_PAGES,
    ('GET', '/console/households/{party_id}'): OFFICIAL_PAGES,
    ('GET', '/console/official'): OFFICIAL_PAGES,
    ('GET', '/console/payments'): OFFICIAL_PAGES,
    ('POST', '/console/payments'): OFFICIAL_PAGES,
    ('GET', '/console/payments/export'): OFFICIAL_PAGES,
    ('GET', '/console/payments/new'): OFFICIAL_PAGES,
    ('POST', '/console/payments/price'): OFFICIAL_PAGES,
    ('GET', '/console/payments/{payment_id}'): OFFICIAL_PAGES,
    ('POST', '/console/payments/{payment_id}/mark-paid'): OFFICIAL_PAGES,
    ('POST', '/console/payments/{payment_id}/reverse'): OFFICIAL_PAGES,
    ('GET', '/console/programs'): OFFICIAL_PAGES,
    ('POST', '/console/programs'): OFFICIAL_PAGES,
    ('GET', '/console/programs/{program_id}'): OFFICIAL_PAGES,
    ('POST', '/console/programs/{program_id}/funding'): OFFICIAL_PAGES,
}
ACCESS.update(ROLE_PAGES)  # the approver, patrol, trustee, auditor and household pages (tests/console/role_access.py)

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
ROUTES = sorted(route_table(APP), key=lambda r: (r[1], r[0]))  # stable order: pytest-xdist workers must agree


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


def test_no_guard_hops_to_a_thread():
    """Litestar runs a plain (sync) guard function in a worker thread, a hop on every request of its
    route; every guard is a coroutine function instead (so is the rate limit's predicate)."""
    import inspect

    from service import ratelimit

    sync = sorted({f"{m} {p}: {getattr(g, '__qualname__', g)}" for m, p, h in ROUTES for g in h.resolve_guards()
                   if not inspect.iscoroutinefunction(getattr(g, "func", g))})
    assert not sync, sync
    assert inspect.iscoroutinefunction(ratelimit._counted)


def _pairs(inside: dict[str, Any], outside: dict[str, Any], key: str, roles=("official", "approver")) -> dict:
    return {role: (inside[key], outside[key]) for role in roles}


@pytest.fixture
async def world(client, admin, token_for) -> dict[str, Any]:
    """Two counties with every domain object in each, a trust each side, households, and a token per
    role scoped to the first county, trust and household."""
    official = await token_for("official", county_code="360827")
    approver = await token_for("approver", county_code="360827")
    inside = await county_objects(client, admin, "360827", official, approver)
    outside = await county_objects(client, admin, "520000", await token_for("official", county_code="520000"),
                                   await token_for("approver", county_code="520000"))
    home, neighbour, away = inside["homes"][0], inside["homes"][1], outside["homes"][0]
    accounts = {h: (await client.get(f"/api/v1/parties/{h}", headers=admin)).json()["benefit_account_id"]
                for h in (home, neighbour)}
    source = await open_account(client, admin, kind="source")
    fund_in = await open_account(client, admin, kind="fund", county_code="360827")
    fund_out = await open_account(client, admin, kind="fund", county_code="520000")
    trust_in = await open_account(client, admin, kind="trust", trust_id=inside["trust_id"])
    trust_out = await open_account(client, admin, kind="trust", trust_id=outside["trust_id"])
    for fund in (fund_in, fund_out):
        r = await post_entry(client, admin, [(source["id"], "100.00"), (fund["id"], "-100.00")])
        assert r.status_code == 201, r.text

    async def pending(fund: dict) -> int:
        r = await post_entry(client, admin, [(fund["id"], "1.00"), (accounts[home], "-1.00")], pending=True)
        assert r.status_code == 201, r.text
        return r.json()["id"]

    tokens = {
        "admin": admin, "official": official, "approver": approver,
        "trustee": await token_for("trustee", trust_id=inside["trust_id"]),
        "auditor": await token_for("auditor"),
        "community": await token_for("community", party_id=home),
        "anonymous": {},
    }
    # an admin's reconciliation names no county: nobody scoped may read it
    r = await client.post("/api/v1/reconciliations", headers=admin, files={
        "file": ("bank.csv", b"reference,date,amount\nREF-9,2026-03-01,1.00\n", "text/csv")})
    assert r.status_code == 201, r.text
    countyless_run = r.json()["id"]
    # objects[key][role] = (in-scope id or None when the role has nothing of its own, out-of-scope id).
    # GET routes look up their first path parameter (see object_key); POST routes their own row.
    objects: dict[Any, dict[str, Any]] = {
        "party_id": {
            "official": (home, away), "approver": (home, away),
            # a trustee reads its own trust's beneficiary household, not the other trust's trustee company
            "trustee": (inside["trust_home"], outside["trust_trustee"]), "community": (home, neighbour),
        },
        "account_id": {
            "official": (fund_in["id"], fund_out["id"]), "approver": (fund_in["id"], fund_out["id"]),
            "trustee": (trust_in["id"], trust_out["id"]), "community": (accounts[home], accounts[neighbour]),
        },
        "payment_id": {**_pairs(inside, outside, "payment_id"), "trustee": (None, inside["payment_id"]),
                       "community": (inside["payments"][home], inside["payments"][neighbour])},
        "trust_id": {**_pairs(inside, outside, "trust_id", ("official", "approver", "trustee"))},
        "agreement_id": {**_pairs(inside, outside, "agreement_id"), "trustee": (None, inside["agreement_id"])},
        **{key: {**_pairs(inside, outside, key), "trustee": (None, inside[key])}
           for key in ("program_id", "batch_id")},
        "reconciliation_id": {**_pairs(inside, outside, "reconciliation_id"), "trustee": (None, countyless_run)},
        **{key: _pairs(inside, outside, key) for key in ("team_id", "rule_id", "stipend_run_id", "sale_id", "funding_id",
                                                         "enrollment_id", "change_id", "cycle_id")},
        # a household reads its own certificate and patrol logs, not its neighbour's
        "cert_id": {**_pairs(inside, outside, "cert_id"), "community": tuple(inside["home_certs"])},
        "log_id": {**_pairs(inside, outside, "log_id"), "community": (inside["log_id"], inside["neighbour_log"])},
        # writes on someone else's object: consumed one pair per route where each needs a fresh object
        ("POST", "/api/v1/ledger/entries/{entry_id}/post"): {
            "approver": [(await pending(fund_in), await pending(fund_out))]},
        ("POST", "/api/v1/ledger/entries/{entry_id}/void"): {
            "approver": [(await pending(fund_in), await pending(fund_out))], "body": {"reason": "scope test"}},
        ("POST", "/api/v1/payments/{payment_id}/approve"): {"approver": [
            (inside["approvable_payments"][0], outside["approvable_payments"][0])]},
        ("POST", "/api/v1/payments/{payment_id}/reject"): {"approver": [
            (inside["approvable_payments"][1], outside["approvable_payments"][1])], "body": {"reason": "scope"}},
        ("POST", "/api/v1/patrol-logs/{log_id}/verify"): {"approver": [
            (inside["reviewable_logs"][0], outside["reviewable_logs"][0])]},
        ("POST", "/api/v1/patrol-logs/{log_id}/reject"): {"approver": [
            (inside["reviewable_logs"][1], outside["reviewable_logs"][1])], "body": {"reason": "scope"}},
        ("POST", "/api/v1/fundings/{funding_id}/approve"): {"approver": [
            (inside["pending_fundings"][0], outside["pending_fundings"][0])]},
        ("POST", "/api/v1/fundings/{funding_id}/reject"): {"approver": [
            (inside["pending_fundings"][1], outside["pending_fundings"][1])], "body": {"reason": "scope"}},
        ("POST", "/api/v1/change-requests/{change_id}/approve"): {"approver": [
            (inside["pending_changes"][0], outside["pending_changes"][0])]},
        ("POST", "/api/v1/change-requests/{change_id}/reject"): {"approver": [
            (inside["pending_changes"][1], outside["pending_changes"][1])], "body": {"reason": "scope"}},
        ("POST", "/api/v1/payments/batches/{batch_id}/approve"): {"approver": [
            (inside["batch_id"], outside["batch_id"])]},
        ("POST", "/api/v1/stipend-runs/{run_id}/approve"): {"approver": [
            (inside["stipend_run_id"], outside["stipend_run_id"])]},
        ("POST", "/api/v1/share-agreements/{agreement_id}/revenue"): {
            "official": (inside["agreement_id"], outside["agreement_id"]),
            "body": {"amount": "1.00", "received_on": "2026-02-02", "reference": "SCOPE"}},
        ("POST", "/api/v1/trusts/{trust_id}/contributions"): {
            "trustee": (inside["trust_id"], outside["trust_id"]),
            "body": {"settlor_party_id": inside["trust_settlor"], "amount": "1.00", "received_on": "2026-02-01",
                     "reference": "SCOPE"}},
    }
    from tests.grievances.access import grievance_objects

    grievances = await grievance_objects(client, admin, home, neighbour, away)
    objects.update(grievances["objects"])
    default = {"grievance_id": grievances["default"], "tree_size": 1, "party_id": home, "account_id": fund_in["id"], "entry_id": await pending(fund_in),
               "token_id": 10**6, "code": "ZN-360827-0001", "run_id": inside["stipend_run_id"],
               **{k: inside[k] for k in ("program_id", "payment_id", "batch_id", "trust_id", "agreement_id",
                                         "distribution_id", "team_id", "log_id", "rule_id", "cert_id", "sale_id",
                                         "funding_id", "enrollment_id", "change_id", "cycle_id")}}
    return {"tokens": tokens, "objects": objects, "default": default, "inside": inside}


def object_key(path: str, param: str) -> str:
    """`run_id` names a reconciliation or a stipend run depending on the route."""
    if param == "run_id":
        return "reconciliation_id" if path.startswith("/api/v1/reconciliations") else "stipend_run_id"
    return param


# the role guard's refusal; approvals explain the four-eyes rule instead (what to do, not which roles exist)
GUARD_REFUSALS = ("needs one of the roles", "needs a second official with the approver role")


def guard_refused(text: str) -> bool:
    return any(refusal in text for refusal in GUARD_REFUSALS)


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
            if allowed == PUBLIC:
                assert r.status_code not in (401, 403) and r.status_code < 500, where
            elif role == "anonymous":
                assert r.status_code == 401, where
                assert r.headers["content-type"].startswith("application/problem+json"), where
            elif allowed == PUBLIC or role in allowed:
                assert r.status_code not in (401, 405) and not guard_refused(r.text), where
                assert r.status_code < 500, where
            else:
                assert r.status_code == 403 and guard_refused(r.text), where
    print(f"route x role cases: {cases}")


async def test_object_scope_matrix(client, world):
    """Scoped roles reach their own objects and get 404 for everyone else's (no existence leak, OWASP API1):
    an official of another county, a trustee of another trust, a household's neighbour see nothing."""
    cases = 0
    objects = world["objects"]
    for method, path in API_ROUTES:
        params = re.findall(r"\{(\w+)", path)
        allowed = ACCESS[(method, path)]
        if not params or allowed == PUBLIC:
            continue
        key = object_key(path, params[0])
        row = objects.get((method, path), {}) if method == "POST" else objects.get(key, {})
        for role in SCOPED_ROLES:
            if role not in allowed:
                continue
            scope = row.get(role)
            assert scope is not None or method == "POST", f"add {key} for {role} to world['objects']"
            if scope is None:
                continue
            inside, outside = scope.pop(0) if isinstance(scope, list) else scope
            body = row.get("body")
            if inside is not None:
                ok = await client.request(method, fill(path, {**world["default"], params[0]: inside}),
                                          headers=world["tokens"][role], json=body)
                assert ok.status_code in (200, 201), (role, method, path, ok.text)
                cases += 1
            refused = await client.request(method, fill(path, {**world["default"], params[0]: outside}),
                                           headers=world["tokens"][role], json=body)
            assert refused.status_code == 404, (role, method, path, refused.text)
            cases += 1
    print(f"object-scope cases: {cases}")
    assert cases >= 100


async def test_lists_show_only_what_is_in_scope(client, world):
    """Lists are filtered the same way: no object of the other county, trust or household appears."""
    inside = world["inside"]
    lists = {
        "/api/v1/parties": "party_id", "/api/v1/programs": "program_id", "/api/v1/payments": "payment_id", "/api/v1/payments/batches": "batch_id",
        "/api/v1/reconciliations": "reconciliation_id", "/api/v1/trusts": "trust_id",
        "/api/v1/share-agreements": "agreement_id", "/api/v1/patrol-teams": "team_id", "/api/v1/patrol-logs": "log_id",
        "/api/v1/stipend-rules": "rule_id", "/api/v1/stipend-runs": "stipend_run_id", "/api/v1/certifications": "cert_id",
        "/api/v1/eco-product-sales": "sale_id", "/api/v1/fundings": "funding_id",
    }
    cases = 0
    for path, key in lists.items():
        for role in SCOPED_ROLES:
            if role not in ACCESS[("GET", path)]:
                continue
            r = await client.get(path, headers=world["tokens"][role], params={"limit": 500})
            assert r.status_code == 200, (role, path, r.text)
            ids = {item["id"] for item in r.json()["items"]}
            inside_id, outside_id = world["objects"][key].get(role) or (None, None)
            if key == "payment_id" and role == "community":
                assert inside["payments"][inside["homes"][1]] not in ids, (role, path, ids)
            assert outside_id not in ids, (role, path, ids)
            assert inside_id is None or inside_id in ids, (role, path, ids)
            cases += 1
    print(f"list-scope cases: {cases}")
