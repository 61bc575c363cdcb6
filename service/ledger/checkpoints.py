"""Verified checkpoints of the chain, so that routine verification hashes only what is new.

A checkpoint says: the entry at `sequence` had `entry_hash`, and every account's posted totals were
those in `ledger_checkpoint_totals` (digest `totals_digest`). It is written only after a pass that
found nothing wrong, and is hash-linked to the previous checkpoint. Incremental verification trusts
the newest checkpoint for everything before it; a full pass (`shanshui verify --full`, or the
scheduled full check) trusts nothing, re-hashes from genesis and checks every checkpoint against the
chain it recomputed: an altered posting before a checkpoint is found there.

Comparing a million accounts with the checkpoint's totals row by row is most of an incremental pass
at province scale, so each checkpoint also keeps a check sum of its totals (`check_sum`): a sum over
accounts of the totals themselves and of each total times a coefficient drawn from the account id,
modulo a prime. Incremental verification computes it over today's accounts in one scan, takes back
what was posted (and is pending) since the checkpoint for the accounts that moved, and compares. Any
change to one account's totals changes the sum; when the sums differ, the exact comparison names the
accounts. Like the comparison it replaces, it checks the accounts against the checkpoint's totals;
what the checkpoint itself vouches for is re-checked from the postings by the full pass.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass

from collections.abc import Sequence
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, case, cast, delete, func, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.ledger.models import (
    GENESIS_HASH, Account, Checkpoint, CheckpointTotal, EntryStatus, JournalEntry, Posting,
)


@dataclass(frozen=True)
class Problem:
    sequence: int
    reason: str
    expected: str | None = None
    found: str | None = None


def checkpoint_hash(prev_hash: str, sequence: int, entry_hash: str, totals_digest: str) -> str:
    return hashlib.sha256(bytes.fromhex(prev_hash) + f"{sequence}|{entry_hash}|{totals_digest}".encode()).hexdigest()


async def latest(session: AsyncSession) -> Checkpoint | None:
    return await session.scalar(select(Checkpoint).order_by(Checkpoint.sequence.desc()).limit(1))


async def problems(session: AsyncSession, through: int | None = None) -> list[Problem]:
    """Checkpoints whose link is broken or whose entry hash is not the journal's (up to `through`)."""
    rows = (await session.execute(
        select(Checkpoint, JournalEntry.hash).outerjoin(
            JournalEntry, (JournalEntry.sequence == Checkpoint.sequence) & (JournalEntry.status == EntryStatus.POSTED))
        .order_by(Checkpoint.sequence))).all()
    out, prev = [], GENESIS_HASH
    for cp, journal_hash in rows:
        if through is not None and cp.sequence > through:
            break
        if cp.prev_hash != prev or checkpoint_hash(prev, cp.sequence, cp.entry_hash, cp.totals_digest) != cp.hash:
            out.append(Problem(cp.sequence, "checkpoint altered: its hash link does not match", prev, cp.prev_hash))
        if journal_hash != cp.entry_hash:
            out.append(Problem(cp.sequence, "the journal's entry at this checkpoint differs from what was verified",
                               cp.entry_hash, journal_hash))
        prev = cp.hash
    return out


def posted_sums(after: int, through: int | None = None):
    """Per account, debits and credits of the postings of entries posted after sequence `after` (up to
    `through`). The entries are picked first (IN): as a join, SQLite walked all postings in account
    order instead. The sums are cast back to 64-bit integers (PostgreSQL sums them as numeric)."""
    entries = select(JournalEntry.id).where(JournalEntry.status == EntryStatus.POSTED, JournalEntry.sequence > after)
    if through is not None:
        entries = entries.where(JournalEntry.sequence <= through)

    def summed(amount: Any) -> ColumnElement[Any]:
        return cast(func.coalesce(func.sum(amount), 0), BigInteger)

    return (
        select(Posting.account_id.label("account_id"),
               summed(case((Posting.amount > 0, Posting.amount), else_=0)).label("dp"),
               summed(case((Posting.amount < 0, -Posting.amount), else_=0)).label("cp"))
        .where(Posting.entry_id.in_(entries))
        .group_by(Posting.account_id).subquery()
    )


def pending_sums():
    p = (select(Posting.account_id.label("account_id"),
                func.coalesce(func.sum(case((Posting.amount > 0, Posting.amount), else_=0)), 0).label("dq"),
                func.coalesce(func.sum(case((Posting.amount < 0, -Posting.amount), else_=0)), 0).label("cq"))
         .join(JournalEntry, JournalEntry.id == Posting.entry_id)
         .where(JournalEntry.status == EntryStatus.PENDING).group_by(Posting.account_id))
    return p.subquery()


PRIME = 2_147_483_647  # 2**31 - 1: a total's residue times a coefficient stays within 64 bits
# One multiplier and offset per total (debits and credits, posted and pending): coefficients in [1, PRIME - 1].
_MIX = ((48_271, 1), (69_621, 2), (16_807, 3), (39_373, 4))


def check_sum_of(account_id: int, totals: Sequence[int]) -> int:
    """One account's part of the check sum; zero for an account with no totals."""
    out = 0
    for v, (a, b) in zip(totals, _MIX, strict=True):
        out += v + (v % PRIME) * ((account_id * a + b) % (PRIME - 1) + 1) % PRIME
    return out


def _check_sum_sql(account_id: Any, totals: Sequence[Any]) -> ColumnElement[Any]:
    """`check_sum_of` as SQL, the same integers on SQLite and PostgreSQL (totals are never negative)."""
    out: ColumnElement[Any] = literal(0)
    for v, (a, b) in zip(totals, _MIX, strict=True):
        out = out + v + (v % PRIME) * ((account_id * a + b) % (PRIME - 1) + 1) % PRIME
    return func.coalesce(func.sum(out), 0)


async def accounts_check_sum(session: AsyncSession) -> int:
    """The check sum of every account's totals as they stand, in one scan of the accounts."""
    a = Account
    return int(await session.scalar(select(_check_sum_sql(
        a.id, (a.debits_posted, a.credits_posted, a.debits_pending, a.credits_pending)))) or 0)


async def mismatches_since(session: AsyncSession, cp: Checkpoint) -> list[dict]:
    """Accounts whose totals are not the checkpoint's plus what was posted after it (and the pending
    entries' sums). With the checkpoint's check sum, one scan of the accounts confirms them all; the
    exact comparison runs only when that finds a difference."""
    if cp.totals_check is None:
        return await compare_since(session, cp.sequence)
    check = await _corrected_check_sum(session, cp.sequence)
    if check == cp.totals_check:
        return []
    out = await compare_since(session, cp.sequence)
    if not out:  # e.g. an account row deleted: no row left to name
        out.append({"account_id": None, "code": "(all accounts)", "stored": (check,), "from_postings": (cp.totals_check,)})
    return out


async def _corrected_check_sum(session: AsyncSession, sequence: int) -> int:
    """Today's check sum with what moved since the checkpoint taken back: the checkpoint's, if untouched."""
    new, pend = posted_sums(sequence), pending_sums()
    moved: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # account -> what to take back
    for account_id, dp, cp in await session.execute(select(new.c.account_id, new.c.dp, new.c.cp)):
        moved[account_id][0:2] = int(dp), int(cp)
    for account_id, dq, cq in await session.execute(select(pend.c.account_id, pend.c.dq, pend.c.cq)):
        moved[account_id][2:4] = int(dq), int(cq)
    total = await accounts_check_sum(session)
    a, ids = Account, sorted(moved)
    for i in range(0, len(ids), 5000):  # by id, through the primary key (a join made the planner scan them all)
        rows = await session.execute(select(a.id, a.debits_posted, a.credits_posted, a.debits_pending,
                                            a.credits_pending).where(a.id.in_(ids[i:i + 5000])))
        for account_id, *now in rows:
            then = [v - d for v, d in zip(now, moved[account_id], strict=True)]
            total += check_sum_of(account_id, then) - check_sum_of(account_id, now)
    return total


async def compare_since(session: AsyncSession, sequence: int) -> list[dict]:
    """Accounts whose stored totals are not the checkpoint's plus what was posted after it (and the
    pending entries' sums): the database compares, only the mismatches come back."""
    base, new, pend = CheckpointTotal, posted_sums(sequence), pending_sums()
    z = func.coalesce
    want = (z(base.debits_posted, 0) + z(new.c.dp, 0), z(base.credits_posted, 0) + z(new.c.cp, 0),
            z(pend.c.dq, 0), z(pend.c.cq, 0))
    stored = (Account.debits_posted, Account.credits_posted, Account.debits_pending, Account.credits_pending)
    differs = (stored[0] != want[0]) | (stored[1] != want[1]) | (stored[2] != want[2]) | (stored[3] != want[3])
    rows = await session.execute(
        select(Account.id, Account.code, *stored, *want)
        .outerjoin(base, base.account_id == Account.id).outerjoin(new, new.c.account_id == Account.id)
        .outerjoin(pend, pend.c.account_id == Account.id).where(differs).order_by(Account.id))
    return [{"account_id": r[0], "code": r[1], "stored": tuple(r[2:6]), "from_postings": tuple(int(x) for x in r[6:10])}
            for r in rows]


async def record(session: AsyncSession, sequence: int, entry_hash: str, *, full: bool) -> Checkpoint | None:
    """Write a checkpoint at a verified `sequence` (in a write transaction). The accounts may have moved
    on since the pass read them: their totals at `sequence` are today's minus what was posted after."""
    last = await latest(session)
    if sequence == 0 or (last is not None and last.sequence >= sequence):
        return None
    await session.execute(delete(CheckpointTotal))
    new = posted_sums(sequence)
    z = func.coalesce
    await session.execute(insert(CheckpointTotal).from_select(
        ["account_id", "debits_posted", "credits_posted"],
        select(Account.id, Account.debits_posted - z(new.c.dp, 0), Account.credits_posted - z(new.c.cp, 0))
        .outerjoin(new, new.c.account_id == Account.id)))
    check = int(await session.scalar(select(_check_sum_sql(
        CheckpointTotal.account_id, (CheckpointTotal.debits_posted, CheckpointTotal.credits_posted, 0, 0)))) or 0)
    digest = hashlib.sha256()
    rows = await session.stream(select(CheckpointTotal.account_id, CheckpointTotal.debits_posted,
                                       CheckpointTotal.credits_posted).order_by(CheckpointTotal.account_id)
                                .execution_options(yield_per=50_000))
    async for part in rows.partitions():
        digest.update("".join(f"{a},{d},{c}\n" for a, d, c in part).encode())
    prev = last.hash if last else GENESIS_HASH
    cp = Checkpoint(sequence=sequence, entry_hash=entry_hash, totals_digest=digest.hexdigest(), prev_hash=prev,
                    hash=checkpoint_hash(prev, sequence, entry_hash, digest.hexdigest()), full=full,
                    totals_check=check)
    session.add(cp)
    await session.flush()
    return cp


