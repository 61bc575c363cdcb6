"""The journal's guards hold for rows written as columns (service/bulk.py): the triggers refuse a bad
row among good ones, and are all still there afterwards."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from service import bulk
from service.ledger import service as ledger
from service.ledger.models import JournalEntry, Posting
from tests.ledger.test_bulk_columns import N, _accounts, _specs, _users


async def _triggers(db) -> list[str]:
    if not db.is_sqlite:
        return []
    async with db.reading() as session:
        return sorted((await session.execute(text("SELECT sql FROM sqlite_master WHERE type = 'trigger'"))).scalars())


async def test_rows_written_as_columns_meet_the_journals_guards(db):
    clerk, approver = await _users(db)
    fund, payees = await _accounts(db, clerk, 10**9)
    async with db.writing() as session:
        pending = await ledger.record_entries(session, _specs(fund, payees), actor=clerk, pending=True)
    async with db.writing() as session:
        await ledger.post_pendings(session, pending[:N // 2], approver)
    guards = await _triggers(db)

    with pytest.raises(IntegrityError):  # a zero posting, among good ones
        async with db.writing() as session:
            await bulk.insert_columns(session, Posting.__table__, {
                "entry_id": [pending[0]] * N, "account_id": [fund] * N, "currency": ["CNY"] * N,
                "amount": [0 if i == N - 1 else 1 for i in range(N)]})
    with pytest.raises(IntegrityError):  # a status the ledger never writes
        async with db.writing() as session:
            await bulk.update_columns(session, JournalEntry.__table__, {
                "id": pending[N // 2:], "status": ["maybe"] * (N - N // 2)})
    with pytest.raises(DBAPIError, match="append-only"):  # one posted entry among pending ones
        async with db.writing() as session:
            ids = pending[N // 2 - 1:]
            await bulk.update_columns(session, JournalEntry.__table__, {"id": ids, "memo": ["edited"] * len(ids)})

    assert await _triggers(db) == guards  # every trigger is still there
    async with db.reading() as session:
        memos = set((await session.scalars(select(JournalEntry.memo).where(JournalEntry.id.in_(pending)))).all())
        zero = await session.scalar(select(Posting.id).where(Posting.amount == 0))
    assert "edited" not in memos and zero is None
    # and the rows that are allowed still go through the same path
    async with db.writing() as session:
        await ledger.post_pendings(session, pending[N // 2:], approver)
