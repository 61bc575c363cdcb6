"""What the `shanshui` command tells a person: readable refusals, what it did, one finding a line."""

from __future__ import annotations

import asyncio

import pytest
from alembic.script import ScriptDirectory
from click.testing import CliRunner

from service import cli
from service.migrations import alembic_config
from service.settings import get_settings
from tests.helpers import funded_account, open_account, post_entry, tamper
from tests.test_migrations import _empty_database


def _runner(url: str, monkeypatch):
    monkeypatch.setenv("SHANSHUI_DATABASE_URL", url)
    get_settings.cache_clear()
    return lambda *args: CliRunner().invoke(cli.main, list(args))


@pytest.fixture
def run_cli(database_url, monkeypatch):
    yield _runner(database_url, monkeypatch)
    get_settings.cache_clear()


@pytest.fixture
def empty_url(tmp_path):
    url, drop = _empty_database(tmp_path)
    yield url
    drop()


def _no_traceback(result) -> None:
    assert "Traceback" not in result.output and "Error)" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)


async def test_token_for_a_party_that_does_not_exist_says_so(app, run_cli, client, admin):
    """Issue 17 item 20: this printed a raw SQLAlchemy IntegrityError traceback."""
    r = await asyncio.to_thread(run_cli, "token", "create", "--role", "community", "--scope", "party:987654")
    assert r.exit_code == 1 and "party 987654 does not exist" in r.output, r.output
    _no_traceback(r)
    r = await asyncio.to_thread(run_cli, "token", "create", "--role", "community", "--scope", "party:x1")
    assert r.exit_code == 2 and "party:x1" in r.output and "number" in r.output, r.output
    _no_traceback(r)
    # The API says the same, naming the field (it answered 409 "retry" before).
    r = await client.post("/api/v1/auth/tokens", headers=admin,
                          json={"name": "x", "role": "community", "party_id": 987654})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "party_id", r.text


def test_db_upgrade_reports_what_it_did(empty_url, monkeypatch):
    """Issue 17 item 20: on an empty database it only said "database is at the latest schema"."""
    script = ScriptDirectory.from_config(alembic_config(empty_url))
    head, count = script.get_current_head(), len(list(script.walk_revisions()))
    run = _runner(empty_url, monkeypatch)
    first = run("db", "upgrade")
    assert first.exit_code == 0, first.output
    lines = first.output.splitlines()
    assert "already" not in first.output and lines[0] == f"applied {count} migrations to an empty database:", lines
    assert lines[1].split() == ["0001", "initial", "schema"] and len(lines) == count + 2, lines
    assert lines[-1] == f"the database is now at the latest schema ({head})", lines
    again = run("db", "upgrade")
    assert again.exit_code == 0
    assert again.output.splitlines() == [f"the database is already at the latest schema ({head}); nothing to do"]
    get_settings.cache_clear()


async def test_verify_prints_one_finding_a_line(client, admin, db, run_cli):
    """Issue 17 item 20: findings ran together (and were wrapped mid-sentence)."""
    fund, _ = await funded_account(client, admin, "100.00")
    payee = await open_account(client, admin, kind="beneficiary")
    target = (await post_entry(client, admin, [(fund, "20.00"), (payee["id"], "-20.00")])).json()
    await tamper(db, "UPDATE postings SET amount = amount * 2 WHERE entry_id = :e", e=target["id"])
    r = await asyncio.to_thread(run_cli, "verify")
    assert r.exit_code == 1
    lines = r.output.strip().splitlines()
    assert lines[0] == "ledger NOT verified: 3 findings", lines
    findings = [line for line in lines[1:] if line.startswith("  - ")]  # the break's details follow unindented
    assert len(findings) == 3 and all(line.startswith("  - ") for line in findings), lines
    assert findings[0] == (f"  - chain broken at sequence {target['sequence']} (entry {target['id']}): "
                           "entry content does not match its hash (altered after posting)")
    assert all(line.count("account ") == 1 and "postings" in line for line in findings[1:]), findings
