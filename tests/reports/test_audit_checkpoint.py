"""The audit's chain check starts from the newest verified checkpoint and says so; an entry altered
before that checkpoint is left to `verify --full` (and the scheduled full check), one altered after it
is found by the audit itself."""

from __future__ import annotations

from service.auth.actor import Actor
from service.ledger import service as ledger
from service.ledger.models import Account, JournalEntry
from service.ledger.verify import verify_and_checkpoint, verify_ledger
from sqlalchemy import select
from tests.helpers import tamper
from tests.reports.test_anomalies import _ledger

AUDIT = "/api/v1/reports/audit"


async def _entry_at(db, sequence: int) -> int:
    async with db.reading() as s:
        return int(await s.scalar(select(JournalEntry.id).where(JournalEntry.sequence == sequence)))


async def _more(db, n: int) -> None:
    """`n` entries through the ledger's write path, between accounts `_ledger` opened."""
    async with db.writing() as s:
        src, fund = [int(await s.scalar(select(Account.id).where(Account.code == c))) for c in ("src", "fund")]
        admin = Actor(user_id=1, name="x", role="admin")
        for _ in range(n):
            await ledger.record_entry(s, kind="funding", legs=ledger.transfer(src, fund, 100), actor=admin,
                                      metadata={"county_code": "360827"})


async def test_audit_chain_check_starts_at_the_checkpoint(client, db, auditor):
    await _ledger(db, plant=False)
    genesis = (await client.get(AUDIT, headers=auditor)).json()["chain"]
    assert genesis["ok"] and genesis["from_checkpoint"] == 0
    cp = await verify_and_checkpoint(db, full=True)
    assert cp.ok and cp.head_sequence > 3
    chain = (await client.get(AUDIT, headers=auditor)).json()["chain"]
    assert chain == {"ok": True, "checked_through": cp.head_sequence, "first_break": None,
                     "from_checkpoint": cp.head_sequence}
    # Altered before the checkpoint: the audit trusts the checkpoint, the full pass does not.
    await tamper(db, "UPDATE postings SET amount = amount * 2 WHERE entry_id = :e", e=await _entry_at(db, 3))
    assert (await client.get(AUDIT, headers=auditor)).json()["chain"]["ok"]
    async with db.reading() as s:
        full = await verify_ledger(s, full=True)
    assert not full.ok and full.first_break is not None and full.first_break.sequence == 3


async def test_audit_finds_an_entry_altered_after_the_checkpoint(client, db, auditor):
    await _ledger(db, plant=False)
    async with db.reading() as s:
        head = (await verify_ledger(s)).head_sequence
    assert (await verify_and_checkpoint(db, full=True)).ok
    await _more(db, 3)  # entries after the checkpoint
    async with db.reading() as s:
        new_head = (await verify_ledger(s)).head_sequence
    assert new_head > head + 1
    await tamper(db, "UPDATE journal_entries SET memo = 'edited' WHERE id = :e", e=await _entry_at(db, head + 1))
    doc = (await client.get(AUDIT, headers=auditor)).json()
    assert doc["chain"]["from_checkpoint"] == head and not doc["chain"]["ok"]
    assert doc["chain"]["first_break"]["sequence"] == head + 1
    assert [f["sequences"] for f in doc["anomalies"]["findings"] if f["check"] == "broken_hash_chain"] == [[head + 1]]
