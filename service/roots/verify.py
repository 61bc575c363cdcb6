"""`shanshui roots verify`: every signed head from the first, against the journal as it is now.

For each head: its signature and signed fields, its link to the previous head, its root recomputed from
the journal, and the consistency proof from the previous head (the log was only appended to). An entry
whose content differs from what was published is named.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from service.ledger.models import GENESIS_HASH
from service.roots import check, leaves, merkle
from service.roots.service import head_doc, list_heads


@dataclass
class RootsReport:
    heads: int = 0
    entries: int = 0
    findings: list[str] = field(default_factory=list)
    altered: list[dict] = field(default_factory=list)  # {"sequence", "entry_id", "period"}

    @property
    def ok(self) -> bool:
        return not self.findings


async def verify_roots(session: AsyncSession, public_key: str | None = None) -> RootsReport:
    heads = await list_heads(session, limit=1_000_000)
    report = RootsReport(heads=len(heads))
    if not heads:
        return report
    size = heads[-1].tree_size
    now = await leaves.current(session, 1, size)
    published = await leaves.published(session, size)
    report.entries = len(now)
    current = [x.hash for x in now]
    stored, journal = merkle.Tree(published), merkle.Tree(current)
    _name_altered(report, now, published, heads)
    if len(current) < size:
        report.findings.append(f"only {len(current)} posted entries remain of the {size} published")
    previous_hash, previous_size, previous_root = GENESIS_HASH, 0, b""
    for head in heads:
        name = f"head of {head.period} (tree size {head.tree_size})"
        report.findings += check.head_findings(head_doc(head), public_key)
        if head.previous_head_hash != previous_hash:
            report.findings.append(f"{name}: does not follow the head before it")
        root = bytes.fromhex(head.root_hash)
        if head.tree_size > stored.size or stored.root(head.tree_size) != root:
            report.findings.append(f"{name}: the recorded leaf hashes do not give the signed root")
        if head.tree_size > journal.size or journal.root(head.tree_size) != root:
            report.findings.append(f"{name}: the journal as it is now does not give the signed root")
        if previous_size and head.tree_size <= journal.size and not merkle.verify_consistency(
                previous_size, head.tree_size, previous_root, root,
                journal.consistency_proof(previous_size, head.tree_size)):
            report.findings.append(f"{name}: consistency with the previous head fails on the journal as it is now")
        previous_hash, previous_size, previous_root = head.head_hash, head.tree_size, root
    return report


def _name_altered(report: RootsReport, now: list[leaves.Leaf], published: list[bytes], heads: list) -> None:
    for leaf in now:
        i = leaf.sequence - 1
        if i < len(published) and leaf.hash != published[i]:
            period = next(h.period for h in heads if h.tree_size >= leaf.sequence)
            report.altered.append({"sequence": leaf.sequence, "entry_id": leaf.entry_id, "period": period})
            report.findings.append(f"entry {leaf.entry_id} (sequence {leaf.sequence}) was altered after the head "
                                   f"of {period} was published")


async def kept_heads_findings(session: AsyncSession, kept: list[dict]) -> list[str]:
    """Heads someone kept (an export): each must still be published here with the same hash."""
    now = {h.tree_size: h.head_hash for h in await list_heads(session, limit=1_000_000)}
    out = []
    for head in kept:
        size, period = head.get("tree_size"), head.get("period")
        if size not in now:
            out.append(f"the kept head of {period} (tree size {size}) is no longer published")
        elif now[size] != head.get("head_hash"):
            out.append(f"the kept head of {period} (tree size {size}) differs from the one published now")
    return out
