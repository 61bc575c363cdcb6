"""The public report's six tables kept with the checkpoints (service/reports/tables.py): the tables
stored at a checkpoint, brought up to any later sequence by the entries after it, equal the tables
computed from the grain of the whole journal, household counts included (households paid, clawed
back below zero, reversed, pending over a checkpoint, voided; two genders, a village and none)."""

from __future__ import annotations

import asyncio
from datetime import date

from hypothesis import HealthCheck, example, given, settings as hsettings, strategies as st
from polars.testing import assert_frame_equal
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from service.db import Database
from service.ledger import rollup
from service.ledger import service as ledger
from service.ledger.models import RollupPoint, RollupTables
from service.ledger.verify import verify_and_checkpoint
from service.parties.models import Party
from service.reports import grain
from service.reports import tables as kept
from tests.conftest import empty_tables
from tests.helpers import maker_and_checker, post_or_void

PAYEES = 5  # four households (one a person, one with no village), and the village's committee
OPS = st.lists(st.one_of(
    st.tuples(st.just("pay"), st.integers(0, PAYEES - 1), st.integers(1, 5_000), st.sampled_from(["payment", "stipend"]),
              st.booleans(), st.booleans(), st.integers(1, 12)),
    st.tuples(st.just("claw back"), st.integers(0, PAYEES - 1), st.integers(1, 5_000)),
    st.tuples(st.just("post"), st.integers(0, 50)),
    st.tuples(st.just("void"), st.integers(0, 50)),
    st.tuples(st.just("reverse"), st.integers(0, 50)),
    st.tuples(st.just("checkpoint")),
), min_size=1, max_size=16)


async def _payees(s) -> tuple[int, list[int]]:
    village = Party(kind="community", name="Daitang village", division_code="360827101", county_code="360827")
    s.add(village)
    await s.flush()
    people = [Party(kind="household", name="hh a", gender="female", parent_id=village.id, county_code="360827"),
              Party(kind="household", name="hh b", gender="male", parent_id=village.id, county_code="360827"),
              Party(kind="person", name="ranger c", gender="female", parent_id=village.id, county_code="360827"),
              Party(kind="household", name="hh d", county_code="360425")]
    s.add_all(people)
    await s.flush()
    src = await ledger.open_account(s, code="src", name="source", kind="source", county_code="360827",
                                   may_go_negative=True)
    accounts = [(await ledger.open_account(s, code=f"b{p.id}", name="benefits", kind="beneficiary", party_id=p.id, may_go_negative=True,
                                           county_code=p.county_code)).id for p in [*people, village]]
    return src.id, accounts


async def _run(url: str, ops: list[tuple], probe: int) -> None:
    db = Database(url)
    try:
        await empty_tables(db)
        async with db.writing() as s:
            who, approver = await maker_and_checker(s)
            src, payees = await _payees(s)
        pending: list[int] = []
        posted: list[int] = []
        for op in ops:
            async with db.writing() as s:
                if op[0] == "pay":
                    _, payee, amount, kind, with_county, is_pending, month = op
                    meta: dict = {"program_id": "p1"} | ({"county_code": "360827", "period": "2026"} if with_county else {})
                    if kind == "stipend":
                        meta |= {"patrol_days": amount % 7, "incidents": amount % 3}
                    entry = await ledger.record_entry(
                        s, kind=kind, legs=ledger.transfer(src, payees[payee], amount), actor=who,
                        effective_date=date(2026, month, 1 + amount % 28), metadata=meta, pending=is_pending)
                    (pending if is_pending else posted).append(entry.id)
                elif op[0] == "claw back":  # money back from a payee: its net receipts may fall to zero or below
                    entry = await ledger.record_entry(
                        s, kind="payment", legs=ledger.transfer(payees[op[1]], src, op[2]), actor=who,
                        effective_date=date(2026, 6, 15), metadata={"program_id": "p1", "county_code": "360827"})
                    posted.append(entry.id)
                elif op[0] in ("post", "void"):
                    await post_or_void(s, op, pending, posted, approver)
                elif op[0] == "reverse" and posted:
                    await ledger.reverse(s, posted.pop(op[1] % len(posted)), approver, "undo")
            if op[0] == "checkpoint":
                assert (await verify_and_checkpoint(db, full=False)).ok
        await _check(db, url, probe)
    finally:
        await db.dispose()


async def _check(db: Database, url: str, probe: int) -> None:
    engine_url = make_url(url)
    async with db.reading() as s:
        head = (await ledger.head(s))[0]
        points = (await s.scalars(select(RollupPoint.sequence).order_by(RollupPoint.sequence))).all()
        assert await s.scalar(select(func.count()).select_from(RollupTables)) == len(points)  # every point has them
        seqs = sorted({head, probe % (head + 1), *points, *[min(p + 1, head) for p in points]})
        stored = {seq: await rollup.newest_tables(s, seq, "CNY") for seq in seqs}
    for seq in seqs:
        want = kept.of(grain.read(engine_url, seq, "CNY"))
        if "CNY" not in stored[seq]:
            assert not points or seq < points[0]
            continue
        point, text = stored[seq]["CNY"]
        got = kept.at(engine_url, point, kept.loads(text), seq, "CNY")
        for name in kept.SHAPES:
            try:
                assert_frame_equal(got[name], want[name])
            except AssertionError:
                print("SEQ", seq, "POINT", point, name, got[name], want[name])
                raise


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(OPS, st.integers(0, 10**6))
# a household paid before the checkpoint, clawed back to zero after it: it no longer counts
@example([("pay", 0, 100, "payment", True, False, 3), ("checkpoint",), ("claw back", 0, 100)], 10**6)
# pending over a checkpoint, posted and reversed after it; a stipend to the person; a household with no village
@example([("pay", 2, 40, "stipend", True, True, 5), ("pay", 3, 9, "payment", False, False, 1), ("checkpoint",),
          ("post", 0), ("reverse", 0), ("checkpoint",), ("pay", 1, 7, "payment", True, False, 2)], 3)
def test_the_tables_at_a_checkpoint_and_the_entries_after_it_are_the_tables_from_genesis(database_url, ops, probe):
    asyncio.run(_run(database_url, ops, probe))
