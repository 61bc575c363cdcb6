"""Hostile input on every write endpoint of the OpenAPI document: each answered with a 4xx problem
document, and nothing written (ledger head and every table's row count unchanged).

The endpoints come from the app's OpenAPI document; each needs a valid baseline body in BASELINES
(a route without one fails with a message saying so). The hostile values are then put into every
field of that body in turn, and unknown fields (mass assignment) are added to it.
Upload endpoints (multipart/form-data) get the malformed files of UPLOADS; add each upload route to
UPLOAD_ROUTES with the name of its file field.
"""

from __future__ import annotations

import dataclasses
import io
import json
import zipfile
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from service.models import Base
from service.roots import keys
from service.settings import Settings
from tests.helpers import create_party, funded_account, open_account
from tests.reliability import domain_baselines
from tests.reliability.server import HEAVY

MB = 1024 * 1024
# Values no field of this API accepts: wrong types, non-finite and inexact numbers, out-of-range
# numbers, empty, control characters, 1 MB strings.
HOSTILE_VALUES: list[tuple[str, Any]] = [
    ("float", 1.5), ("exponent string", "1e3"), ("negative", -1), ("huge int", 2**70),
    ("huge decimal", "99999999999999999999.99"), ("NaN string", "NaN"), ("infinity string", "Infinity"),
    ("object", {"$gt": ""}), ("list", [1, 2]), ("empty", ""), ("NUL char", "a\x00b"),
    ("control chars", "\x1b[31mred\x07"), ("1 MB string", "x" * MB), ("bool", True),
]
# Free text accepts any printable string ("1e3" is a fine memo); only these values are refused there.
FREE_TEXT = {"name", "memo", "reason", "code", "legal_basis", "reference", "purpose", "product", "unit",
             "certificate_number", "bank_reference", "trace_prefix", "agreement_reference", "note", "description",
             "observations", "route_name", "category", "role", "text", "evidence", "parcel_code"}
FREE_TEXT_HOSTILE = {"float", "negative", "huge int", "object", "list", "NUL char", "control chars", "1 MB string",
                     "bool", "empty"}
# a memo may be empty, and so may an enrollment's evidence (a contract number, when there is one)
ACCEPTED = {("memo", "empty"), ("evidence", "empty")}
MASS_ASSIGNMENT = {"approved_by": 1, "sequence": 1, "hash": "0" * 64, "status": "posted", "id": 1,
                   "entered_by": 1, "prev_hash": "0" * 64, "created_by": 1, "token_hash": "x", "role": "admin"}



@pytest.fixture
def settings(settings: Settings, tmp_path) -> Settings:
    """A publishing key in the test's directory: POST /api/v1/roots signs a head with it."""
    keys.create(tmp_path / "publishing-key.pem")
    return dataclasses.replace(settings, publishing_key=tmp_path / "publishing-key.pem")


Baseline = Callable[[Any, dict[str, str]], Awaitable[tuple[str, dict[str, Any]]]]


async def _entry_body(client, admin) -> dict[str, Any]:
    fund, _ = await funded_account(client, admin, "100.00")
    payee = await open_account(client, admin, kind="beneficiary")
    return {"postings": [{"account_id": fund, "amount": "1.00"}, {"account_id": payee["id"], "amount": "-1.00"}],
            "memo": "ok", "kind": "payment", "pending": False}


async def _pending(client, admin) -> int:
    body = await _entry_body(client, admin)
    r = await client.post("/api/v1/ledger/entries", json={**body, "pending": True}, headers=admin)
    return r.json()["id"]


async def _posted(client, admin) -> int:
    return (await client.post("/api/v1/ledger/entries", json=await _entry_body(client, admin), headers=admin)).json()["id"]


BASELINES: dict[tuple[str, str], Baseline] = {
    ("POST", "/api/v1/parties"): lambda c, a: _const("/api/v1/parties", {
        "kind": "household", "name": "Li Hua", "division_code": "360827101201", "gender": "female",
        "id_number": "36082719800101123X", "bank_account_tail": "1234", "household_size": 4}),
    ("POST", "/api/v1/accounts"): lambda c, a: _const("/api/v1/accounts", {
        "code": "fund:hostile", "name": "Hostile fund", "kind": "fund", "county_code": "360827"}),
    ("POST", "/api/v1/auth/tokens"): lambda c, a: _const("/api/v1/auth/tokens", {
        "name": "clerk", "role": "official", "county_code": "360827", "valid_days": 30}),
    ("POST", "/api/v1/ledger/entries"): lambda c, a: _with_path("/api/v1/ledger/entries", _entry_body(c, a)),
    ("POST", "/api/v1/ledger/entries/{entry_id}/void"): lambda c, a: _id_path(
        "/api/v1/ledger/entries/{}/void", _pending(c, a), {"reason": "duplicate"}),
    ("POST", "/api/v1/ledger/entries/{entry_id}/reverse"): lambda c, a: _id_path(
        "/api/v1/ledger/entries/{}/reverse", _posted(c, a), {"memo": "wrong", "effective_date": "2026-03-01"}),
    **domain_baselines.BASELINES,
}


async def _const(path, body):
    return path, body


async def _with_path(path, body_coro):
    return path, await body_coro


async def _id_path(template, id_coro, body):
    return template.format(await id_coro), body


def write_endpoints(app) -> list[tuple[str, str, str]]:
    spec = app.openapi_schema.to_schema()
    out = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            content = (op.get("requestBody") or {}).get("content", {})
            for media in content:
                out.append((method.upper(), path, media))
    return out


async def snapshot(client, admin, db) -> tuple[Any, dict[str, int]]:
    head = (await client.get("/api/v1/ledger/head", headers=admin)).json()
    async with db.reading() as s:
        counts = {t.name: await s.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables}
    return head, counts


def mutations(body: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every hostile value in every field (nested postings too), plus each mass-assignment field."""
    out = []
    for field in body:
        for name, value in HOSTILE_VALUES:
            if name == "1 MB string" and not (HEAVY or field in FREE_TEXT):
                continue
            if field in FREE_TEXT and name not in FREE_TEXT_HOSTILE or (field, name) in ACCEPTED:
                continue
            if name == "bool" and isinstance(body[field], bool):
                continue
            if field == "postings":
                for sub in ("account_id", "amount", "currency"):
                    postings = [dict(p) for p in body["postings"]]
                    postings[0][sub] = value
                    out.append((f"postings[0].{sub}={name}", {**body, "postings": postings}))
            else:
                out.append((f"{field}={name}", {**body, field: value}))
    out += [(f"mass assignment {k}", {**body, k: v}) for k, v in MASS_ASSIGNMENT.items() if k not in body]
    return out


def _is_refused(r) -> bool:
    return (400 <= r.status_code < 500 and r.headers["content-type"].startswith("application/problem+json")
            and r.json()["status"] == r.status_code)


async def test_every_write_endpoint_has_a_baseline(app):
    missing = [(m, p) for m, p, media in write_endpoints(app) if media == "application/json" and (m, p) not in BASELINES]
    assert not missing, f"add a valid baseline body for these write endpoints to BASELINES in {__file__}: {missing}"


async def test_hostile_json_is_refused_and_nothing_is_written(app, client, admin, db):
    tried = 0
    for method, path, media in write_endpoints(app):
        if media != "application/json":
            continue
        url, body = await BASELINES[(method, path)](client, admin)
        before = await snapshot(client, admin, db)
        for name, hostile in mutations(body):
            r = await client.request(method, url, content=json.dumps(hostile), headers={
                **admin, "content-type": "application/json"})
            tried += 1
            assert _is_refused(r), (path, name, r.status_code, r.text[:300])
            assert await snapshot(client, admin, db) == before, (path, name, "something was written")
        # Bodies that are not even an object, and JSON's non-standard NaN.
        for raw in (b"[]", b"null", b"\"text\"", b"{\"a\":", b"\xff\xfe", b"{\"postings\": NaN}"):
            r = await client.request(method, url, content=raw, headers={**admin, "content-type": "application/json"})
            tried += 1
            assert _is_refused(r), (path, raw, r.status_code, r.text[:300])
            assert await snapshot(client, admin, db) == before
        # The untouched baseline is accepted: the refusals above were about the hostile values.
        ok = await client.request(method, url, json=body, headers=admin)
        assert ok.status_code in (200, 201), (path, ok.text)
    print(f"hostile JSON inputs tried: {tried}")


async def test_mixed_scripts_and_odd_names_round_trip_exactly(client, admin):
    """Names in mixed scripts are legitimate (a Han name with a Latin pinyin, Yi script); they are
    stored and returned exactly, never normalised or mangled."""
    for name in ("张三 Zhang San", "ꆈꌠ village 彝族", "O'Brien; DROP TABLE parties;--", "<script>alert(1)</script>",
                 "Ａｄｍｉｎ", "e\u0301cole"):
        party = await create_party(client, admin, name=name)
        assert party["name"] == name


# --- uploads ---------------------------------------------------------------------------------

def _zip_bomb() -> bytes:
    """An .xlsx-looking zip whose one member inflates to 200 MB."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (200 * MB))
    return buf.getvalue()


UPLOADS: list[tuple[str, Callable[[], tuple[str, bytes, str]]]] = [
    ("UTF-16 text", lambda: ("batch.csv", "户主,金额\n张三,100.00\n".encode("utf-16"), "text/csv")),
    ("formula injection", lambda: ("batch.csv", b"payee,amount\n=cmd|' /C calc'!A0,100.00\n", "text/csv")),
    ("not a spreadsheet", lambda: ("batch.xlsx", b"PK\x03\x04garbage", "application/vnd.ms-excel")),
    ("zip bomb xlsx", lambda: ("batch.xlsx", _zip_bomb(), "application/vnd.openxmlformats-officedocument"
                                                            ".spreadsheetml.sheet")),
    ("over the size limit", lambda: ("batch.csv", b"a," * ((100 if HEAVY else 11) * MB), "text/csv")),
    ("empty file", lambda: ("batch.csv", b"", "text/csv")),
]
# Every multipart upload endpoint: its file field and the other form fields a valid upload carries
# (so that the refusal is about the file, not a missing field).
Form = Callable[[dict[str, Any]], dict[str, str]]
_BATCH_FORM: Form = lambda x: {"program_id": str(x["program_id"]), "period": "2026-09"}  # noqa: E731
UPLOAD_ROUTES: dict[str, tuple[str, Form]] = {
    "/api/v1/payments/batches": ("file", _BATCH_FORM),
    "/api/v1/payments/batches/dry-run": ("file", _BATCH_FORM),
    "/api/v1/payments/mark-paid": ("file", lambda x: {}),
    "/api/v1/reconciliations": ("file", lambda x: {"program_id": str(x["program_id"])}),
    "/api/v1/enrollments/import": ("file", lambda x: {"program_id": str(x["program_id"])}),
}
# Endpoints that take the file as the raw request body: path -> query parameters of a real import.
RAW_UPLOAD_ROUTES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "/api/v1/patrol-logs/import": lambda x: {"team_id": x["team_id"], "dry_run": "false"},
}


async def test_every_upload_endpoint_is_in_the_table(app):
    uploads = [p for m, p, media in write_endpoints(app) if media.startswith("multipart/")]
    missing = [p for p in uploads if p not in UPLOAD_ROUTES]
    assert not missing, f"add these upload endpoints to UPLOAD_ROUTES in {__file__}: {missing}"


@pytest.mark.parametrize("upload", UPLOADS, ids=[u[0] for u in UPLOADS])
async def test_malformed_uploads_are_refused(app, client, admin, db, upload):
    x = await domain_baselines.ctx(client, admin)
    filename, content, mime = upload[1]()
    tried = 0
    for path, (field, form) in UPLOAD_ROUTES.items():
        before = await snapshot(client, admin, db)
        r = await client.post(path, files={field: (filename, content, mime)}, data=form(x), headers=admin)
        assert _is_refused(r), (path, upload[0], r.status_code, r.text[:300])
        assert await snapshot(client, admin, db) == before
        tried += 1
    for path, params in RAW_UPLOAD_ROUTES.items():
        before = await snapshot(client, admin, db)
        r = await client.post(path, params=params(x), content=content, headers={**admin, "content-type": mime})
        assert _is_refused(r), (path, upload[0], r.status_code, r.text[:300])
        assert await snapshot(client, admin, db) == before
        tried += 1
    assert tried == len(UPLOAD_ROUTES) + len(RAW_UPLOAD_ROUTES)


async def test_exports_neutralise_formula_injection(client, admin):
    """A payee or memo that looks like a formula reaches the bank's spreadsheet as text, never as a formula."""
    x = await domain_baselines.ctx(client, admin)
    evil = "=cmd|' /C calc'!A0"
    payee = await create_party(client, admin, kind="household", org_type=None, name=evil, parent_id=x["village"])
    r = await client.post("/api/v1/payments", headers=x["official"], json={
        "program_id": x["program_id"], "payee_party_id": payee["id"], "period": "2026-11", "area_mu": "1.00",
        "memo": "+SUM(1,2)"})
    assert r.status_code == 201, r.text
    csv_text = (await client.get("/api/v1/payments/export", params={"format": "csv"}, headers=admin)).text
    assert "+SUM" in csv_text or evil in csv_text or "cmd" in csv_text, csv_text[:500]
    for line in csv_text.splitlines():
        for cell in line.split(","):
            assert not cell.strip('"').startswith(("=", "+", "@")), line
    xlsx = await client.get("/api/v1/payments/export", params={"format": "xlsx"}, headers=admin)
    assert xlsx.status_code == 200
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    cells = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert cells and not any(v.startswith(("=", "+", "@")) for v in cells), cells[:40]
