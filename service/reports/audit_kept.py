"""The audit's tables kept with the verified checkpoints, and brought up to a later sequence by the
entries after them.

An audit of the whole ledger at ten million postings read every posting and entry (18 s, 4 GiB).
Most of what it computes adds up over ranges of the journal, as the transparency rollup does
(service/ledger/rollup.py):

- the trial balance: each account's debits and credits are the checkpoint's totals
  (`ledger_checkpoint_totals`, written and verified with the newest checkpoint) plus the postings of
  the entries after it, summed in the same statement that reads the totals, so both are one snapshot;
- the flows, for each grouping: per (group, source, target) amounts and entry counts, zero links
  kept (they are dropped only when shown);
- reconciliation: per (kind, status) counts and amounts, where a later reversal moves an entry from
  its status to "reversed";
- the anomaly findings: a finding about one entry stays unless that entry was reversed since (money
  checks skip reversed entries); a finding about a group (duplicate payments to a payee under a
  program for a period, a member's stipends over the cap) is recomputed for each group the new entries
  touch, from all its entries, which the audit reads through the payee and member indexes.

An entry's metadata, accounts and their parties' places never change once it is posted (a hand edit
of them in the database is not followed; `dimensions.backfill` forgets every kept table). A reversal
takes its original's metadata, so the originals of the new reversals are read with them.
tests/reports/test_audit_kept.py compares the audit from a checkpoint with the audit from genesis
after random payments, reversals, pending and voided entries and checkpoints.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import anyio
import polars as pl
from sqlalchemy import BigInteger, Select, func, select
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession

from service.arrow import Schema, read_query
from service.db import canonical_json
from service.ledger import checkpoints, rollup
from service.ledger.models import (
    Account, AuditTables, Checkpoint, CheckpointTotal, EntryStatus, JournalEntry,
)
from service.reports import anomalies, audit_frames, journal

GROUPINGS = (None, "program", "county", "trust", "period")  # every `flows_by` the audit offers
# The checks over groups of entries: (keys of a group, kind of entry they count)
GROUP_CHECKS = {"duplicate_payment": (("payee_party_id", "program_id", "period"), "payment"),
                "stipend_above_cap": (("member_party_id", "period"), "stipend")}
_RECONCILIATION = {"kind": pl.String, "status": pl.String, "entries": pl.Int64, "amount": pl.Int64}


@dataclass
class Kept:
    """The audit's additive tables of one currency at one sequence."""

    flows: dict[str | None, pl.DataFrame]  # grouping -> `audit_frames.flow_sums`
    reconciliation: pl.DataFrame
    findings: list[anomalies.Finding]  # in the order the checks give them


@dataclass(frozen=True)
class Start:
    """Where an audit at some sequence starts: the kept tables at `point` (≤ it), part -> Arrow IPC."""

    point: int
    parts: dict[str, bytes]


# --- computing --------------------------------------------------------------------------------------


def from_genesis(url: URL, seq: int, currency: str, keys: tuple[str, ...]) -> Kept:
    per_entry, postings, accounts, findings = audit_frames.audited(url, seq, None, currency, keys)
    return Kept(_flows(per_entry, postings, accounts), audit_frames.reconciliation(per_entry), findings)


def _flows(per_entry: pl.DataFrame, postings: pl.DataFrame, accounts: pl.DataFrame,
           groupings: Iterable[str | None] = GROUPINGS) -> dict[str | None, pl.DataFrame]:
    dimensioned = audit_frames.with_dimensions(per_entry)
    return {by: audit_frames.flow_sums(dimensioned if by in ("county", "trust", "period") else per_entry,
                                       postings, accounts, by) for by in groupings}


def advanced(kept: Kept, url: URL, point: int, seq: int, currency: str, keys: tuple[str, ...]) -> Kept:
    """The tables at `seq` from those at `point` and the entries in (point, seq] (the flows of the
    groupings `kept` holds)."""
    if seq <= point:
        return kept
    new = [JournalEntry.sequence > point]
    e, p, a = audit_frames.read(url, seq, None, currency, keys, where=new)
    if not e.height:
        return kept
    e, p, a = _with_context(url, point, currency, keys, e, p, a)
    per_entry = audit_frames.per_entry(e, audit_frames.in_posting_order(p), a)
    reversals = _reversals(url, seq, per_entry["entry_id"])
    per_entry = per_entry.with_columns(is_reversed=pl.col("entry_id").is_in(reversals["entry_id"].implode()))
    per_entry = (per_entry if per_entry["sequence"].is_sorted() else per_entry.sort("sequence"))
    added = per_entry.filter(pl.col("sequence") > point)
    newly_reversed = reversals.filter(pl.col("by_sequence") > point)["entry_id"]
    undone = per_entry.filter(pl.col("entry_id").is_in(newly_reversed.implode()) & (pl.col("sequence") <= point))
    p_added = p.filter(audit_frames.members(added["entry_id"], p["entry_id"]))
    return Kept(
        flows={by: _summed(kept.flows[by], part, [*([by] if by else []), "source", "target"])
               for by, part in _flows(added, p_added, a, kept.flows).items()},
        reconciliation=_reconciliation(kept.reconciliation, added, undone),
        findings=_findings(kept.findings, per_entry, added, set(undone["sequence"].to_list())),
    )


def _with_context(url: URL, point: int, currency: str, keys: tuple[str, ...], e: pl.DataFrame, p: pl.DataFrame,
                  a: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The new entries with the earlier ones they need: the originals they reverse (a reversal takes
    its original's metadata), then every earlier member of the groups they or those originals touch."""
    frames = [(e, p, a)]
    wanted = _originals(e, set(e["entry_id"].to_list()))
    while wanted:
        more = audit_frames.read(url, point, None, currency, keys, where=[JournalEntry.id.in_(sorted(wanted))])
        frames.append(more)
        wanted = _originals(more[0], {i for f in frames for i in f[0]["entry_id"].to_list()})
    seen = pl.concat([f[0] for f in frames], how="diagonal_relaxed")
    members = _group_members(url, point, seen) - set(seen["entry_id"].to_list())
    if members:
        frames.append(audit_frames.read(url, point, None, currency, keys, where=[JournalEntry.id.in_(sorted(members))]))
    return (pl.concat([f[0] for f in frames], how="diagonal_relaxed"), pl.concat([f[1] for f in frames]),
            pl.concat([f[2] for f in frames]).unique("account_id", keep="first", maintain_order=True))


def _originals(entries: pl.DataFrame, have: set[int]) -> set[int]:
    return set(entries["reversal_of_id"].drop_nulls().to_list()) - have


def _group_members(url: URL, point: int, entries: pl.DataFrame) -> set[int]:
    """Ids of the entries up to `point` in the groups (GROUP_CHECKS) that `entries` belong to."""
    out: set[int] = set()
    e = JournalEntry
    for check_keys, kind in GROUP_CHECKS.values():
        cols, touched = _touched(entries, check_keys, kind)
        if not touched.height:
            continue
        first, rest = check_keys[0], check_keys[1:]
        column = getattr(e, journal.COLUMN_OF_KEY[first])
        number = isinstance(column.type, BigInteger)  # the payee's column is a number, read as text
        values = [int(v) if number else v for v in touched[f"m_{first}"].unique().sort().to_list()]
        q = (select(e.id, column, *[getattr(e, journal.COLUMN_OF_KEY[k]) for k in rest])
             .where(e.status == EntryStatus.POSTED, e.sequence <= point, e.kind == kind, column.in_(values)))
        schema: Schema = {"entry_id": pl.Int64, **{c: touched.schema[c] for c in cols}}
        found = read_query(url, q, schema, rollup.INDEXED)
        out |= set(found.join(touched, on=cols, how="semi")["entry_id"].to_list())
    return out


def _touched(entries: pl.DataFrame, check_keys: tuple[str, ...], kind: str) -> tuple[list[str], pl.DataFrame]:
    """The keys (as m_<key> columns) of the groups that entries of `kind` belong to."""
    cols = [f"m_{k}" for k in check_keys]
    return cols, entries.filter(pl.col("kind") == kind).drop_nulls(cols).select(cols).unique()


def _reversals(url: URL, seq: int, ids: pl.Series) -> pl.DataFrame:
    """Of these entries, those reversed by an entry posted up to `seq`, with the reversal's sequence."""
    r = JournalEntry
    q = select(r.reversal_of_id, r.sequence).where(
        r.status == EntryStatus.POSTED, r.sequence <= seq, r.reversal_of_id.in_(ids.unique().sort().to_list()))
    return read_query(url, q, {"entry_id": pl.Int64, "by_sequence": pl.Int64}, rollup.INDEXED)


def _summed(before: pl.DataFrame, added: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    both = pl.concat([before, added.select(before.columns)], how="vertical_relaxed")
    return both.group_by(keys, maintain_order=True).agg(pl.exclude(keys).sum())


def _reconciliation(before: pl.DataFrame, added: pl.DataFrame, undone: pl.DataFrame) -> pl.DataFrame:
    """Kept counts plus the new paid-out entries, with the earlier ones reversed since moved from the
    status they had to "reversed"."""
    was = audit_frames.reconciliation(undone.with_columns(is_reversed=pl.lit(False)))
    now = audit_frames.reconciliation(undone)
    parts = [before, audit_frames.reconciliation(added), now,
             was.with_columns(entries=-pl.col("entries"), amount=-pl.col("amount"))]
    every = pl.concat([f.cast(_RECONCILIATION) for f in parts])  # type: ignore[arg-type]
    return (every.group_by("kind", "status").agg(pl.col("entries", "amount").sum())
            .filter(pl.col("entries") != 0).sort("kind", "status"))


def _findings(before: list[anomalies.Finding], per_entry: pl.DataFrame, added: pl.DataFrame,
              undone: set[int]) -> list[anomalies.Finding]:
    """Per check, in the checks' order: the kept findings still true and those of the new entries."""
    out: list[anomalies.Finding] = []
    for check, name in zip(anomalies.CHECKS, anomalies.CHECK_NAMES, strict=False):
        kept = [f for f in before if f.check == name]
        if name in GROUP_CHECKS:
            out += _group_findings(check, name, kept, per_entry)
            continue
        if name != "self_approval":  # the other checks skip reversed entries
            kept = [f for f in kept if not undone & set(f.entries)]
        out += kept + check(added)
    return out


def _group_findings(check: Any, name: str, kept: list[anomalies.Finding],
                    per_entry: pl.DataFrame) -> list[anomalies.Finding]:
    """Groups the new entries touch found again from all their entries; the others as kept, in the
    check's order (by its keys)."""
    check_keys, kind = GROUP_CHECKS[name]
    cols, touched = _touched(per_entry, check_keys, kind)
    touched_keys = set(touched.iter_rows())
    found = check(per_entry.join(touched, on=cols, how="semi"))
    out = [f for f in kept if tuple(f.facts[k] for k in check_keys) not in touched_keys] + found
    return sorted(out, key=lambda f: tuple(f.facts[k] for k in check_keys))


# --- kept with the checkpoints (report_audit_tables) -------------------------------------------------

_FINDINGS: Schema = {"check": pl.String, "detail": pl.String, "entries": pl.List(pl.Int64), "amount": pl.Int64,
             "facts": pl.String}


def parts(kept: Kept) -> dict[str, bytes]:
    """Each table as an Arrow IPC stream (a province's flows by period are a million rows: parsed from
    JSON they took seconds; IPC is read as it is)."""
    findings = pl.DataFrame([(f.check, f.detail, f.entries, f.amount, canonical_json(list(f.facts.items())))
                             for f in kept.findings], schema=_FINDINGS, orient="row")
    frames = {**{f"flows:{by or ''}": frame for by, frame in kept.flows.items()},
              "reconciliation": kept.reconciliation.select(list(_RECONCILIATION)), "findings": findings}
    return {name: _ipc(frame) for name, frame in frames.items()}


def _ipc(frame: pl.DataFrame) -> bytes:
    out = io.BytesIO()
    frame.write_ipc(out, compression="lz4")
    return out.getvalue()


def from_parts(stored: dict[str, bytes]) -> Kept:
    """The tables back from `parts` (the flows of the groupings stored)."""
    frames = {name: pl.read_ipc(io.BytesIO(data)) for name, data in stored.items()}
    flows = {(name.split(":", 1)[1] or None): frame for name, frame in frames.items() if name.startswith("flows:")}
    findings = [anomalies.Finding(check, detail, list(entries), amount, dict(json.loads(facts)))
                for check, detail, entries, amount, facts in frames["findings"].iter_rows()]
    return Kept(flows, frames["reconciliation"], findings)


async def kept_at(session: AsyncSession, at_or_before: int, currency: str,
                  groupings: Iterable[str | None] = GROUPINGS) -> Start | None:
    """The newest kept tables at or before this sequence (the flows of `groupings` only)."""
    a = AuditTables
    point = await session.scalar(select(func.max(a.point)).where(a.point <= at_or_before, a.currency == currency))
    if point is None:
        return None
    names = ["reconciliation", "findings", *[f"flows:{by or ''}" for by in groupings]]
    rows = await session.execute(select(a.part, a.frame).where(a.point == point, a.currency == currency,
                                                                a.part.in_(names)))
    found = {name: bytes(frame) for name, frame in rows}
    return Start(int(point), found) if set(found) == set(names) else None  # a part missing: from genesis


async def prepare(session: AsyncSession, prepared: rollup.Prepared) -> None:
    """The audit's tables at a checkpoint being recorded: from the newest kept ones and the entries
    since, or from genesis. Stored by `rollup.store` with the checkpoint."""
    from service.reports.service import AUDIT_KEYS, CURRENCY

    url = session.get_bind().engine.url
    found = await kept_at(session, prepared.after, CURRENCY)

    def compute() -> Kept:
        if found is None:
            return from_genesis(url, prepared.sequence, CURRENCY, AUDIT_KEYS)
        return advanced(from_parts(found.parts), url, found.point, prepared.sequence, CURRENCY, AUDIT_KEYS)

    prepared.audit[CURRENCY] = parts(await anyio.to_thread.run_sync(compute))


rollup.TABLE_KEEPERS.append(prepare)


# --- an audit from the kept tables ------------------------------------------------------------------


async def start(session: AsyncSession, seq: int, currency: str, flows_by: str | None) -> Start | None:
    """The newest kept tables at or before `seq`, if the trial balance can start from the newest
    checkpoint too (its totals are kept for the newest one only)."""
    newest = await session.scalar(select(func.max(Checkpoint.sequence)))
    if newest is None or newest > seq:
        return None
    return await kept_at(session, seq, currency, [flows_by])


def trial_balance(url: URL, seq: int, currency: str) -> pl.DataFrame | None:
    """Per account of `currency` with postings: the newest checkpoint's totals plus the postings of
    the entries after it up to `seq`. The totals are read with the checkpoint they belong to, in one
    statement (a checkpoint recorded meanwhile replaces them); the accounts beside them, joined here
    (PostgreSQL hashed a million accounts with a million totals in 2 s). None if that checkpoint is
    after `seq` (recorded since the audit began) or has no totals."""
    newest = select(func.max(Checkpoint.sequence)).scalar_subquery()
    t = CheckpointTotal
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="audit-tb") as pool:
        at_checkpoint = pool.submit(read_query, url, select(t.account_id, t.debits_posted, t.credits_posted, newest),
                                    {"account_id": pl.Int64, "d0": pl.Int64, "c0": pl.Int64, "checkpoint": pl.Int64})
        accounts = pool.submit(read_query, url, select(Account.id, Account.code, Account.kind)
                               .where(Account.currency == currency),
                               {"account_id": pl.Int64, "account_code": pl.String, "account_kind": pl.String})
        totals, named = at_checkpoint.result(), accounts.result()
    if not totals.height or totals["checkpoint"][0] > seq:
        return None
    moved = read_query(url, _moved(int(totals["checkpoint"][0]), seq),
                       {"account_id": pl.Int64, "d1": pl.Int64, "c1": pl.Int64}, rollup.INDEXED)
    sums = (named.join(totals.drop("checkpoint"), on="account_id", how="left")
            .join(moved, on="account_id", how="left")
            .select("account_id", "account_code", "account_kind",
                    debits=pl.col("d0").fill_null(0) + pl.col("d1").fill_null(0),
                    credits=pl.col("c0").fill_null(0) + pl.col("c1").fill_null(0))
            .filter((pl.col("debits") > 0) | (pl.col("credits") > 0)))
    return audit_frames.balances(sums.select("account_id", "debits", "credits"), sums, currency)


def _moved(after: int, seq: int) -> Select:
    """Per account, debits and credits of the entries posted in (after, seq]."""
    sums = checkpoints.posted_sums(after, seq)
    return select(sums.c.account_id, sums.c.dp, sums.c.cp)


def tables(url: URL, begin: Start, seq: int, currency: str, keys: tuple[str, ...], flows_by: str | None
           ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, list[anomalies.Finding]] | None:
    """(trial balance, flows, reconciliation, findings) at `seq` from kept tables; None if the newest
    checkpoint moved past `seq` meanwhile."""
    tb = trial_balance(url, seq, currency)
    if tb is None:
        return None
    kept = advanced(from_parts(begin.parts), url, begin.point, seq, currency, keys)
    return tb, audit_frames.shown_flows(kept.flows[flows_by], flows_by), kept.reconciliation, kept.findings

