"""Publish signed tree heads, prove inclusion and consistency, and check every head from the first.

A head covers the first `tree_size` posted entries. A period's head is published at its close (entries
posted before the period ended) or on demand by an admin (everything posted so far).
"""

from __future__ import annotations

import bisect
import calendar
import hashlib
import json
import re
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db import Database, utcnow
from service.errors import Conflict, InvalidField, NotFound
from service.ledger.models import GENESIS_HASH, EntryStatus, JournalEntry, LedgerHead
from service.roots import keys, leaves, merkle
from service.roots.models import PublishedLeaf, SignedHead

VERSION = "shanshui-signed-tree-head/1"
PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def period_end(period: str) -> datetime:
    year, month = int(period[:4]), int(period[5:])
    return datetime(year, month, calendar.monthrange(year, month)[1], 23, 59, 59, 999999, tzinfo=UTC)


def signed_bytes(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


async def latest(session: AsyncSession) -> SignedHead | None:
    return await session.scalar(select(SignedHead).order_by(SignedHead.tree_size.desc()).limit(1))


async def _size_for(session: AsyncSession, period: str, now: datetime) -> int:
    """Entries posted before the period ended; a period not yet over takes everything posted so far."""
    head = await session.get(LedgerHead, 1, with_for_update=True)
    if head is None or period_end(period) >= now:
        return head.sequence if head else 0
    return await session.scalar(select(func.coalesce(func.max(JournalEntry.sequence), 0)).where(
        JournalEntry.status == EntryStatus.POSTED, JournalEntry.posted_at <= period_end(period))) or 0


async def publish(session: AsyncSession, key: Ed25519PrivateKey, period: str | None = None,
                  now: datetime | None = None) -> SignedHead:
    """Record and sign the head of `period` (default: the current month)."""
    now = now or utcnow()
    period = period or now.strftime("%Y-%m")
    if not PERIOD.match(period):
        raise InvalidField("period", "use YYYY-MM")
    last = await latest(session)
    done = last.tree_size if last else 0
    size = await _size_for(session, period, now)
    if size <= done:
        since = f"since the head of {last.period} (tree size {done})" if last else "yet"
        raise Conflict(f"no entries posted by the end of {period} {since}; nothing to publish for {period}")
    new = await leaves.current(session, done + 1, size)
    session.add_all([PublishedLeaf(sequence=x.sequence, leaf_hash=x.hash.hex()) for x in new])
    await session.flush()
    hashes = await leaves.published(session, size)
    public = keys.public_b64(key.public_key())
    doc = {"version": VERSION, "period": period, "tree_size": size, "root_hash": merkle.root(hashes).hex(),
           "chain_hash": new[-1].chain_hash, "previous_head_hash": last.head_hash if last else GENESIS_HASH,
           "published_at": now.isoformat(timespec="seconds"), "key_id": keys.key_id(public)}
    signed = signed_bytes(doc)
    head = SignedHead(period=period, tree_size=size, root_hash=doc["root_hash"], chain_hash=doc["chain_hash"],
                      previous_head_hash=doc["previous_head_hash"], published_at=now, key_id=doc["key_id"],
                      public_key=public, signed=signed.decode(), signature=keys.sign(key, signed),
                      head_hash=hashlib.sha256(signed).hexdigest())
    session.add(head)
    await session.flush()
    return head


def head_doc(head: SignedHead) -> dict[str, Any]:
    """What anyone needs to check a head: its fields, the exact signed text and the signature."""
    return {"period": head.period, "tree_size": head.tree_size, "root_hash": head.root_hash,
            "chain_hash": head.chain_hash, "previous_head_hash": head.previous_head_hash,
            "published_at": head.published_at, "key_id": head.key_id, "public_key": head.public_key,
            "head_hash": head.head_hash, "signed": head.signed, "signature": head.signature}


class _Published:
    """This process's tree of published leaf hashes. Published leaves are append-only, and so are
    heads: a new head only extends the tree (its new leaves read and hashed once), it never rebuilds
    it. A tree that does not give a head's root (another database: tests, a copy) is built anew."""

    tree = merkle.Tree([])
    # The head (size, root) the tree was last built for from scratch although it does not give that
    # root (published leaves edited behind the triggers): proofs come from the leaves as they are, and
    # the next statement does not read them all again.
    built_for: tuple[int, str] | None = None


async def published_tree(session: AsyncSession, head: SignedHead, heads: list[SignedHead] | None = None) -> merkle.Tree:
    """A tree of the published leaf hashes that covers `head` (and agrees with it and with `heads`)."""
    tree = _Published.tree
    if tree.size < head.tree_size and not _agrees(tree, heads or [head]):
        tree = merkle.Tree([])
    if tree.size < head.tree_size:
        start = tree.size
        more = await leaves.published(session, head.tree_size, after=start)
        if tree.size != start:  # another request extended it meanwhile: start again from there
            return await published_tree(session, head, heads)
        tree.extend(more)
    key = (head.tree_size, head.root_hash)
    if tree.root(head.tree_size).hex() != head.root_hash and _Published.built_for != key:
        tree = merkle.Tree(await leaves.published(session, head.tree_size))
        _Published.built_for = key
    _Published.tree = tree
    return tree


def _agrees(tree: merkle.Tree, heads: list[SignedHead]) -> bool:
    """The tree is a prefix of these heads' tree: some head has its size and root, or it is empty."""
    return tree.size == 0 or any(h.tree_size == tree.size and tree.root().hex() == h.root_hash for h in heads)


async def warm_published_tree(db: Database) -> None:
    """Build the published tree up to the newest head before the first statement asks for it (a server
    at start): otherwise that statement reads and hashes every published leaf, seconds per million."""
    async with db.reading() as session:
        heads = await list_heads(session, limit=1_000_000)
        if heads:
            await published_tree(session, heads[-1], heads)


async def list_heads(session: AsyncSession, limit: int = 500, offset: int = 0) -> list[SignedHead]:
    q = select(SignedHead).order_by(SignedHead.tree_size).limit(limit).offset(offset)
    return list((await session.scalars(q)).all())


async def get_head(session: AsyncSession, tree_size: int) -> SignedHead:
    head = await session.scalar(select(SignedHead).where(SignedHead.tree_size == tree_size))
    if head is None:
        raise NotFound(f"no signed head of tree size {tree_size}")
    return head


async def consistency(session: AsyncSession, first: int, second: int) -> dict[str, Any]:
    """The proof that the head of size `first` is a prefix of the head of size `second`."""
    if first > second:
        raise InvalidField("first", "must not be larger than second")
    old, new = await get_head(session, first), await get_head(session, second)
    proof = (await published_tree(session, new)).consistency_proof(first, second)
    return {"first": head_doc(old), "second": head_doc(new), "proof": [p.hex() for p in proof]}


async def inclusion(session: AsyncSession, sequences: list[int]) -> dict[int, dict[str, Any] | None]:
    """For each sequence: its leaf as the database holds it now, its inclusion proof (from the published
    leaf hashes) and the first signed head covering it; None while no head covers it yet."""
    heads = await list_heads(session, limit=1_000_000)
    out: dict[int, dict[str, Any] | None] = dict.fromkeys(sequences)
    wanted = sorted(s for s in sequences if heads and s <= heads[-1].tree_size)
    if not wanted:
        return out
    by_seq = {x.sequence: x for x in await leaves.of(session, wanted)}
    tree = await published_tree(session, heads[-1], heads)
    sizes = [h.tree_size for h in heads]
    for s in wanted:
        head = heads[bisect.bisect_left(sizes, s)]  # the first head covering it
        leaf = by_seq.get(s)
        if leaf is None:
            continue
        out[s] = {"entry_id": leaf.entry_id, "leaf_index": s - 1, "leaf": leaf.data.decode(),
                  "leaf_hash": leaf.hash.hex(), "tree_size": head.tree_size,
                  "proof": [p.hex() for p in tree.inclusion_proof(s - 1, head.tree_size)],
                  "head": head_doc(head)}
    return out
