"""Checkpoints: routine verification hashes only what came after the newest one; the full pass (CLI
`--full`, and the scheduled check) still finds an entry altered before it. The fast Arrow path builds
exactly the bytes of `chain.canonical_bytes`."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest
from hypothesis import given, settings as hsettings, strategies as st

from service.ledger import fastchain, verify
from service.ledger.chain import canonical_bytes
from service.ledger.verify import scheduled_full_checks, verify_and_checkpoint, verify_ledger
from tests.helpers import funded_account, open_account, post_entry, tamper
from tests.ledger.test_verify_cli import run_cli  # noqa: F401  (fixture)

texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20)
ids = st.one_of(st.none(), st.integers(1, 2**62))
metadata = st.dictionaries(st.text(max_size=6), st.one_of(st.none(), st.booleans(), st.integers(-(2**62), 2**62), texts,
                                                         st.floats(allow_nan=False, allow_infinity=False)), max_size=5)
legs = st.lists(st.tuples(st.integers(1, 2**40), st.sampled_from(["CNY", "USD"]), st.integers(-(10**12), 10**12)),
                min_size=0, max_size=4)
entries = st.lists(st.tuples(st.sampled_from(["payment", "reversal", "stipend_run"]), texts, metadata, ids, ids, ids,
                             st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 1, 1)),
                             st.dates(min_value=date(1000, 1, 1)), legs), min_size=1, max_size=6)


@hsettings(max_examples=120, deadline=None)
@given(entries, st.booleans())
def test_fast_bytes_equal_the_reference(rows, sqlite):
    e, p = [], []
    for i, (kind, memo, meta, entered, approved, reversal, posted, day, ls) in enumerate(rows, start=1):
        stored = json.dumps(meta)  # how SQLAlchemy's JSON type stores it (spaces, ASCII escapes)
        when = (posted.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite
                else int((posted.replace(tzinfo=UTC) - datetime(1970, 1, 1, tzinfo=UTC)) / timedelta(microseconds=1)))
        e.append({"entry_id": i, "sequence": i, "kind": kind, "effective_date": day, "posted_at": when, "memo": memo,
                  "metadata": stored, "entered_by": entered, "approved_by": approved, "reversal_of_id": reversal,
                  "prev_hash": "0" * 64, "hash": "0" * 64})
        p += [{"entry_id": i, "account_id": a, "currency": c, "amount": m} for a, c, m in ls]
    schema = dict(fastchain._ENTRY) | ({} if sqlite else {"posted_at": pl.Int64})
    batch = fastchain.assemble(pl.DataFrame(e, schema=schema), pl.DataFrame(p, schema=fastchain._POSTING))
    expected = [canonical_bytes(sequence=i, kind=k, effective_date=d, posted_at=t.replace(tzinfo=UTC), memo=m,
                                metadata=json.loads(json.dumps(meta)), entered_by=eb, approved_by=ab,
                                reversal_of_id=r, postings=ls)
                for i, (k, m, meta, eb, ab, r, t, d, ls) in enumerate(rows, start=1)]
    assert fastchain.payloads(batch) == expected
    # The whole document built by Polars, hashed as it is: exact, or left to Python (None) only where a
    # memo or kind has a character JSON escapes. (Metadata here is stored in the older, spaced form.)
    stored_text = [json.dumps(meta) for _, _, meta, *_ in rows]
    for built, want, meta_text, (kind, memo, *_) in zip(batch.parts["payload"].to_list(), expected, stored_text, rows,
                                                        strict=True):
        escapes = any(c in '"\\' or ord(c) < 0x20 for c in kind + memo)
        if escapes:
            assert built is None
        else:
            canonical = json.dumps(json.loads(meta_text), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            assert built.replace(',"metadata":' + meta_text, ',"metadata":' + canonical, 1).encode() == want


async def _ledger(client, admin, n: int) -> tuple[int, int, list[dict]]:
    fund, _ = await funded_account(client, admin, "1000.00")
    payee = await open_account(client, admin, kind="beneficiary")
    posted = [(await post_entry(client, admin, [(fund, "1.00"), (payee["id"], "-1.00")], memo=f"n{i}")).json()
              for i in range(n)]
    return fund, payee["id"], posted


@pytest.fixture(params=["rows", "arrow"])
def walk(request, monkeypatch):
    """Both walks: row by row through the session, and the Arrow batch path."""
    monkeypatch.setattr(verify, "FAST_FROM", 10**9 if request.param == "rows" else 0)
    return request.param


async def test_incremental_starts_at_the_checkpoint_and_full_finds_what_is_before_it(client, admin, db, walk):
    fund, payee, posted = await _ledger(client, admin, 4)
    first = await verify_and_checkpoint(db, full=True)
    assert first.ok and first.from_checkpoint == 0 and first.checked == first.head_sequence == 5
    more = [(await post_entry(client, admin, [(fund, "2.00"), (payee, "-2.00")])).json() for _ in range(3)]
    async with db.reading() as s:
        quick = await verify_ledger(s)
    assert quick.ok and quick.from_checkpoint == 5 and quick.checked == quick.head_sequence == 8
    # A posting altered before the checkpoint: the routine pass trusts the checkpoint, the full pass does not.
    await tamper(db, "UPDATE postings SET amount = amount * 10 WHERE entry_id = :e", e=posted[1]["id"])
    async with db.reading() as s:
        assert (await verify_ledger(s)).ok
        full = await verify_ledger(s, full=True)
    assert not full.ok and full.first_break.entry_id == posted[1]["id"] and full.first_break.sequence == 3
    assert {m["account_id"] for m in full.account_mismatches} == {fund, payee}
    # An entry altered after the checkpoint is found by the routine pass.
    await tamper(db, "UPDATE journal_entries SET memo = 'edited' WHERE id = :e", e=more[1]["id"])
    async with db.reading() as s:
        report = await verify_ledger(s)
    assert not report.ok and report.first_break.entry_id == more[1]["id"] and report.not_checked == 1


@pytest.mark.parametrize("where", ["last batch", "end of a batch, entry gone"])
async def test_the_batch_walk_reading_ahead_finds_a_break_in_any_batch(client, admin, db, monkeypatch, where):
    """Batches of three entries, two read ahead while one is hashed: a change in the last batch, and an
    entry missing at the end of a batch (the next batch starts where it should not), are both named."""
    monkeypatch.setattr(verify, "FAST_FROM", 0)
    monkeypatch.setattr(fastchain, "BATCH", 3)
    fund, payee, posted = await _ledger(client, admin, 10)  # sequences 1 (funding) to 11
    async with db.reading() as s:
        assert (await verify_ledger(s, full=True)).ok
    if where == "last batch":
        await tamper(db, "UPDATE journal_entries SET memo = 'edited' WHERE id = :e", e=posted[9]["id"])
    else:  # sequence 6 ends the batch [4, 6]; taken out of the posted entries, the walk must notice
        await tamper(db, "UPDATE journal_entries SET status = 'voided' WHERE id = :e", e=posted[4]["id"])
    async with db.reading() as s:
        report = await verify_ledger(s, full=True)
    assert not report.ok
    assert report.first_break.sequence == (11 if where == "last batch" else 6)
    assert report.checked == (10 if where == "last batch" else 5)


async def test_a_tampered_checkpoint_or_a_rewritten_chain_is_named(client, admin, db):
    fund, payee, posted = await _ledger(client, admin, 3)
    assert (await verify_and_checkpoint(db, full=True)).ok
    await tamper(db, "UPDATE ledger_checkpoints SET totals_digest = :d", d="1" * 64)
    async with db.reading() as s:
        report = await verify_ledger(s)
    assert not report.ok and "checkpoint altered" in report.first_break.reason
    assert report.from_checkpoint == 0  # a checkpoint that fails its own link is not trusted


async def test_account_totals_after_the_checkpoint_are_checked(client, admin, db):
    fund, payee, _ = await _ledger(client, admin, 2)
    assert (await verify_and_checkpoint(db, full=False)).ok
    await post_entry(client, admin, [(fund, "3.00"), (payee, "-3.00")])
    await tamper(db, "UPDATE accounts SET credits_posted = credits_posted + 1 WHERE id = :a", a=payee)
    async with db.reading() as s:
        report = await verify_ledger(s)
    assert report.from_checkpoint == 3 and [m["account_id"] for m in report.account_mismatches] == [payee]


async def test_the_scheduled_full_check_finds_a_tamper_before_the_checkpoint(client, admin, db):
    fund, payee, posted = await _ledger(client, admin, 3)
    assert (await verify_and_checkpoint(db, full=True)).ok
    await tamper(db, "UPDATE postings SET amount = -amount WHERE entry_id = :e", e=posted[0]["id"])
    said: list[str] = []
    task = asyncio.create_task(scheduled_full_checks(db, 0.01, said.append))
    for _ in range(500):
        await asyncio.sleep(0.01)
        if said:
            break
    task.cancel()
    assert said and "FAILED" in said[0] and "sequence=2" in said[0]


async def test_cli_full_records_a_checkpoint_and_plain_verify_starts_there(client, admin, db, run_cli):  # noqa: F811
    await _ledger(client, admin, 2)
    full = await asyncio.to_thread(run_cli, "verify", "--full")
    assert full.exit_code == 0, full.output
    again = await asyncio.to_thread(run_cli, "verify")
    assert again.exit_code == 0 and "from checkpoint at sequence 3" in again.output


@pytest.mark.parametrize("stored_as", ["canonical", "sqlalchemy_default"])
def test_the_fast_walk_hashes_canonical_text_as_stored_and_re_encodes_the_rest(stored_as, monkeypatch):
    """Metadata stored in the canonical form (the engines' serializer) is hashed as it is; text stored
    otherwise (older rows) still verifies, by re-encoding; an altered value is a suspect either way."""
    from service.db import canonical_json
    from service.ledger.chain import link

    metas = [{"b": "水", "a": [1, 2]}, {}, {"county_code": "360827", "period": "2026"}]
    prev, rows, posts = "0" * 64, [], []
    for i, meta in enumerate(metas, start=1):
        when = datetime(2026, 5, i, 8, 0, 0, 123456)
        legs = [(1, "CNY", 100), (2, "CNY", -100)]
        payload = canonical_bytes(sequence=i, kind="payment", effective_date=date(2026, 5, i),
                                  posted_at=when.replace(tzinfo=UTC), memo="m", metadata=meta, entered_by=1,
                                  approved_by=None, reversal_of_id=None, postings=legs)
        h = link(prev, payload)
        stored = canonical_json(meta) if stored_as == "canonical" else json.dumps(meta)
        rows.append({"entry_id": i, "sequence": i, "kind": "payment", "effective_date": date(2026, 5, i),
                     "posted_at": when.strftime("%Y-%m-%d %H:%M:%S.%f"), "memo": "m", "metadata": stored,
                     "entered_by": 1, "approved_by": None, "reversal_of_id": None, "prev_hash": prev, "hash": h})
        posts += [{"entry_id": i, "account_id": a, "currency": c, "amount": m} for a, c, m in legs]
        prev = h
    re_encoded: list[str | None] = []
    real = fastchain.canonical_metadata
    monkeypatch.setattr(fastchain, "canonical_metadata", lambda t: re_encoded.append(t) or real(t))

    def suspects(entries: list[dict]) -> list[int]:
        batch = fastchain.assemble(pl.DataFrame(entries, schema=fastchain._ENTRY),
                                   pl.DataFrame(posts, schema=fastchain._POSTING))
        return [i for i, _, _ in fastchain.confirm(batch, 1).suspects("0" * 64)]

    assert suspects(rows) == []
    # canonical text is not decoded at all; other text is re-encoded ("{}" is canonical either way)
    assert len(re_encoded) == (0 if stored_as == "canonical" else 2)
    altered = [dict(r) for r in rows]
    altered[2]["metadata"] = altered[2]["metadata"].replace("2026", "2025")
    assert suspects(altered) == [2]


# --- the checkpoint's check sum: every account confirmed in one scan --------------------------------

from sqlalchemy import BigInteger, literal, select  # noqa: E402

from service.ledger import checkpoints  # noqa: E402

EDGES = [0, 1, 2, checkpoints.PRIME - 1, checkpoints.PRIME, checkpoints.PRIME + 1, 2**40 + 7, 10**15]


async def test_the_check_sum_is_the_same_integer_in_python_and_in_the_database(db):
    async with db.reading() as s:
        for account_id in (1, 2, 2**31 + 5, 10**9 + 7):
            for i, v in enumerate(EDGES):
                totals = (v, EDGES[-1 - i], EDGES[(i + 3) % len(EDGES)], i)
                sql = checkpoints._check_sum_sql(literal(account_id, BigInteger), [literal(t, BigInteger) for t in totals])
                assert int(await s.scalar(select(sql))) == checkpoints.check_sum_of(account_id, totals)


def test_changing_any_one_total_changes_the_check_sum():
    for account_id in (1, 77, 10**9 + 7):
        for field in range(4):
            for v in EDGES:
                for delta in (1, -1, checkpoints.PRIME, 10**12):
                    if v + delta < 0:
                        continue
                    before = [5, 6, 7, 8]
                    after = list(before)
                    before[field], after[field] = v, v + delta
                    assert checkpoints.check_sum_of(account_id, before) != checkpoints.check_sum_of(account_id, after)
    assert checkpoints.check_sum_of(12, (0, 0, 0, 0)) == 0  # an account that never moved adds nothing


async def _three_accounts(client, admin, db):
    fund, payee, _ = await _ledger(client, admin, 2)
    other = (await open_account(client, admin, kind="beneficiary"))["id"]
    await post_entry(client, admin, [(fund, "4.00"), (other, "-4.00")])
    assert (await verify_and_checkpoint(db, full=False)).ok
    # after the checkpoint: one posted entry, one pending one; `other` does not move
    await post_entry(client, admin, [(fund, "3.00"), (payee, "-3.00")])
    await post_entry(client, admin, [(fund, "1.50"), (payee, "-1.50")], pending=True)
    return fund, payee, other


async def test_with_nothing_wrong_the_check_sum_alone_confirms_every_account(client, admin, db, monkeypatch):
    await _three_accounts(client, admin, db)

    async def exact(*_a, **_k):
        raise AssertionError("the exact comparison should not be needed")

    monkeypatch.setattr(checkpoints, "compare_since", exact)
    async with db.reading() as s:
        report = await verify_ledger(s)
    assert report.ok and report.from_checkpoint == 4


@pytest.mark.parametrize("edit", [
    "UPDATE accounts SET debits_posted = debits_posted + 1 WHERE id = :other",  # an account that did not move
    "UPDATE accounts SET credits_pending = credits_pending + 100 WHERE id = :other",
    "UPDATE accounts SET debits_pending = debits_pending - 1 WHERE id = :fund",  # one that did
    # moved between two accounts: the plain sums of all totals still agree
    "UPDATE accounts SET credits_posted = credits_posted + (CASE WHEN id = :other THEN 7 ELSE -7 END) "
    "WHERE id IN (:other, :payee)",
])
async def test_a_hand_edited_account_total_is_named_after_the_check_sum_differs(client, admin, db, edit):
    fund, payee, other = await _three_accounts(client, admin, db)
    await tamper(db, edit, fund=fund, payee=payee, other=other)
    async with db.reading() as s:
        report = await verify_ledger(s)
    named = {m["account_id"] for m in report.account_mismatches}
    assert not report.ok and report.from_checkpoint == 4
    assert named == ({other} if ":other" in edit and ":payee" not in edit else
                     {fund} if ":fund" in edit else {other, payee})


async def test_a_checkpoint_made_before_the_check_sum_is_compared_account_by_account(client, admin, db):
    fund, payee, other = await _three_accounts(client, admin, db)
    await tamper(db, "UPDATE ledger_checkpoints SET totals_check = NULL")
    async with db.reading() as s:
        assert (await verify_ledger(s)).ok
    await tamper(db, "UPDATE accounts SET debits_posted = debits_posted + 1 WHERE id = :a", a=other)
    async with db.reading() as s:
        report = await verify_ledger(s)
    assert [m["account_id"] for m in report.account_mismatches] == [other]


async def test_a_wrong_check_sum_only_costs_the_exact_comparison(client, admin, db):
    await _three_accounts(client, admin, db)
    await tamper(db, "UPDATE ledger_checkpoints SET totals_check = totals_check + 1")
    async with db.reading() as s:
        report = await verify_ledger(s)
    assert report.first_break is None
    assert [m["code"] for m in report.account_mismatches] == ["(all accounts)"]  # said, not passed over


@pytest.mark.parametrize("edit, named", [
    (None, set()),
    ("UPDATE accounts SET debits_pending = debits_pending + 5 WHERE id = :fund", {"fund"}),
    ("UPDATE accounts SET credits_posted = credits_posted - 1 WHERE id = :payee", {"payee"}),
    ("UPDATE postings SET amount = amount * 3 WHERE entry_id = :voided", set()),  # voided: in no total
    ("UPDATE postings SET amount = amount * 3 WHERE entry_id = :pending", {"fund", "payee"}),
])
async def test_the_full_pass_sums_posted_pending_and_voided_entries_apart(client, admin, db, edit, named):
    """From genesis, every account's totals against its postings: posted ones, pending ones in the
    pending totals, voided ones in neither."""
    fund, payee, _ = await _ledger(client, admin, 3)
    pending = (await post_entry(client, admin, [(fund, "2.00"), (payee, "-2.00")], pending=True)).json()["id"]
    voided = (await post_entry(client, admin, [(fund, "4.00"), (payee, "-4.00")], pending=True)).json()["id"]
    approver = await client.post("/api/v1/ledger/entries/%d/void" % voided, json={"reason": "typo"}, headers=admin)
    assert approver.status_code == 200, approver.text
    if edit:
        await tamper(db, edit, fund=fund, payee=payee, pending=pending, voided=voided)
    async with db.reading() as s:
        report = await verify_ledger(s, full=True)
    ids = {"fund": fund, "payee": payee}
    assert {m["account_id"] for m in report.account_mismatches} == {ids[n] for n in named}


async def test_accounts_found_apart_are_compared_again_in_one_statement(client, admin, db, monkeypatch):
    """A full check sums postings on connections of its own while it walks the chain (on SQLite from
    separate reads), which a write in between can make disagree with the verifying session: what they
    find is compared again in one statement, and only real differences stay."""
    fund, payee, _ = await _ledger(client, admin, 2)
    await tamper(db, "UPDATE accounts SET debits_posted = debits_posted + 1 WHERE id = :a", a=fund)
    monkeypatch.setattr(verify, "_candidates", lambda url: [fund, payee])  # payee: as a write in between would show
    async with db.reading() as s:
        report = await verify_ledger(s, full=True)
    assert [m["account_id"] for m in report.account_mismatches] == [fund]
