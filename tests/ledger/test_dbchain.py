"""The full pass checked by PostgreSQL itself (service/ledger/dbchain.py): it confirms exactly the
entries the reference confirms, whatever their text, and every kind of tampering it misses or
refuses still ends in the same break the reference path names."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from sqlalchemy.engine import make_url

from service.db import Database
from service.ledger import dbchain, fastchain, verify
from service.ledger import service as ledger
from tests.conftest import empty_tables
from tests.helpers import maker_and_checker, tamper

pytestmark = pytest.mark.usefixtures("only_postgres")

# Text as officials type it, and what a hostile or broken client could send: quotes, backslashes,
# control characters, CJK, emoji, lone combining marks.
texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\x00"), max_size=24)
metadata = st.dictionaries(st.sampled_from(["program_id", "period", "note", "备注", "rule"]),
                           st.one_of(st.none(), st.booleans(), st.integers(-(2**53), 2**53), texts), max_size=4)
ENTRIES = st.lists(st.tuples(texts, metadata, st.integers(1, 10**9), st.booleans()), min_size=1, max_size=8)


@pytest.fixture
def only_postgres(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the database's own check is for PostgreSQL; SQLite walks the Arrow path")


async def _write(db: Database, rows: list[tuple]) -> None:
    await empty_tables(db)
    async with db.writing() as s:
        who, approver = await maker_and_checker(s)
        src, dst, usd_src, usd_dst = [
            (await ledger.open_account(s, code=f"{kind}:{cur}", name=kind, kind=kind, currency=cur,
                                       may_go_negative=True)).id
            for cur in ("CNY", "USD") for kind in ("source", "fund")]
    for memo, meta, amount, two_currencies in rows:
        legs = ledger.transfer(src, dst, amount)
        if two_currencies:
            legs += ledger.transfer(usd_src, usd_dst, amount, "USD")
        async with db.writing() as s:
            await ledger.record_entry(s, kind="payment", legs=legs, actor=who, memo=memo, metadata=meta,
                                      effective_date=date(2026, 5, 1 + amount % 28))


@hsettings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ENTRIES)
def test_the_database_confirms_every_sound_entry_whatever_its_text(database_url, rows):
    async def run() -> None:
        db = Database(database_url)
        try:
            await _write(db, rows)
            checked = dbchain.check_range(make_url(database_url), 1, len(rows))
            # entries with two currencies are left to the reference (the SQL sums amounts, not per currency)
            assert checked.count == len(rows)
            assert [i for i, *_ in checked.found] == [i for i, r in enumerate(rows) if r[3]]
            async with db.reading() as s:
                assert (await verify.verify_ledger(s, full=True)).ok
        finally:
            await db.dispose()

    asyncio.run(run())


TAMPERS = {
    "memo": "UPDATE journal_entries SET memo = memo || ' (edited)' WHERE sequence = 4",
    "amount": "UPDATE postings SET amount = amount * 2 WHERE entry_id = (SELECT id FROM journal_entries WHERE sequence = 4)",
    "metadata": "UPDATE journal_entries SET metadata = '{\"program_id\":\"other\"}' WHERE sequence = 4",
    "link": "UPDATE journal_entries SET prev_hash = repeat('a', 64) WHERE sequence = 4",
    "not hex": "UPDATE journal_entries SET prev_hash = repeat('z', 64) WHERE sequence = 4",
    "not hex, first of a range": "UPDATE journal_entries SET prev_hash = repeat('z', 64) WHERE sequence = 5",
    "hash": "UPDATE journal_entries SET hash = repeat('b', 64) WHERE sequence = 3",
    "first of a range": "UPDATE journal_entries SET memo = 'x' WHERE sequence = 5",
    "gone": "UPDATE journal_entries SET status = 'voided' WHERE sequence = 4",
    "one leg": "DELETE FROM postings WHERE id = (SELECT min(p.id) FROM postings p JOIN journal_entries e "
               "ON e.id = p.entry_id WHERE e.sequence = 4)",
}


@pytest.mark.parametrize("what", list(TAMPERS))
async def test_every_tamper_ends_in_the_break_the_reference_names(db, monkeypatch, what):
    await _write(db, [(f"payment {i}", {"program_id": "p1", "n": i}, 100 + i, False) for i in range(7)])
    await tamper(db, TAMPERS[what])
    monkeypatch.setattr(fastchain, "BATCH", 4)  # ranges [1, 4], [5, 7]: breaks at a range's end and start
    checks, real = [], dbchain.check_range

    def spy(*args):
        try:
            out = real(*args)
        except Exception:
            checks.append("refused")
            raise
        checks.append("checked")
        return out

    monkeypatch.setattr(dbchain, "check_range", spy)
    breaks = []
    for fast_from, in_database in ((10**9, False), (0, False), (0, True)):
        monkeypatch.setattr(verify, "FAST_FROM", fast_from)
        monkeypatch.setattr(dbchain, "IN_DATABASE", in_database)
        async with db.reading() as s:
            report = await verify.verify_ledger(s, full=True, totals=False)
        assert not report.ok
        brk = report.first_break
        breaks.append((brk.sequence, brk.entry_id, brk.reason, report.checked))
    assert breaks[2] == breaks[1] == breaks[0]
    # the database checked the ranges itself, except one that starts with a prev_hash it cannot decode
    # (inside a range, the link to the entry before already fails, and nothing is decoded)
    assert checks and set(checks) == ({"checked", "refused"} if what == "not hex, first of a range" else {"checked"})


@pytest.mark.parametrize("few", [10, 2])
async def test_metadata_stored_in_an_older_form_is_confirmed_by_the_reference_or_in_bulk(db, monkeypatch, few):
    """Metadata text written before it was stored canonically (spaces, ASCII escapes) is the same
    document: the database cannot confirm those entries, the reference (a few) or the Arrow path's
    re-encoding (many) does."""
    await _write(db, [(f"payment {i}", {"program_id": "p1", "note": "备注"}, 100 + i, False) for i in range(6)])
    await tamper(db, "UPDATE journal_entries SET metadata = '{\"program_id\": \"p1\", \"note\": \"\\u5907\\u6ce8\"}' "
                     "WHERE sequence IN (2, 3, 4)")
    monkeypatch.setattr(verify, "FAST_FROM", 0)
    monkeypatch.setattr(dbchain, "FEW_SUSPECTS", few)
    read, real = [], fastchain.read_batch
    monkeypatch.setattr(fastchain, "read_batch", lambda *a: read.append(a) or real(*a))
    async with db.reading() as s:
        report = await verify.verify_ledger(s, full=True)
    assert report.ok and report.checked == 6
    assert bool(read) == (few < 3)  # three unconfirmed: past two, the range is read for the Arrow path
