"""Recompute the hash chain and the account totals from the postings, and name the first break.

By default verification starts from the newest checkpoint (`checkpoints.py`): it trusts what a
previous pass verified and hashes only what came after. `full=True` starts from genesis, re-checks
every checkpoint against the recomputed chain, and is what finds an entry altered before the newest
checkpoint; run it on a schedule (docs/scale.md). Long walks are checked range by range by PostgreSQL
itself (`dbchain.py`), or read for the Arrow path (`fastchain.py`).
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import asyncio

import anyio
import polars as pl
from sqlalchemy import Select, case, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from service import arrow, money
from service.ledger import checkpoints, dbchain, fastchain, rollup
from service.ledger.chain import link
from service.ledger.models import GENESIS_HASH, Account, EntryStatus, JournalEntry, LedgerHead, Posting
from service.ledger.service import entry_bytes

CHUNK = 5000
# Two passes recording at once (the scheduled check and `shanshui verify --checkpoint`) would each link
# their checkpoint to the same previous one, and store rollups of overlapping ranges: on PostgreSQL the
# recording transactions take this advisory lock, so the second sees the first's checkpoint.
CHECKPOINT_LOCK = 0x5348_4350  # "SHCP"
# Entries to walk from which the Arrow batch path pays for its start-up. On SQLite that start-up is
# the reader process (service/arrow.py, ~1-2 s the first time); on PostgreSQL, or once the reader
# runs, one connection: there 18,000 entries walked row by row took 1.1-1.3 s, in batches 0.6 s.
FAST_FROM = 20_000
FAST_FROM_SHARE = 10  # where the start-up is cheap: from FAST_FROM / 10 entries
# What the hash covers, read as plain rows: loading millions of ORM objects would take most of the time.
_E = JournalEntry
_HASHED = (_E.id, _E.sequence, _E.kind, _E.effective_date, _E.posted_at, _E.memo, _E.meta.label("meta"),
           _E.entered_by, _E.approved_by, _E.reversal_of_id, _E.prev_hash, _E.hash)


@dataclass
class Break:
    sequence: int | None
    entry_id: int | None
    reason: str
    expected: str | None = None  # what the chain says should be there (a hash, a sequence, a sum)
    found: str | None = None  # what is there


@dataclass
class VerifyReport:
    checked: int = 0  # entries verified, from the first up to the break
    head_sequence: int = 0  # the ledger's head as the database records it, broken chain or not
    head_hash: str = GENESIS_HASH
    first_break: Break | None = None
    not_checked: int = 0  # posted entries after the break: a broken link makes everything after it unverifiable
    account_mismatches: list[dict] = field(default_factory=list)
    from_checkpoint: int = 0  # entries up to this sequence were taken from a verified checkpoint
    full: bool = False

    @property
    def ok(self) -> bool:
        return self.first_break is None and not self.account_mismatches


async def verify_ledger(session: AsyncSession, progress: Callable[[int, int], None] | None = None, *,
                        totals: bool = True, full: bool = False) -> VerifyReport:
    """Recompute the chain (from the newest checkpoint, or with `full` from genesis); with `totals`,
    also every account's totals from its postings."""
    report = VerifyReport(full=full)
    if session.get_bind().dialect.name == "postgresql" and not session.in_transaction():
        # one snapshot for the head, the entries and the account totals: under READ COMMITTED an entry
        # committed between two of these reads looked like a broken chain
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    head = await session.get(LedgerHead, 1)
    total = head.sequence if head else 0
    start, prev = 0, GENESIS_HASH
    problems = await checkpoints.problems(session)
    cp = None if full or problems else await checkpoints.latest(session)
    if cp is not None and cp.sequence <= total:
        start, prev = cp.sequence, cp.entry_hash
    else:
        cp = None
    report.checked = report.from_checkpoint = start
    accounts = None
    if totals and cp is None:  # summed beside the walk, on connections of their own
        accounts = asyncio.ensure_future(anyio.to_thread.run_sync(_candidates, session.get_bind().engine.url))
    try:
        prev = await _walk(session, report, start, prev, total, progress)
    except BaseException:
        if accounts is not None:  # its answer is not wanted (and its failure, if any, not reported twice)
            accounts.cancel()
        raise
    if head is None:
        report.head_sequence, report.head_hash = report.checked, prev
    else:
        report.head_sequence, report.head_hash = head.sequence, head.hash
    if report.first_break is None and (report.head_sequence, report.head_hash) != (report.checked, prev):
        report.first_break = Break(
            report.head_sequence, None, "the chain head does not match the last posted entry",
            expected=f"{report.head_sequence} {report.head_hash}", found=f"{report.checked} {prev}")
    elif report.first_break is not None and report.first_break.sequence is not None:
        report.not_checked = await session.scalar(select(func.count()).where(
            JournalEntry.status == EntryStatus.POSTED, JournalEntry.sequence > report.first_break.sequence)) or 0
    if report.first_break is None and problems:  # the chain is sound, but a checkpoint is not what it says
        p = problems[0]
        report.first_break = Break(p.sequence, None, p.reason, expected=p.expected, found=p.found)
    if accounts is not None:
        report.account_mismatches = await _account_mismatches(session, await accounts)
    elif totals and cp is not None:
        report.account_mismatches = await checkpoints.mismatches_since(session, cp)
    return report


async def _walk(session: AsyncSession, report: VerifyReport, start: int, prev: str, total: int,
                progress: Callable[[int, int], None] | None) -> str:
    """Check posted entries after `start` in sequence order until the first break; returns the last good hash."""
    cheap_start = session.get_bind().dialect.name == "postgresql" or arrow.reader_started()
    fast_from = FAST_FROM // FAST_FROM_SHARE if cheap_start else FAST_FROM
    if total - start >= fast_from:
        return await _walk_batches(session, report, start, prev, total, progress)
    expected_seq = start + 1
    while report.first_break is None:
        entries = (
            await session.execute(
                select(*_HASHED).where(JournalEntry.status == EntryStatus.POSTED, JournalEntry.sequence >= expected_seq)
                .order_by(JournalEntry.sequence).limit(CHUNK)
            )
        ).all()
        if not entries:
            break
        postings = await _postings(session, [e.id for e in entries])
        for entry in entries:
            report.first_break = _check_entry(entry, postings[entry.id], expected_seq, prev)
            if report.first_break:
                break
            prev, expected_seq = entry.hash or "", expected_seq + 1
            report.checked += 1
        if progress:
            progress(report.checked, total)
    return prev


async def _postings(session: AsyncSession, entry_ids: list[int]) -> dict[int, list[tuple[int, str, int]]]:
    postings: dict[int, list[tuple[int, str, int]]] = defaultdict(list)
    rows = await session.execute(
        select(Posting.entry_id, Posting.account_id, Posting.currency, Posting.amount)
        .where(Posting.entry_id.in_(entry_ids))
    )
    for entry_id, account_id, currency, amount in rows:
        postings[entry_id].append((account_id, currency, amount))
    return postings


async def _walk_batches(session: AsyncSession, report: VerifyReport, start: int, prev: str, total: int,
                        progress: Callable[[int, int], None] | None) -> str:
    """The same walk over large ranges, each checked apart (by PostgreSQL itself, or read as Arrow
    batches and hashed, on SQLite in reader processes); an entry a range check cannot confirm is
    checked again by `_check_entry` (the reference), which decides whether it is a break. The next
    ranges are under way while one is walked."""
    url = session.get_bind().engine.url
    seq = start + 1
    with ThreadPoolExecutor(max_workers=fastchain.READ_AHEAD, thread_name_prefix="chain-read") as pool:
        for read in _read_ahead(pool, url, seq, total):
            checked: dbchain.Checked = await asyncio.wrap_future(read)
            if checked.count == 0:
                break
            for i, entry_id, before in checked.suspects(prev):
                row = (await session.execute(select(*_HASHED).where(JournalEntry.id == entry_id))).one()
                brk = _check_entry(row, (await _postings(session, [entry_id]))[entry_id], seq + i, before)
                if brk:
                    report.first_break, report.checked = brk, seq + i - 1
                    return before
            prev, seq = checked.last_hash or "", seq + checked.count
            report.checked = seq - 1
            if progress:
                progress(report.checked, total)
    return prev


def _read_range(url: Any, lo: int, hi: int) -> dbchain.Checked:
    """One range of the walk: checked by PostgreSQL itself (dbchain), else read for the Arrow path."""
    if url.get_backend_name() == "postgresql" and dbchain.IN_DATABASE:
        try:
            checked = dbchain.check_range(url, lo, hi)
        except Exception:  # noqa: BLE001  the accelerator refused the range (e.g. a prev_hash that is not hex)
            pass
        else:  # many unconfirmed (metadata stored before its text was canonical): re-encoded in bulk instead
            if len(checked.found) <= dbchain.FEW_SUSPECTS:
                return checked
    if url.get_backend_name() == "sqlite":  # read and hashed in a reader process, two ranges at once
        return arrow.in_reader(fastchain.check_range, url, lo, hi, fastchain.STORED_TEXT)
    return fastchain.check_range(url, lo, hi, fastchain.STORED_TEXT)


def _read_ahead(pool: ThreadPoolExecutor, url: Any, first: int, total: int) -> Iterator[Future]:
    """The reads of the sequence ranges [first, total] in batches, `READ_AHEAD` of them under way at
    once, in order. The walk's own running sequence still decides what each entry should be: a range
    that lacks entries shows as a break in the next one."""
    ranges = iter(range(first, total + 1, fastchain.BATCH))
    pending: deque[Future] = deque()
    while True:
        while len(pending) < fastchain.READ_AHEAD and (lo := next(ranges, None)) is not None:
            pending.append(pool.submit(_read_range, url, lo, min(total, lo + fastchain.BATCH - 1)))
        if not pending:
            return
        yield pending.popleft()


def _check_entry(entry: Any, postings: list[tuple[int, str, int]], seq: int, prev: str) -> Break | None:
    if entry.sequence != seq:
        return Break(seq, None, f"sequence {seq} is missing (next found is {entry.sequence})",
                     expected=str(seq), found=str(entry.sequence))
    if entry.prev_hash != prev:
        return Break(seq, entry.id, "previous-hash link does not match the preceding entry",
                     expected=prev, found=entry.prev_hash)
    sums: dict[str, int] = defaultdict(int)
    for _, currency, amount in postings:
        sums[currency] += amount
    if len(postings) < 2 or any(sums.values()):
        found = ", ".join(f"{c} {money.format(m, c)}" for c, m in sorted(sums.items())) or "none"
        return Break(seq, entry.id, "postings do not balance", expected="2 or more postings summing to 0 per currency",
                     found=f"{len(postings)} posting(s) summing to {found}")
    recomputed = link(prev, entry_bytes(entry, postings))
    if recomputed != entry.hash:
        return Break(seq, entry.id, "entry content does not match its hash (altered after posting)",
                     expected=entry.hash, found=recomputed)
    return None


def _side(debits: bool, status: EntryStatus | None = None) -> Any:
    """Debits (or credits) of the postings summed, of entries with `status` only if given."""
    when = Posting.amount > 0 if debits else Posting.amount < 0
    if status is not None:
        when = when & (JournalEntry.status == status)
    return func.coalesce(func.sum(case((when, func.abs(Posting.amount)), else_=0)), 0)


def _mismatch_query(ids: list[int] | None = None) -> Select:
    """Accounts whose totals are not the sums of their postings, posted and pending (of `ids` only, if
    given). Posted is every posting less those of entries not posted (pending, voided: few): summing
    all postings per account needs no join with the entries, which at ten million postings was most
    of the check."""
    only = [] if ids is None else [Posting.account_id.in_(ids)]
    every = select(Posting.account_id, _side(True).label("d"), _side(False).label("c")).where(*only).group_by(
        Posting.account_id).subquery()
    other = (select(Posting.account_id, _side(True).label("d"), _side(False).label("c"),
                    _side(True, EntryStatus.PENDING).label("dq"), _side(False, EntryStatus.PENDING).label("cq"))
             .join(JournalEntry, JournalEntry.id == Posting.entry_id)
             .where(JournalEntry.status != EntryStatus.POSTED, *only).group_by(Posting.account_id).subquery())
    z = func.coalesce
    want = (z(every.c.d, 0) - z(other.c.d, 0), z(every.c.c, 0) - z(other.c.c, 0), z(other.c.dq, 0), z(other.c.cq, 0))
    stored = (Account.debits_posted, Account.credits_posted, Account.debits_pending, Account.credits_pending)
    return (  # compared by the database: a million accounts need not come back
        select(Account.id, Account.code, *stored, *want).outerjoin(every, every.c.account_id == Account.id)
        .outerjoin(other, other.c.account_id == Account.id)
        .where(or_(*(s != w for s, w in zip(stored, want, strict=True))), *([] if ids is None else [Account.id.in_(ids)]))
        .order_by(Account.id)
    )


async def _account_mismatches(session: AsyncSession, found: list[int]) -> list[dict]:
    """The accounts among `found` whose totals are not their postings' sums, as this session sees them."""
    rows = [r for i in range(0, len(found), 500) for r in await session.execute(_mismatch_query(found[i:i + 500]))]
    return [{"account_id": r[0], "code": r[1], "stored": tuple(r[2:6]), "from_postings": tuple(int(x) for x in r[6:10])}
            for r in rows]


_SUMMED = {"jit": "off", "work_mem": "256MB", "enable_hashagg": "off", "max_parallel_workers_per_gather": "0"}
_SUMS: arrow.Schema = {"account_id": pl.Int64, "d": pl.Int64, "c": pl.Int64, "dq": pl.Int64, "cq": pl.Int64}


def _candidates(url: Any) -> list[int]:
    """Accounts whose totals differ from their postings' sums, summed on connections of their own while
    the chain is walked (the accounts found are compared again in the verifying session's snapshot).
    PostgreSQL sums every account's postings in account order from the index that carries the amount,
    2 s at ten million postings: the planner, which cannot tell a million accounts from a few
    thousand, otherwise hashes them (5.5 s) or splits the hashing over workers that each sort a
    million rows. SQLite has no hash aggregate: it summed ten million postings by walking an index and
    fetching each row (18 s); Polars sums them read as Arrow (3.5 s)."""
    if url.get_backend_name() == "postgresql":
        ids = _mismatch_query(None).with_only_columns(Account.id)
        return arrow.read_query(url, ids, {"account_id": pl.Int64}, _SUMMED)["account_id"].to_list()
    postings = arrow.read_query(url, select(Posting.account_id, Posting.amount), {"account_id": pl.Int64, "amount": pl.Int64})
    other = arrow.read_query(url, select(Posting.account_id, _side(True), _side(False), _side(True, EntryStatus.PENDING),
                                         _side(False, EntryStatus.PENDING))
                             .join(JournalEntry, JournalEntry.id == Posting.entry_id)
                             .where(JournalEntry.status != EntryStatus.POSTED).group_by(Posting.account_id), _SUMS)
    accounts = arrow.read_query(url, select(Account.id, Account.debits_posted, Account.credits_posted,
                                            Account.debits_pending, Account.credits_pending),
                                {"account_id": pl.Int64, "dp": pl.Int64, "cp": pl.Int64, "dq": pl.Int64, "cq": pl.Int64})
    amount = pl.col("amount")
    every = postings.group_by("account_id").agg(d=amount.clip(lower_bound=0).sum(), c=(-amount).clip(lower_bound=0).sum())
    z = lambda name: pl.col(name).fill_null(0)  # noqa: E731
    differs = (accounts.join(every, on="account_id", how="left").join(other, on="account_id", how="left", suffix="_o")
               .filter((pl.col("dp") != z("d") - z("d_o")) | (pl.col("cp") != z("c") - z("c_o"))
                       | (pl.col("dq") != z("dq_o")) | (pl.col("cq") != z("cq_o"))))
    return differs["account_id"].to_list()


async def verify_and_checkpoint(db: Any, *, full: bool, progress: Callable[[int, int], None] | None = None
                                ) -> VerifyReport:
    """Verify (read-only), and when nothing is wrong record a checkpoint at the verified head, in a short
    write transaction of its own (writers are not held up for the length of the pass)."""
    async with db.reading() as session:
        report = await verify_ledger(session, progress, full=full)
    if report.ok and report.head_sequence > 0:
        # the transparency rollup of the entries since the previous one, computed before the write
        # transaction (those entries cannot change) and stored with the checkpoint, in its transaction
        async with db.reading() as session:
            prepared = await rollup.prepare(session, report.head_sequence)
        async with db.writing() as session:
            if session.get_bind().dialect.name == "postgresql":  # one recorder at a time (SQLite: the write lock)
                await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHECKPOINT_LOCK})
            if await checkpoints.record(session, report.head_sequence, report.head_hash, full=full) is not None:
                await rollup.store(session, prepared)
    return report


async def scheduled_full_checks(db: Any, every_seconds: float, log: Callable[[str], None]) -> None:
    """Run the full verification every `every_seconds` for as long as the service runs: the one check
    that finds an entry altered before the newest checkpoint. A failure is logged as an error."""
    while True:
        await asyncio.sleep(every_seconds)
        try:
            report = await verify_and_checkpoint(db, full=True)
        except Exception as exc:  # a failed check must not stop later ones
            log(f"scheduled full ledger verification could not run: {exc!r}")
            continue
        if not report.ok:
            brk = report.first_break
            log(f"scheduled full ledger verification FAILED: first break {brk}, "
                f"{len(report.account_mismatches)} account mismatch(es)")
