"""Refusals: each bad request gets a problem document naming the field, and nothing is written."""

from __future__ import annotations

import pytest

from tests.helpers import balance, funded_account, open_account


@pytest.fixture
async def accounts(client, admin):
    fund, _ = await funded_account(client, admin, "100.00")
    payee = await open_account(client, admin, kind="beneficiary")
    usd = await open_account(client, admin, kind="beneficiary", currency="USD")
    return fund, payee["id"], usd["id"]


def legs(a, b, amount_a, amount_b, currency_b="CNY"):
    return {"postings": [{"account_id": a, "amount": amount_a}, {"account_id": b, "amount": amount_b, "currency": currency_b}]}


CASES = [
    ("float", lambda f, p, u: {"postings": [{"account_id": f, "amount": 1.5}, {"account_id": p, "amount": "-1.50"}]}, "postings.0.amount"),
    ("three decimals", lambda f, p, u: legs(f, p, "1.005", "-1.005"), "postings.0.amount"),
    ("exponent", lambda f, p, u: legs(f, p, "1e3", "-1e3"), "postings.0.amount"),
    ("NaN", lambda f, p, u: legs(f, p, "NaN", "-NaN"), "postings.0.amount"),
    ("unbalanced", lambda f, p, u: legs(f, p, "5.00", "-4.00"), "postings"),
    ("unknown account", lambda f, p, u: legs(f, 999999, "5.00", "-5.00"), "postings[1].account_id"),
    ("mixed currency", lambda f, p, u: legs(f, u, "5.00", "-5.00", "USD"), "postings"),
    ("currency of the wrong account", lambda f, p, u: legs(f, p, "5.00", "-5.00", "USD"), "postings"),
    ("zero", lambda f, p, u: legs(f, p, "0.00", "0.00"), "postings[0].amount"),
    ("one posting", lambda f, p, u: {"postings": [{"account_id": f, "amount": "1.00"}]}, "postings"),
    ("mass assignment", lambda f, p, u: {**legs(f, p, "1.00", "-1.00"), "sequence": 1, "hash": "x"}, "sequence"),
    ("huge", lambda f, p, u: legs(f, p, "99999999999999999.00", "-99999999999999999.00"), "postings.0.amount"),
]


@pytest.mark.parametrize(("name", "body", "field"), CASES, ids=[c[0] for c in CASES])
async def test_bad_entry_is_refused_with_the_field_named(client, admin, auditor, accounts, name, body, field):
    fund, payee, usd = accounts
    before = (await client.get("/api/v1/ledger/head", headers=admin)).json()
    r = await client.post("/api/v1/ledger/entries", json=body(fund, payee, usd), headers=admin)
    assert 400 <= r.status_code < 500, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["status"] == r.status_code and problem["detail"]
    fields = [e["field"] for e in problem.get("errors", [])]
    assert any(f.startswith(field) for f in fields), (fields, problem)
    assert (await client.get("/api/v1/ledger/head", headers=admin)).json() == before
    assert (await balance(client, admin, fund))["available"] == "100.00"


async def test_oversized_body_is_refused(client, admin, accounts):
    fund, payee, _ = accounts
    body = legs(fund, payee, "1.00", "-1.00")
    body["memo"] = "x" * (21 * 1024 * 1024)
    r = await client.post("/api/v1/ledger/entries", json=body, headers=admin)
    assert r.status_code == 413
    assert r.headers["content-type"].startswith("application/problem+json")


async def test_malformed_json_is_a_problem_not_a_500(client, admin):
    r = await client.post("/api/v1/ledger/entries", content=b"{not json", headers={**admin, "content-type": "application/json"})
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/problem+json")
