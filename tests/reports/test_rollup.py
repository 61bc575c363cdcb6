"""The transparency rollup kept with the checkpoints (service/ledger/rollup.py): a report read from the
rollup at the newest checkpoint plus the entries after it must be byte for byte the report read from
the whole journal (the oracle: `journal.FROM_METADATA`, every posting decoded), including reversals
after a checkpoint of entries before it, entries pending at a checkpoint and posted after it, voided
entries, county and trust fallbacks from an entry's accounts, and a second currency."""

from __future__ import annotations

import asyncio
from datetime import date

import polars as pl
from hypothesis import HealthCheck, example, given, settings as hsettings, strategies as st
from polars.testing import assert_frame_equal
from sqlalchemy import select
from sqlalchemy.engine import make_url

from service.auth.actor import Actor
from service.db import Database
from service.ledger import dimensions, rollup
from service.ledger import service as ledger
from service.ledger.models import JournalEntry, RollupPoint, RollupRow
from service.ledger.verify import verify_and_checkpoint
from service.reports import journal
from service.reports import service as reports
from tests.conftest import empty_tables
from tests.helpers import maker_and_checker, post_or_void
from service.parties.service import benefit_account_id
from tests.reports.demo import PROGRAM, pay

REPORT = "/api/v1/reports/transparency"
FORMATS = ("?format=json", "?format=csv", "?format=parquet", "?format=html", "?format=json&county=360827",
           "?format=json&county=360827&period=2026",
           "?format=json&period=2026", f"?format=json&program={PROGRAM}")


async def _fetch(client, auditor, urls: list[str]) -> list[bytes]:
    out = []
    for u in urls:
        reports._CACHE.clear()
        r = await client.get(u, headers=auditor)
        assert r.status_code == 200, (u, r.text[:300])
        out.append(r.content)
    return out


async def _same_as_oracle(client, auditor, monkeypatch, seqs: list[int | None]) -> None:
    urls = [REPORT + f + ("" if s is None else f"&as_of_sequence={s}") for s in seqs for f in FORMATS]
    monkeypatch.setattr(journal, "FROM_METADATA", True)
    oracle = await _fetch(client, auditor, urls)
    monkeypatch.setattr(journal, "FROM_METADATA", False)
    monkeypatch.setattr(reports, "USE_ROLLUP", False)
    full = await _fetch(client, auditor, urls)
    monkeypatch.setattr(reports, "USE_ROLLUP", True)
    rolled = await _fetch(client, auditor, urls)
    for u, old, plain, new in zip(urls, oracle, full, rolled, strict=True):
        assert plain == old, u
        assert new == old, u


async def _pending(s, src: int, party: int, amount: int, by: Actor, day: str, **meta) -> JournalEntry:
    return await ledger.record_entry(
        s, kind="payment", legs=ledger.transfer(src, await benefit_account_id(s, party), amount), actor=by,
        effective_date=date.fromisoformat(day), memo="pending", metadata=meta, pending=True)


async def _head(db) -> int:
    async with db.reading() as s:
        return (await ledger.head(s))[0]


async def test_a_report_from_the_rollup_is_byte_identical_to_the_full_read(client, db, demo, auditor, monkeypatch):
    refs, actors = demo["refs"], demo["actors"]
    off, appr = actors["official:360827"], actors["approver:360827"]
    fund, hh, hh2 = refs["fund:360827:eco-compensation"], refs["hh-daitang-2"], refs["hh-daitang-3"]
    async with db.writing() as s:
        # pending at the checkpoint (posted after it), pending and voided, and one with no county of its own
        later = await _pending(s, fund, hh, 777, off, "2026-04-21", county_code="360827", period="2026",
                               program_id=PROGRAM)
        voided = await _pending(s, fund, hh2, 555, off, "2026-04-22", county_code="360827", program_id=PROGRAM)
        await pay(s, kind="payment", src=fund, party_id=hh2, amount=4321, by=off, approver=appr,
                  day="2026-03-03", memo="no county in its metadata", program_id=PROGRAM)
    assert later.status == voided.status == "pending"
    await _same_as_oracle(client, auditor, monkeypatch, [None])  # no checkpoint yet: the full path

    first = await verify_and_checkpoint(db, full=True)
    assert first.ok
    s1 = first.head_sequence
    async with db.reading() as s:
        point = await s.get(RollupPoint, s1)
        assert point is not None and point.after == 0 and point.rows > 0
        assert await s.scalar(select(RollupRow.id).where(RollupRow.point == s1).limit(1)) is not None
        stipend = await s.scalar(select(JournalEntry.id).where(JournalEntry.kind == "stipend").order_by(JournalEntry.id))
        payment = await s.scalar(select(JournalEntry.id).where(JournalEntry.kind == "payment",
                                                               JournalEntry.sequence <= s1).order_by(JournalEntry.id))
    await _same_as_oracle(client, auditor, monkeypatch, [None, s1 - 1])  # at the checkpoint: the rollup alone

    async with db.writing() as s:
        await ledger.reverse(s, payment, appr, "wrong household", effective_date=date(2026, 7, 1))
        if stipend is not None:
            await ledger.reverse(s, stipend, appr, "patrol days not verified")
        await ledger.post_pending(s, later.id, appr)
        await ledger.void_pending(s, voided.id, appr, "duplicate")
        await pay(s, kind="payment", src=fund, party_id=hh, amount=999, by=off, approver=appr,
                  day="2026-08-08", memo="after the checkpoint, no county", program_id=PROGRAM)
    assert await _head(db) > s1
    await _same_as_oracle(client, auditor, monkeypatch, [None, s1, s1 + 1])  # the rollup and what came after

    second = await verify_and_checkpoint(db, full=False)
    assert second.ok and second.head_sequence > s1
    async with db.reading() as s:
        point = await s.get(RollupPoint, second.head_sequence)
        assert point is not None and point.after == s1
    async with db.writing() as s:
        await pay(s, kind="payment", src=fund, party_id=hh2, amount=1234, by=off, approver=appr,
                  day="2026-09-09", memo="after the second checkpoint", county_code="360827", period="2026")
    await _same_as_oracle(client, auditor, monkeypatch, [None, second.head_sequence, s1 + 1])


# --- the grain itself: rollup + the entries after it == the grain read from genesis ---------------

CURRENCIES = ("CNY", "USD")
OPS = st.lists(st.one_of(
    st.tuples(st.just("pay"), st.sampled_from(CURRENCIES), st.integers(0, 2), st.integers(1, 10_000),
              st.sampled_from(["payment", "stipend", "disbursement"]), st.booleans(), st.booleans(),
              st.booleans(), st.integers(1, 12)),
    st.tuples(st.just("post"), st.integers(0, 50)),
    st.tuples(st.just("void"), st.integers(0, 50)),
    st.tuples(st.just("reverse"), st.integers(0, 50), st.booleans()),
    st.tuples(st.just("checkpoint")),
), min_size=1, max_size=14)


async def _accounts(s, who: Actor) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for cur in CURRENCIES:
        c = cur.lower()
        src = await ledger.open_account(s, code=f"src-{c}", name="source", kind="source", currency=cur,
                                        county_code="360827")
        trust = await ledger.open_account(s, code=f"trust-{c}", name="trust", kind="trust", currency=cur,
                                          county_code="360425", trust_id=7, may_go_negative=True)
        payees = [await ledger.open_account(s, code=f"b{i}-{c}", name="payee", kind="beneficiary", currency=cur,
                                            county_code=county)
                  for i, county in enumerate(("360827", "360425", None))]
        out[cur] = {"source": src.id, "trust": trust.id, "payees": [p.id for p in payees]}
    return out


async def _run(url: str, ops: list[tuple], probe: int) -> None:
    db = Database(url)
    try:
        await empty_tables(db)
        async with db.writing() as s:
            who, approver = await maker_and_checker(s)
            accounts = await _accounts(s, who)
        pending: list[int] = []
        posted: list[int] = []  # entries that may still be reversed
        legs: dict[int, tuple] = {}
        for op in ops:
            async with db.writing() as s:
                if op[0] == "pay":
                    _, cur, payee, amount, kind, from_trust, with_county, is_pending, month = op
                    acc = accounts[cur]
                    src = acc["trust"] if from_trust else acc["source"]
                    meta: dict = {"program_id": f"p{payee}"}
                    if with_county:
                        meta |= {"county_code": "360827", "period": "2026"}
                    if kind == "stipend":
                        meta |= {"patrol_days": amount % 7, "incidents": amount % 3}
                    entry = await ledger.record_entry(
                        s, kind=kind, legs=ledger.transfer(src, acc["payees"][payee], amount, cur), actor=who,
                        effective_date=date(2026, month, 1 + amount % 28), metadata=meta, pending=is_pending)
                    (pending if is_pending else posted).append(entry.id)
                    legs[entry.id] = (cur, src, acc["payees"][payee], amount, kind)
                elif op[0] in ("post", "void"):
                    await post_or_void(s, op, pending, posted, approver)
                elif op[0] == "reverse" and posted:
                    entry_id = posted.pop(op[1] % len(posted))
                    if op[2]:  # the service's own reversal
                        await ledger.reverse(s, entry_id, approver, "undo")
                    else:  # a reversal written with dimensions of its own (they are not what it reports)
                        cur, src, dst, amount, kind = legs[entry_id]
                        await ledger.record_entry(s, kind="reversal", legs=ledger.transfer(dst, src, amount, cur),
                                                  actor=approver, reversal_of_id=entry_id, effective_date=date(2027, 1, 1),
                                                  metadata={"reverses_kind": kind, "county_code": "360425",
                                                            "trust_id": 9, "period": "2027"})
            if op[0] == "checkpoint":
                assert (await verify_and_checkpoint(db, full=False)).ok
        async with db.reading() as s:
            head = (await ledger.head(s))[0]
            points = (await s.scalars(select(RollupPoint.sequence).order_by(RollupPoint.sequence))).all()
            seqs = sorted({head, probe % (head + 1), *points, *[min(p + 1, head) for p in points]})
            newest = {seq: await rollup.newest_point(s, seq) for seq in seqs}
        engine_url = make_url(url)
        for seq in seqs:
            for cur in CURRENCIES:
                got = rollup.read(engine_url, newest[seq], seq, cur)
                want = rollup.grain(engine_url, 0, seq, cur)
                for g, w in zip(got, want, strict=True):
                    keys = list(w.columns)
                    try:
                        assert_frame_equal(g.sort(keys, nulls_last=True), w.sort(keys, nulls_last=True))
                    except AssertionError:
                        print("OPS", ops, "SEQ", seq, "POINT", newest[seq], cur, g.sort(keys), w.sort(keys))
                        raise
    finally:
        await db.dispose()


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(OPS, st.integers(0, 10**6))
# entries with no county of their own in the rollup, reversed after it by a reversal that has dimensions of its own
@example([("pay", "CNY", 2, 5, "payment", False, False, False, 3), ("pay", "USD", 1, 7, "stipend", True, False, False, 4),
          ("checkpoint",), ("reverse", 0, False), ("reverse", 0, False)], 10**6)
# pending at a checkpoint, posted after it, then reversed; a voided one; a stipend from the trust
@example([("pay", "CNY", 0, 9, "stipend", True, True, True, 5), ("pay", "CNY", 1, 3, "payment", False, True, True, 6),
          ("checkpoint",), ("post", 0), ("void", 0), ("reverse", 0, True), ("checkpoint",),
          ("pay", "CNY", 2, 4, "disbursement", True, False, False, 7)], 3)
def test_the_rollup_and_the_entries_after_it_are_the_grain_from_genesis(database_url, ops, probe):
    asyncio.run(_run(database_url, ops, probe))


def test_keys_become_cell_ids_nulls_included_and_new_ones_are_numbered_below_zero():
    cells = pl.DataFrame({"cell": [4], **{k: [None if k == "trust" else "a"] for k in rollup.KEYS}}, schema=rollup.CELL)
    sums = pl.DataFrame({**{k: [None if k == "trust" else "a", "b"] for k in rollup.KEYS}, "account_id": [1, 2],
                         "amount": [5, 0]}, schema=rollup.SUMS)
    rows, everything = rollup._with_cells(sums, cells)
    assert sorted(rows.rows()) == [(-1, 2, 0), (4, 1, 5)]  # a sum of zero is a row as well
    assert everything.filter(pl.col("cell") == -1)["county"].to_list() == ["b"]


async def test_rewriting_the_dimension_columns_forgets_the_rollup(client, db, demo, auditor, monkeypatch):
    assert (await verify_and_checkpoint(db, full=True)).ok
    async with db.reading() as s:
        assert await s.scalar(select(RollupPoint.sequence)) is not None
    async with db.engine.begin() as conn:
        await conn.run_sync(dimensions.backfill)
    async with db.reading() as s:
        assert await s.scalar(select(RollupPoint.sequence)) is None
        assert await s.scalar(select(RollupRow.id)) is None
    await _same_as_oracle(client, auditor, monkeypatch, [None])
    # the next checkpoint stores the grain from genesis again
    async with db.writing() as s:
        await pay(s, kind="payment", src=demo["refs"]["fund:360827:eco-compensation"], party_id=demo["refs"]["hh-daitang-2"],
                  amount=100, by=demo["actors"]["official:360827"], approver=demo["actors"]["approver:360827"],
                  day="2026-10-10", memo="after the backfill", county_code="360827", period="2026")
    again = await verify_and_checkpoint(db, full=False)
    async with db.reading() as s:
        point = await s.get(RollupPoint, again.head_sequence)
        assert point is not None and point.after == 0
    await _same_as_oracle(client, auditor, monkeypatch, [None])
