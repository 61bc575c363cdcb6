"""The committed OpenAPI document is what the code generates; money is always a string in it."""

from __future__ import annotations

import json
from pathlib import Path

from service.openapi import render

COMMITTED = Path(__file__).resolve().parent.parent / "openapi" / "openapi.json"


def test_committed_openapi_is_current():
    assert COMMITTED.read_text(encoding="utf-8") == render(), "regenerate it with `shanshui openapi`"


def _walk(node, path=""):
    if isinstance(node, dict):
        for key, value in node.items():
            yield path + "/" + key, key, value
            yield from _walk(value, path + "/" + key)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{path}/{i}")


def test_money_fields_are_strings_never_numbers():
    doc = json.loads(render())
    money_names = {"amount", "posted", "available", "pending_in", "pending_out", "balance", "total"}
    for path, key, value in _walk(doc["components"]["schemas"]):
        if "/properties/" in path and key in money_names and isinstance(value, dict):
            kinds = {value.get("type")} | {v.get("type") for v in value.get("anyOf", []) + value.get("oneOf", [])}
            assert "number" not in kinds and "integer" not in kinds, path



# --- the schemas say what the server accepts (issue 17, item 1) --------------------------------------

STRING_KEYWORDS = {"maxLength", "minLength", "pattern"}
BOUND_KEYWORDS = {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}


def _types(node: dict) -> set[str]:
    kind = node.get("type")  # (a property may be called "type" too: then it is a dict)
    return set(kind) if isinstance(kind, list) else {kind} if isinstance(kind, str) else set()


def test_no_string_constraints_on_arrays_or_objects_and_no_float_bounds_on_integers():
    """A client generated from the document must be able to send what the server accepts: a dict was
    declared as an array with maxLength, and integer ids had float bounds (4.611686018427388e+18)."""
    bad = []
    for path, _, node in _walk(json.loads(render())):
        if not isinstance(node, dict):
            continue
        if _types(node) & {"array", "object"} and STRING_KEYWORDS & set(node):
            bad.append(f"{path}: {sorted(_types(node))} with {sorted(STRING_KEYWORDS & set(node))}")
        if "integer" in _types(node):
            bad += [f"{path}/{k}: {node[k]!r}" for k in BOUND_KEYWORDS & set(node) if not isinstance(node[k], int)]
    assert not bad, "\n".join(bad)


def test_dict_fields_are_objects_with_their_key_and_size_rules():
    schemas = json.loads(render())["components"]["schemas"]
    metadata = schemas["EntryIn"]["properties"]["metadata"]
    assert (metadata["type"], metadata["maxProperties"], metadata["propertyNames"]["maxLength"]) == ("object", 50, 64)
    table = schemas["ProgramIn"]["properties"]["rate_table"]
    assert (table["type"], table["maxProperties"]) == ("object", 200)
    assert (table["propertyNames"]["minLength"], table["propertyNames"]["maxLength"]) == (1, 60)
    assert table["additionalProperties"]["type"] == "string" and "pattern" in table["additionalProperties"]
    assert schemas["PostingIn"]["properties"]["account_id"] == {"type": "integer", "minimum": 1, "maximum": 2**62}


# --- operations: access, formats, documentation (items 11 and 18) -----------------------------------

WRITES = {"post", "put", "patch", "delete"}


def _operations():
    """(method, path, operation, handler) for every documented operation, handlers from the app itself."""
    from litestar.handlers import HTTPRouteHandler

    from service.app import create_app
    from service.settings import Settings

    app = create_app(Settings(database_url="sqlite+aiosqlite:///:memory:"))
    doc = app.openapi_schema.to_schema()
    handlers = {(m.lower(), route.path_format): h for route in app.routes for h in getattr(route, "route_handlers", [])
                if isinstance(h, HTTPRouteHandler) for m in h.http_methods}
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in WRITES | {"get"}:
                yield method, path, op, handlers[(method, path)]


def _roles(handler) -> set[str] | None:
    roles = None
    for guard in handler.resolve_guards():
        admitted = getattr(getattr(guard, "func", guard), "roles", None)
        if admitted is not None:
            roles = {str(r) for r in admitted} if roles is None else roles & {str(r) for r in admitted}
    return roles


def test_public_operations_need_no_token_and_the_others_say_which_roles():
    public_seen = set()
    for method, path, op, handler in _operations():
        if handler.opt.get("exclude_from_auth"):
            public_seen.add(path)
            assert op["security"] == [] and "x-roles" not in op, f"{method} {path} is public"
        else:
            assert op["security"] == [{"BearerToken": []}], f"{method} {path} needs a token"
            assert set(op["x-roles"]) == _roles(handler), f"{method} {path}: x-roles differ from its guard"
            assert "Roles: " + ", ".join(op["x-roles"]) in op["description"]
    assert {"/health", "/api/v1/reports/transparency", "/api/v1/statements/verify/{code}",
            "/api/v1/certifications/verify/{code}"} <= public_seen


def test_file_responses_are_the_formats_the_route_offers():
    from service.reports.formats import MEDIA

    checked = 0
    for method, path, op, _ in _operations():
        fmt = next((p for p in op.get("parameters", []) if p["name"] == "format" and p["in"] == "query"), None)
        if fmt and "enum" in fmt["schema"]:
            offered = {MEDIA[f].split(";")[0] for f in fmt["schema"]["enum"]}
            assert set(op["responses"]["200"]["content"]) == offered, f"{method} {path}"
            checked += 1
    assert checked >= 3
    giving = json.loads(render())["paths"]["/api/v1/reports/open-data/360giving"]["get"]["responses"]["200"]
    assert not {"application/vnd.apache.parquet", "text/html"} & set(giving["content"])


def test_every_operation_has_a_summary_roles_problems_and_writes_take_an_idempotency_key():
    problem = {"$ref": "#/components/schemas/Problem"}
    for method, path, op, handler in _operations():
        where = f"{method.upper()} {path}"
        assert op.get("summary") and op.get("description"), where
        assert op["summary"] != handler.handler_name.replace("_", " ").title(), f"{where}: give it a docstring"
        keys = [p for p in op.get("parameters", []) if p["name"] == "Idempotency-Key" and p["in"] == "header"]
        assert len(keys) == (1 if method in WRITES else 0), where
        public = bool(handler.opt.get("exclude_from_auth"))
        expected = {"429"} | (set() if public else {"401", "403"}) | ({"409"} if method in WRITES else set())
        if "{" in path or "requestBody" in op or any(p["name"].endswith("_id") for p in op.get("parameters", [])):
            expected.add("404")  # an id that names nothing, in the path, the query or the body
        if "requestBody" in op:
            expected.add("413")
        expected |= set(handler.opt.get("problems", ()))  # a route's own (roots: a head or key not there)
        if op.get("parameters") or "requestBody" in op:
            expected |= {"400", "422"}
        problems = {code for code, r in op["responses"].items() if "application/problem+json" in r.get("content", {})}
        assert problems == expected, f"{where}: {sorted(problems)}"
        for code in problems:
            assert op["responses"][code]["content"]["application/problem+json"]["schema"] == problem, where


def test_generating_the_document_twice_gives_the_same_document():
    """Litestar writes examples into a field's json_schema_extra dict: used there, they piled up per app."""
    assert render() == render()


def test_the_rules_pydantic_checks_are_in_the_document():
    doc = json.loads(render())
    schemas = doc["components"]["schemas"]
    assert schemas["AccountIn"]["properties"]["code"]["pattern"] == "^[A-Za-z0-9:._-]+$"
    assert schemas["AccountIn"]["properties"]["county_code"]["oneOf"][0]["pattern"] == r"^[0-9]{6}$"
    assert schemas["AccountIn"]["properties"]["currency"]["enum"] == ["CNY", "USD", "EUR", "HKD", "JPY"]
    assert schemas["AccountIn"]["additionalProperties"] is False
    assert schemas["LogIn"]["properties"]["start_time"]["format"] == "time"
    assert schemas["PostingIn"]["properties"]["amount"]["not"] == {"pattern": r"^-?0+(\.0+)?$"}
    journal = doc["paths"]["/api/v1/reports/journal"]["get"]["parameters"]
    assert next(p for p in journal if p["name"] == "as_of_sequence")["schema"]["oneOf"][0]["minimum"] == 0
