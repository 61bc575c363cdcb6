"""Bulk writes (a year-end batch) with more accounts than one SQL statement can name."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from service.auth.actor import Actor
from service.errors import InvalidField
from service.ledger import service as ledger
from service.ledger.models import JournalEntry

ADMIN = Actor(user_id=1, name="test admin", role="admin")


async def test_an_entry_set_naming_40000_accounts_is_checked_not_crashed(db):
    """PostgreSQL's driver takes at most 32,767 parameters and SQLite 32,766 variables a statement:
    the accounts of a 100,000-row batch are locked in slices, in id order."""
    far = 10**12  # no such accounts
    specs = [ledger.EntrySpec(kind="payment", legs=ledger.transfer(far + 2 * i, far + 2 * i + 1, 100))
             for i in range(20_000)]
    async with db.reading() as session:
        before = await session.scalar(select(func.count(JournalEntry.id)))
    with pytest.raises(InvalidField) as refused:
        async with db.writing() as session:
            await ledger.record_entries(session, specs, actor=ADMIN, pending=True)
    assert refused.value.field == "postings[0].account_id" and "unknown account" in refused.value.reason
    async with db.reading() as session:
        assert await session.scalar(select(func.count(JournalEntry.id))) == before
