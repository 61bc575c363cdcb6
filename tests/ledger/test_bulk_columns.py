"""Batches of entries written as columns (service/bulk.py) keep every ledger rule, and write the same
rows as one entry at a time."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from service.auth.actor import Actor
from service.db import utcnow
from service.errors import Forbidden, InsufficientFunds
from service.ledger import dimensions
from service.ledger import service as ledger
from service.ledger.models import AccountKind, JournalEntry, Posting
from service.ledger.verify import verify_ledger

N = ledger.FEW + 36  # more than the fixed statements take: the column path


async def _users(db) -> tuple[Actor, Actor]:
    from service.auth.models import User

    async with db.writing() as session:
        ids = []
        for name in ("bulk clerk", "bulk approver"):
            user = User(name=f"{name} {utcnow().timestamp()}", role="admin", created_at=utcnow())
            session.add(user)
            await session.flush()
            ids.append(user.id)
    return (Actor(user_id=ids[0], name="clerk", role="admin", request_id="req-clerk"),
            Actor(user_id=ids[1], name="approver", role="admin", request_id="req-approver"))


async def _accounts(db, clerk: Actor, funds: int) -> tuple[int, list[int]]:
    stamp = utcnow().timestamp()
    async with db.writing() as session:
        source = await ledger.open_account(session, code=f"bulk:{stamp}:src", name="budget", kind=AccountKind.SOURCE)
        fund = await ledger.open_account(session, code=f"bulk:{stamp}:fund", name="fund", kind=AccountKind.FUND)
        payees = [(await ledger.open_account(session, code=f"bulk:{stamp}:{i}", name=f"household {i}",
                                             kind=AccountKind.BENEFICIARY)).id for i in range(N)]
        await ledger.record_entry(session, kind="funding", legs=ledger.transfer(source.id, fund.id, funds), actor=clerk)
    return fund.id, payees


def _specs(fund: int, payees: list[int]) -> list[ledger.EntrySpec]:
    return [ledger.EntrySpec(kind="payment", legs=ledger.transfer(fund, p, 100 + i), memo=f"row {i}",
                             metadata={"county_code": "360801", "program_id": 7, "payee_party_id": p, "period": "2026",
                                       "patrol_days": "2.5" if i % 2 else None, "rule": f"rule ü {i}"})
            for i, p in enumerate(payees)]


async def test_a_batch_is_reserved_approved_and_chained_like_single_entries(db):
    clerk, approver = await _users(db)
    fund, payees = await _accounts(db, clerk, 10**9)
    specs = _specs(fund, payees)
    async with db.writing() as session:
        ids = await ledger.record_entries(session, specs, actor=clerk, pending=True)
        single = await ledger.record_entry(session, kind="payment", legs=specs[0].legs, actor=clerk, pending=True,
                                           memo=specs[0].memo, metadata=specs[0].metadata)
    assert ids == sorted(ids) and len(set(ids)) == N
    async with db.reading() as session:
        entries = {e.id: e for e in (await session.execute(
            select(JournalEntry).where(JournalEntry.id.in_([*ids, single.id])))).scalars()}
        legs = (await session.execute(select(Posting.entry_id, Posting.account_id, Posting.amount)
                                      .where(Posting.entry_id.in_(ids)).order_by(Posting.id))).all()
        fund_row = await ledger.get_account(session, fund)
    columns = ["kind", "status", "effective_date", "memo", "meta", "entered_by", "request_id", "sequence", "hash",
               *dimensions.COLUMNS]
    as_one, as_batch = entries[single.id], entries[ids[0]]
    assert {c: getattr(as_batch, c) for c in columns} == {c: getattr(as_one, c) for c in columns}
    for entry_id, spec in zip(ids, specs, strict=True):
        assert entries[entry_id].meta == {k: v for k, v in spec.metadata.items()}  # type: ignore[union-attr]
        assert {c: getattr(entries[entry_id], c) for c in dimensions.COLUMNS} == dimensions.columns(spec.metadata)
    assert [(e, a, m) for e, a, m in legs] == [
        (i, leg.account_id, leg.amount) for i, spec in zip(ids, specs, strict=True) for leg in spec.legs]
    reserved = sum(100 + i for i in range(N)) + 100
    assert fund_row.debits_pending == reserved and fund_row.available_balance == 10**9 - reserved

    with pytest.raises(Forbidden):
        async with db.writing() as session:
            await ledger.post_pendings(session, ids, clerk)  # four eyes, for every entry of the batch
    async with db.writing() as session:
        await ledger.post_pendings(session, ids, approver)
        await ledger.void_pendings(session, [single.id], approver, "entered twice")
    async with db.reading() as session:
        assert (await verify_ledger(session)).ok
        fund_row = await ledger.get_account(session, fund)
        payee = await ledger.get_account(session, payees[-1])
        posted = (await session.execute(select(JournalEntry.status, JournalEntry.approved_by, JournalEntry.sequence)
                                        .where(JournalEntry.id.in_(ids)).order_by(JournalEntry.id))).all()
    assert fund_row.debits_pending == 0 and fund_row.debits_posted == reserved - 100
    assert payee.credits_posted == 100 + N - 1 and payee.credits_pending == 0
    assert {(s, a) for s, a, _ in posted} == {("posted", approver.user_id)}
    sequences = [s for _, _, s in posted]
    assert sequences == list(range(sequences[0], sequences[0] + N))  # chained in the order given


async def test_a_batch_beyond_the_fund_writes_nothing(db):
    clerk, _ = await _users(db)
    fund, payees = await _accounts(db, clerk, 1000)
    async with db.reading() as session:
        before = len((await session.execute(select(JournalEntry.id))).all())
    with pytest.raises(InsufficientFunds):
        async with db.writing() as session:
            await ledger.record_entries(session, _specs(fund, payees), actor=clerk, pending=True)
    async with db.reading() as session:
        assert len((await session.execute(select(JournalEntry.id))).all()) == before
        assert (await ledger.get_account(session, fund)).available_balance == 1000


async def test_voiding_a_batch_releases_every_reservation(db):
    clerk, approver = await _users(db)
    fund, payees = await _accounts(db, clerk, 10**9)
    async with db.writing() as session:
        ids = await ledger.record_entries(session, _specs(fund, payees), actor=clerk, pending=True)
    async with db.writing() as session:
        await ledger.void_pendings(session, ids, approver, "wrong year")
    async with db.reading() as session:
        fund_row = await ledger.get_account(session, fund)
        statuses = set((await session.scalars(select(JournalEntry.status).where(JournalEntry.id.in_(ids)))).all())
    assert fund_row.debits_pending == 0 and fund_row.available_balance == 10**9 and statuses == {"voided"}
