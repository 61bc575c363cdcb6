"""API fuzzing: schemathesis generates valid and invalid requests for every operation in the app's
own OpenAPI document and sends them to the live server with an admin token. No request may produce a
500; every response must be documented (status code and content type) and match its schema.

New routes are covered automatically: the operations come from the document the app generates.
Bounded for CI; SHANSHUI_HEAVY=1 raises the number of examples and randomises them.
"""

from __future__ import annotations

import httpx
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.reliability.server import HEAVY, make_token, make_token_with_id, run

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 200 if HEAVY else 12


def seed_objects(url: str, admin: dict[str, str]) -> None:
    """A few real objects so that generated ids sometimes hit something (ids start at 1)."""
    with httpx.Client(base_url=url, headers=admin) as c:
        for i in range(3):
            assert c.post("/api/v1/parties", json={"kind": "community", "name": f"Village {i}",
                                                    "division_code": "360827101201"}).status_code == 201
        src = c.post("/api/v1/accounts", json={"code": "src", "name": "Budget", "kind": "source"}).json()["id"]
        fund = c.post("/api/v1/accounts", json={"code": "fund", "name": "Fund", "kind": "fund",
                                                "county_code": "360827"}).json()["id"]
        c.post("/api/v1/ledger/entries", json={"postings": [{"account_id": src, "amount": "1000.00"},
                                                             {"account_id": fund, "amount": "-1000.00"}]})
        c.post("/api/v1/ledger/entries", json={"pending": True, "postings": [
            {"account_id": fund, "amount": "1.00"}, {"account_id": 1, "amount": "-1.00"}]})


def pinned(operation, victim_token_id: int) -> dict:
    """The fuzzer must not revoke its own token: revocation only ever targets a victim token."""
    if "/revoke" in operation.path:
        return {"path_parameters": {"token_id": victim_token_id}}
    return {}


def test_every_operation_survives_fuzzing(server):
    admin = run(make_token(server.database_url, "admin"))
    _, victim_id = run(make_token_with_id(server.database_url, "auditor"))
    seed_objects(server.url, admin)
    schema = schemathesis.openapi.from_dict(httpx.get(server.url + "/schema/openapi.json").json())
    failures: list[str] = []
    sent = 0
    statuses: dict[int, int] = {}
    unauthenticated: list[str] = []  # negative mode drops the token on purpose; positive mode must not
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 19
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @hsettings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=not HEAVY,
                       suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode, **pinned(operation, victim_id)))
            def fuzz(case) -> None:
                nonlocal sent
                response = case.call(base_url=server.url, headers=admin, timeout=30)
                sent += 1
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                if mode == GenerationMode.POSITIVE and response.status_code == 401:
                    unauthenticated.append(operation.label)
                case.validate_response(response, checks=CHECKS)

            try:
                fuzz()
            except Exception as exc:  # collect every operation's failure, then report them together
                failures.append(f"{operation.label} [{mode.value}]: {exc}"[:4000])
    print(f"fuzzed {sent} requests over {len(operations)} operations; statuses {sorted(statuses.items())}")
    # The fuzzer must have reached the handlers, not bounced off authentication.
    assert not unauthenticated, unauthenticated
    assert not failures, "\n\n".join(failures)
    assert httpx.get(server.url + "/api/v1/ledger/verify", headers=admin).json()["ok"]
