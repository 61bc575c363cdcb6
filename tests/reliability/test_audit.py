"""Audit trail: every write and every read of personal data leaves one JSON log line naming who,
when and what — and never a token, an ID number or a body."""

from __future__ import annotations

import json
import logging

import pytest

from service.ops.audit import is_audited
from tests.helpers import create_party

ID_NUMBER = "36082719800101123X"


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def audit_log():
    """Like caplog, but also when pytest runs with `-p no:logging` (as the project's CI does)."""
    handler = Collect()
    logger = logging.getLogger("shanshui.audit")
    logger.addHandler(handler)
    yield lambda: [json.loads(r.getMessage()) for r in handler.records]
    logger.removeHandler(handler)


async def test_writes_and_personal_reads_are_logged_without_secrets(client, admin, token_for, audit_log):
    official = await token_for("official", county_code="360827")
    village = await create_party(client, official, kind="community", org_type=None, name="Village",
                                 division_code="360827101201")
    r = await client.post("/api/v1/parties", headers={**official, "X-Request-Id": "req-42"}, json={
        "kind": "household", "name": "Li Hua", "parent_id": village["id"], "id_number": ID_NUMBER})
    household = r.json()
    await client.get(f"/api/v1/parties/{household['id']}", headers=admin)
    await client.get("/api/v1/parties", params={"q": "Li Hua"}, headers=admin)
    await client.get("/api/v1/ledger/head", headers=admin)  # not personal, not a write: not logged
    refused = await client.post("/api/v1/accounts", headers=official, json={"code": "x", "name": "x", "kind": "fund"})
    assert refused.status_code == 403

    lines = audit_log()
    me = (await client.get("/api/v1/auth/me", headers=official)).json()
    create = next(line for line in lines if line["request_id"] == "req-42")
    assert create == {**create, "event": "access", "user_id": me["user_id"], "role": "official", "method": "POST",
                      "route": "/api/v1/parties", "status": 201}
    assert create["at"].endswith("+00:00")
    read = next(line for line in lines if line["method"] == "GET" and line["object"])
    assert read["object"] == {"party_id": household["id"]} and read["role"] == "admin" and read["status"] == 200
    assert any(line["route"] == "/api/v1/accounts" and line["status"] == 403 for line in lines)
    assert not any(line["route"] == "/api/v1/ledger/head" for line in lines)
    text = json.dumps(lines)
    for secret in (ID_NUMBER, ID_NUMBER[-4:], "Li Hua", official["Authorization"].split()[1], "Bearer"):
        assert secret not in text, secret


def test_what_is_audited():
    assert is_audited("POST", "/api/v1/ledger/entries", {})
    assert is_audited("GET", "/api/v1/parties/{party_id}", {})
    assert is_audited("GET", "/api/v1/reports/statements/{party_id}", {})
    assert is_audited("GET", "/api/v1/anything", {"personal_data": True})
    assert not is_audited("GET", "/api/v1/ledger/head", {})


async def test_console_sign_in_failure_is_one_structured_line_without_the_password(client, audit_log):
    from tests.console.support import sign_in

    r = await sign_in(client, "nobody-here", "not-the-password-123")
    assert r.status_code == 401
    failed = [line for line in audit_log() if line["event"] == "console_sign_in_failed"]
    assert len(failed) == 1 and list(failed[0])[:2] == ["event", "at"] and failed[0]["at"].endswith("+00:00")
    assert failed[0]["username"] == "nobody-here" and failed[0]["reason"] == "unknown"
    assert failed[0]["method"] == "POST" and failed[0]["path"] == "/console/login"
    assert "not-the-password-123" not in json.dumps(audit_log())


async def test_an_audit_line_is_written_once_not_again_through_the_root_logger(client, admin, audit_log):
    """The audit logger writes its own JSON lines; passing them on to the root logger (which Litestar
    configures) would print every line a second time, in a format no log shipper parses as JSON."""
    root = Collect()
    logging.getLogger().addHandler(root)
    try:
        r = await client.post("/api/v1/accounts", headers=admin, json={"code": "audit:once", "name": "Once",
                                                                       "kind": "fund"})
    finally:
        logging.getLogger().removeHandler(root)
    assert r.status_code == 201, r.text
    assert [line["route"] for line in audit_log()] == ["/api/v1/accounts"]
    assert [rec for rec in root.records if rec.name == "shanshui.audit"] == []
