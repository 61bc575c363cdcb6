"""Leaves of the published tree: a posted entry's leaf is its hash-chain payload (the canonical JSON of
everything that makes it what it is, `ledger.chain.canonical_bytes`); leaf i is the entry of sequence i+1."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db import chunks
from service.ledger.models import EntryStatus, JournalEntry, Posting
from service.ledger.service import entry_bytes
from service.roots import merkle
from service.roots.models import PublishedLeaf

CHUNK = 5000
_E = JournalEntry
_HASHED = (_E.id, _E.sequence, _E.kind, _E.effective_date, _E.posted_at, _E.memo, _E.meta.label("meta"),
           _E.entered_by, _E.approved_by, _E.reversal_of_id, _E.hash)


@dataclass(frozen=True)
class Leaf:
    sequence: int
    entry_id: int
    data: bytes  # what the leaf hash is computed over
    chain_hash: str

    @property
    def hash(self) -> bytes:
        return merkle.leaf_hash(self.data)


async def current(session: AsyncSession, first: int, last: int) -> list[Leaf]:
    """The leaves of posted entries first..last (sequences) as the database holds them now."""
    out: list[Leaf] = []
    start = first
    while start <= last:
        rows = (await session.execute(
            select(*_HASHED).where(_E.status == EntryStatus.POSTED, _E.sequence >= start, _E.sequence <= last)
            .order_by(_E.sequence).limit(CHUNK))).all()
        if not rows:
            break
        out += await _leaves(session, rows)
        start = rows[-1].sequence + 1
    return out


async def of(session: AsyncSession, sequences: list[int]) -> list[Leaf]:
    """The leaves of these posted entries (a statement's few lines: one read, not one per line)."""
    out: list[Leaf] = []
    for part in chunks(sorted(sequences)):
        rows = (await session.execute(
            select(*_HASHED).where(_E.status == EntryStatus.POSTED, _E.sequence.in_(part)).order_by(_E.sequence))).all()
        out += await _leaves(session, rows)
    return out


async def _leaves(session: AsyncSession, rows: Sequence[Row]) -> list[Leaf]:
    postings: dict[int, list[tuple[int, str, int]]] = defaultdict(list)
    for entry_id, account_id, currency, amount in await session.execute(
            select(Posting.entry_id, Posting.account_id, Posting.currency, Posting.amount)
            .where(Posting.entry_id.in_([r.id for r in rows]))):
        postings[entry_id].append((account_id, currency, amount))
    return [Leaf(r.sequence, r.id, entry_bytes(r, postings[r.id]), r.hash or "") for r in rows]


async def published(session: AsyncSession, size: int, after: int = 0) -> list[bytes]:
    """The leaf hashes recorded when the first `size` entries were published (those after `after`)."""
    rows = await session.execute(select(PublishedLeaf.sequence, PublishedLeaf.leaf_hash)
                                 .where(PublishedLeaf.sequence > after, PublishedLeaf.sequence <= size)
                                 .order_by(PublishedLeaf.sequence))
    return [bytes.fromhex(h) for _, h in rows]
