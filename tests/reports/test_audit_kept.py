"""The audit's tables kept with the checkpoints (reports/audit_kept.py): the tables kept at a point
plus the entries after it are the tables computed from genesis, whatever the entries after it do to
the entries before it (reverse a payment whose finding or duplicate group was kept, add a second
payment to a kept group, push a member's stipends over the cap, post an entry pending at the point);
and the audit document from the newest checkpoint is byte for byte the audit from genesis."""

from __future__ import annotations

import asyncio
import json
from datetime import date

from hypothesis import HealthCheck, example, given, settings as hsettings, strategies as st
from polars.testing import assert_frame_equal
from sqlalchemy import select
from sqlalchemy.engine import make_url

from service.db import Database
from service.ledger import service as ledger
from service.ledger.models import Account, AuditTables, Checkpoint, JournalEntry, RollupPoint
from service.ledger.verify import verify_and_checkpoint
from service.parties import service as parties
from service.parties.schemas import PartyIn
from service.reports import audit_kept
from service.reports import service as reports
from tests.conftest import empty_tables
from tests.helpers import maker_and_checker, post_or_void
from tests.reports.test_anomalies import _ledger

CNY = "CNY"
KEYS = reports.AUDIT_KEYS

# ("pay", kind, household, amount, program, period, limits?, pending?)
OPS = st.lists(st.one_of(
    st.tuples(st.just("pay"), st.sampled_from(["payment", "stipend", "disbursement"]), st.integers(0, 3),
              st.integers(1, 3000), st.sampled_from(["P1", "P2"]), st.sampled_from(["2026", "2027"]), st.booleans(),
              st.booleans()),
    st.tuples(st.just("post"), st.integers(0, 50)),
    st.tuples(st.just("void"), st.integers(0, 50)),
    st.tuples(st.just("reverse"), st.integers(0, 50)),
    st.tuples(st.just("checkpoint")),
), min_size=1, max_size=16)


def _meta(kind: str, payee: int, amount: int, program: str, period: str, limits: bool) -> dict:
    meta: dict = {"program_id": program, "period": period, "county_code": "360827" if payee % 2 else "360425"}
    if kind == "payment":
        meta["payee_party_id"] = str(payee)
        if limits:
            meta |= {"rule": "per mu", "rule_max": "10.00", "program_area": "360827",
                     "program_period_start": "2026-03-01", "program_period_end": "2026-12-31"}
    elif kind == "stipend":
        meta |= {"member_party_id": str(payee), "patrol_days": 3}
        if limits:
            meta["stipend_cap"] = "25.00"
    elif limits:
        meta |= {"trust_id": "1", "agreement_id": "A1", "agreement_version": "2", "share_limit": "15.00"}
    return meta


async def _setup(db: Database):
    async with db.writing() as s:
        maker, checker = await maker_and_checker(s)
        villages = [await parties.create(s, maker, PartyIn(kind="community", name=f"V{i}", division_code=division), "k")
                    for i, division in enumerate(("360827205201", "360425108201"))]
        households = [await parties.create(s, maker, PartyIn(kind="household", name=f"H{i}",
                                                             parent_id=villages[i % 2].id), "k") for i in range(4)]
        src = await ledger.open_account(s, code="src", name="src", kind="source")
        fund = await ledger.open_account(s, code="fund", name="fund", kind="fund", county_code="360827")
        await ledger.record_entry(s, kind="funding", legs=ledger.transfer(src.id, fund.id, 10**9), actor=maker)
        accounts = [await parties.benefit_account_id(s, h.id) for h in households]
        return maker, checker, fund.id, [h.id for h in households], accounts


async def _run(url: str, ops: list[tuple]) -> None:
    db = Database(url)
    try:
        await empty_tables(db)
        maker, checker, fund, payees, accounts = await _setup(db)
        pending: list[int] = []
        posted: list[int] = []
        for op in ops:
            if op[0] == "checkpoint":
                assert (await verify_and_checkpoint(db, full=False)).ok
                continue
            async with db.writing() as s:
                if op[0] == "pay":
                    _, kind, i, amount, program, period, limits, is_pending = op
                    entry = await ledger.record_entry(
                        s, kind=kind, legs=ledger.transfer(fund, accounts[i], amount), actor=maker,
                        effective_date=date(int(period), 1 + amount % 12, 1),
                        metadata=_meta(kind, payees[i], amount, program, period, limits), pending=is_pending)
                    (pending if is_pending else posted).append(entry.id)
                elif op[0] in ("post", "void"):
                    await post_or_void(s, op, pending, posted, checker)
                elif op[0] == "reverse" and posted:
                    await ledger.reverse(s, posted.pop(op[1] % len(posted)), checker, "undo")
        await _compare(db, url)
    finally:
        await db.dispose()


async def _compare(db: Database, url: str) -> None:
    """Each kept point is the audit from genesis at it, and brought up to every later sequence it is
    the audit from genesis there."""
    async with db.reading() as s:
        head = (await ledger.head(s))[0]
        points = (await s.scalars(select(RollupPoint.sequence))).all()
        kept = {p: await audit_kept.kept_at(s, p, CNY) for p in points}
        assert all(k is not None and k.point == p for p, k in kept.items())  # every point has them
    engine_url = make_url(url)
    for point, found in sorted(kept.items()):
        stored = audit_kept.from_parts(found.parts)
        for seq in sorted({point, point + 1, (point + head) // 2, head}):
            if seq > head:
                continue
            want = audit_kept.from_genesis(engine_url, seq, CNY, KEYS)
            got = audit_kept.advanced(stored, engine_url, point, seq, CNY, KEYS)
            _same(got, want, (point, seq))


def _same(got: audit_kept.Kept, want: audit_kept.Kept, where: tuple) -> None:
    for by, frame in want.flows.items():
        keys = [c for c in frame.columns if c not in ("amount", "entries")]
        assert_frame_equal(got.flows[by].sort(keys, nulls_last=True), frame.sort(keys, nulls_last=True),
                           check_dtypes=False), (where, by)
    assert_frame_equal(got.reconciliation, want.reconciliation, check_dtypes=False), where
    assert got.findings == want.findings, where


@hsettings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(OPS)
# a payment kept as a finding and in a duplicate group, reversed after the checkpoint
@example([("pay", "payment", 1, 2000, "P1", "2026", True, False), ("pay", "payment", 1, 5, "P1", "2026", False, False),
          ("checkpoint",), ("reverse", 0)])
# a stipend kept under the cap, a second one after the checkpoint goes over; pending at it, posted after
@example([("pay", "stipend", 2, 2000, "P2", "2027", True, False), ("pay", "payment", 3, 7, "P1", "2027", True, True),
          ("checkpoint",), ("pay", "stipend", 2, 900, "P1", "2027", True, False), ("post", 0), ("checkpoint",),
          ("reverse", 1), ("void", 0)])
def test_kept_tables_and_the_entries_after_them_are_the_audit_from_genesis(database_url, ops):
    asyncio.run(_run(database_url, ops))


AUDITS = ["/api/v1/reports/audit", "/api/v1/reports/audit?flows_by=county", "/api/v1/reports/audit?flows_by=trust",
          "/api/v1/reports/audit?flows_by=period", "/api/v1/reports/audit?format=xlsx", "/api/v1/reports/audit/anomalies"]


async def _both(client, auditor, monkeypatch, urls: list[str]) -> list[tuple[str, bytes, bytes]]:
    out = []
    for url in urls:
        got = []
        for from_checkpoint in (False, True):
            monkeypatch.setattr(reports, "AUDIT_FROM_CHECKPOINT", from_checkpoint)
            r = await client.get(url, headers=auditor)
            assert r.status_code == 200, (url, r.text[:300])
            got.append(r.content)
        out.append((url, *got))
    return out


async def test_the_audit_from_the_checkpoint_is_byte_identical_to_the_audit_from_genesis(
        client, db, auditor, monkeypatch):
    seqs = await _ledger(db, plant=True)
    cp = await verify_and_checkpoint(db, full=True)
    assert cp.ok
    async with db.reading() as s:
        assert await s.get(AuditTables, (cp.head_sequence, CNY, "findings")) is not None
    for url, genesis, kept in await _both(client, auditor, monkeypatch, AUDITS):
        assert kept == genesis, url
    # after it: the duplicate reversed, the entry above the rule reversed, one more duplicate elsewhere
    async with db.writing() as s:
        _, checker = await maker_and_checker(s)
        for check in ("duplicate_payment", "amount_above_rule"):
            entry = await s.scalar(select(JournalEntry).where(JournalEntry.sequence == seqs[check]))
            await ledger.reverse(s, entry.id, checker, "entered in error")
    spy = []
    monkeypatch.setattr(audit_kept, "from_genesis", lambda *a: spy.append(a))  # never taken on the way
    results = await _both(client, auditor, monkeypatch, [*AUDITS, f"{AUDITS[0]}?as_of_sequence={cp.head_sequence + 1}"])
    for url, genesis, kept in results:
        assert kept == genesis, url
    found = {f["check"] for f in json.loads(results[-2][2])["findings"]}
    assert "duplicate_payment" not in found and "amount_above_rule" not in found and "stipend_above_cap" in found
    assert not spy


async def test_an_audit_before_the_newest_checkpoint_or_as_of_a_date_is_computed_from_genesis(db, monkeypatch):
    await _ledger(db, plant=True)
    first = await verify_and_checkpoint(db, full=True)
    async with db.writing() as s:
        src = await s.scalar(select(Account.id).where(Account.code == "src"))
        fund = await s.scalar(select(Account.id).where(Account.code == "fund"))
        maker, _ = await maker_and_checker(s)
        await ledger.record_entry(s, kind="funding", legs=ledger.transfer(src, fund, 5), actor=maker)
    second = await verify_and_checkpoint(db, full=True)
    assert first.ok and second.ok and second.head_sequence > first.head_sequence
    async with db.reading() as s:
        assert await audit_kept.start(s, first.head_sequence, CNY, "program") is None  # totals: the newest's only
        begin = await audit_kept.start(s, second.head_sequence, CNY, "program")
        assert begin is not None and begin.point == second.head_sequence
        assert await s.get(RollupPoint, first.head_sequence) is not None
        assert (await s.scalar(select(Checkpoint.sequence).order_by(Checkpoint.sequence.desc()))) == begin.point
    calls = []
    real = audit_kept.tables
    monkeypatch.setattr(audit_kept, "tables", lambda *a: calls.append(a) or real(*a))
    async with db.reading() as s:
        await reports.audit(s, as_of_sequence=first.head_sequence)
        await reports.audit(s, as_of_date=date(2026, 12, 31))
        assert not calls
        await reports.audit(s)
    assert len(calls) == 1


async def test_a_checkpoint_recorded_by_the_cli_in_a_process_of_its_own_keeps_the_audit_tables(db, database_url):
    """The CLI registers the audit's keeper itself (a bench run without it recorded checkpoints with
    the public report's tables only, and every audit then ran from genesis)."""
    import os
    import subprocess
    import sys

    await _ledger(db, plant=True)
    env = {**os.environ, "SHANSHUI_DATABASE_URL": database_url}
    done = subprocess.run([sys.executable, "-c", "from service.cli import main; main()", "verify", "--full"], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    async with db.reading() as s:
        point = await s.scalar(select(RollupPoint.sequence))
        assert point is not None and await s.get(AuditTables, (point, CNY, "flows:program")) is not None


async def test_kept_tables_with_a_part_missing_are_not_used(db):
    await _ledger(db, plant=True)
    cp = await verify_and_checkpoint(db, full=True)
    async with db.writing() as s:
        await s.execute(AuditTables.__table__.delete().where(AuditTables.part == "findings"))
    async with db.reading() as s:
        assert await audit_kept.start(s, cp.head_sequence, CNY, "program") is None
        assert (await reports.audit(s))["anomalies"]["findings"]  # from genesis, every planted finding
