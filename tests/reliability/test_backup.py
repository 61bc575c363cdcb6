"""`shanshui backup` / `restore` on SQLite: a restored ledger verifies and holds the same balances;
restore refuses to overwrite a ledger without --force and refuses what is not a backup; a tampered
backup is reported. Always SQLite (PostgreSQL uses pg_dump/pg_restore)."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from click.testing import CliRunner
from litestar.testing import AsyncTestClient

from service.app import create_app
from service.cli import main
from service.db import Database
from service.models import Base
from service.settings import Settings
from tests.conftest import empty_tables
from tests.helpers import balance, funded_account, open_account, post_entry
from tests.reliability.server import make_token


async def new_ledger(path) -> str:
    url = f"sqlite+aiosqlite:///{path}"
    db = Database(url)
    async with db.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    await empty_tables(db)
    await db.dispose()
    return url


@pytest.fixture
async def ledger(tmp_path):
    url = await new_ledger(tmp_path / "live.db")
    admin = await make_token(url, "admin")
    async with AsyncTestClient(app=create_app(Settings(database_url=url))) as c:
        fund, _ = await funded_account(c, admin, "500.00")
        payee = await open_account(c, admin, kind="beneficiary")
        for _ in range(5):
            assert (await post_entry(c, admin, [(fund, "12.34"), (payee["id"], "-12.34")])).status_code == 201
        expected = (await balance(c, admin, payee["id"]))["posted"]
    return url, admin, payee["id"], expected


def cli(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


async def test_backup_then_restore_verifies_and_keeps_balances(ledger, tmp_path):
    url, admin, payee, expected = ledger
    out = tmp_path / "backup.db"
    r = await asyncio.to_thread(cli, "backup", "--out", str(out), "--database-url", url)
    assert r.exit_code == 0, r.output
    target = f"sqlite+aiosqlite:///{tmp_path / 'restored.db'}"
    r = await asyncio.to_thread(cli, "restore", str(out), "--database-url", target)
    assert r.exit_code == 0, r.output
    assert "ledger verified: 6 entries" in r.output
    async with AsyncTestClient(app=create_app(Settings(database_url=target))) as c:
        assert (await balance(c, admin, payee))["posted"] == expected  # tokens came along too
        assert (await c.get("/api/v1/ledger/verify", headers=admin)).json()["ok"]


async def test_restore_refuses_to_overwrite_a_ledger_without_force(ledger, tmp_path):
    url, *_ = ledger
    out = tmp_path / "backup.db"
    assert (await asyncio.to_thread(cli, "backup", "--out", str(out), "--database-url", url)).exit_code == 0
    r = await asyncio.to_thread(cli, "restore", str(out), "--database-url", url)
    assert r.exit_code != 0 and "--force" in r.output
    r = await asyncio.to_thread(cli, "restore", str(out), "--database-url", url, "--force")
    assert r.exit_code == 0, r.output
    r = await asyncio.to_thread(cli, "backup", "--out", str(out), "--database-url", url)
    assert r.exit_code != 0 and "exists" in r.output


async def test_restore_refuses_junk_and_reports_tampering(ledger, tmp_path):
    url, *_ = ledger
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    r = await asyncio.to_thread(cli, "restore", str(junk), "--database-url", f"sqlite+aiosqlite:///{tmp_path / 'a.db'}")
    assert r.exit_code != 0 and "not an SQLite backup" in r.output
    out = tmp_path / "backup.db"
    assert (await asyncio.to_thread(cli, "backup", "--out", str(out), "--database-url", url)).exit_code == 0
    with sqlite3.connect(out) as con:  # someone with the file drops the guard trigger and edits an amount
        con.execute("DROP TRIGGER IF EXISTS postings_append_only")
        con.execute("UPDATE postings SET amount = amount + 100 WHERE id = (SELECT max(id) FROM postings)")
    con.close()
    r = await asyncio.to_thread(cli, "restore", str(out), "--database-url", f"sqlite+aiosqlite:///{tmp_path / 'b.db'}")
    assert r.exit_code != 0 and "does not verify" in r.output


def test_postgres_is_pointed_to_pg_dump(tmp_path):
    r = cli("backup", "--out", str(tmp_path / "x"), "--database-url", "postgresql+asyncpg://u@h/db")
    assert r.exit_code != 0 and "pg_dump" in r.output
