"""`shanshui verify` recomputes the chain from the database and names the altered entry."""

from __future__ import annotations

import asyncio

import pytest
from click.testing import CliRunner

from service import cli
from service.settings import get_settings
from tests.helpers import funded_account, open_account, post_entry, tamper


@pytest.fixture
def run_cli(database_url, monkeypatch):
    monkeypatch.setenv("SHANSHUI_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield lambda *args: CliRunner().invoke(cli.main, list(args))
    get_settings.cache_clear()


async def test_verify_names_the_tampered_entry(client, admin, db, run_cli):
    fund, _ = await funded_account(client, admin, "100.00")
    payee = await open_account(client, admin, kind="beneficiary")
    target = (await post_entry(client, admin, [(fund, "20.00"), (payee["id"], "-20.00")])).json()
    clean = await asyncio.to_thread(run_cli, "verify")
    assert clean.exit_code == 0, clean.output
    await tamper(db, "UPDATE postings SET amount = -amount WHERE entry_id = :e", e=target["id"])
    broken = await asyncio.to_thread(run_cli, "verify")
    assert broken.exit_code == 1
    assert f"sequence {target['sequence']} (entry {target['id']})" in broken.output


async def test_verify_says_what_was_left_unchecked_after_the_break(client, admin, db, run_cli):
    fund, _ = await funded_account(client, admin, "100.00")
    payee = await open_account(client, admin, kind="beneficiary")
    target = (await post_entry(client, admin, [(fund, "20.00"), (payee["id"], "-20.00")])).json()
    for _ in range(3):
        await post_entry(client, admin, [(fund, "1.00"), (payee["id"], "-1.00")])
    await tamper(db, "UPDATE journal_entries SET memo = 'edited' WHERE id = :e", e=target["id"])
    broken = await asyncio.to_thread(run_cli, "verify")
    assert broken.exit_code == 1
    assert f"expected {target['hash']}" in broken.output
    assert "3 later entries not checked (head is sequence 5)" in " ".join(broken.output.split())
