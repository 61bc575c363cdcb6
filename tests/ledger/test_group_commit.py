"""Group commit: concurrent write requests share one transaction, each in its own savepoint.
A refused request never fails the others; retries with a key write each entry exactly once; a group
killed mid-commit (SIGKILL) loses or duplicates nothing once its clients retry."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from service.db import Database
from service.group_commit import Batch
from service.errors import InsufficientFunds
from service.ledger import service as ledger
from service.ledger.models import JournalEntry
from service.writes import retrying
from tests.conftest import actor
from tests.helpers import funded_account, open_account


async def test_a_group_with_one_refused_command_commits_the_others(client, admin, database_url):
    fund, _ = await funded_account(client, admin, "100.00")
    payee = (await open_account(client, admin, kind="beneficiary"))["id"]
    db = Database(database_url, group_commit=True)
    writer = db.group_writer(retrying)
    me = actor(1)

    def move(fen: int):
        async def work(session):
            entry = await ledger.record_entry(session, kind="payment", legs=ledger.transfer(fund, payee, fen), actor=me)
            return entry.sequence
        return work

    try:
        # 60 fits; 50 would fit alone but not after the 60 before it in the group; 40 still fits.
        outcome = await asyncio.gather(*(writer.submit(move(fen)) for fen in (6000, 5000, 4000)),
                                       return_exceptions=True)
    finally:
        await db.dispose()
    assert writer.groups == 1 and writer.requests == 2  # one transaction for the three; two committed
    first, refused, third = outcome
    assert isinstance(refused, InsufficientFunds), refused
    assert third == first + 1  # each its own sequence number, in the order of the group
    assert (await client.get(f"/api/v1/accounts/{fund}/balance", headers=admin)).json()["posted"] == "0.00"
    assert (await client.get("/api/v1/ledger/verify", headers=admin)).json()["ok"]


async def test_fifty_clients_retrying_with_the_same_keys_write_each_entry_once(client, admin, db):
    fund, _ = await funded_account(client, admin, "1000.00")
    payee = (await open_account(client, admin, kind="beneficiary"))["id"]
    body = {"memo": "fifty", "postings": [{"account_id": fund, "amount": "1.00"},
                                          {"account_id": payee, "amount": "-1.00"}]}

    async def one_client(i: int) -> set[int]:
        ids = set()
        for _ in range(3):  # the first try and two retries, each until it is answered
            while True:
                r = await client.post("/api/v1/ledger/entries", json=body,
                                      headers={**admin, "Idempotency-Key": f"fifty-{i}"})
                if r.status_code != 409:  # 409: the same key is still being processed; retry shortly
                    break
                await asyncio.sleep(0.01)
            assert r.status_code == 201, r.text
            ids.add(r.json()["id"])
        return ids

    answers = await asyncio.gather(*(one_client(i) for i in range(50)))
    assert all(len(ids) == 1 for ids in answers)  # every retry got the first answer
    async with db.reading() as s:
        written = await s.scalar(select(func.count()).select_from(JournalEntry).where(JournalEntry.memo == "fifty"))
    assert written == 50 and len(set().union(*answers)) == 50
    assert (await client.get(f"/api/v1/accounts/{fund}/balance", headers=admin)).json()["posted"] == "950.00"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(database_url: str, port: int, log) -> subprocess.Popen:
    env = {**os.environ, "SHANSHUI_DATABASE_URL": database_url, "SHANSHUI_GROUP_COMMIT": "1"}
    proc = subprocess.Popen([sys.executable, "-c", "from service.cli import main; main()", "serve", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        assert proc.poll() is None, "the server exited"
        time.sleep(0.1)
    raise AssertionError("the server did not start")


async def test_sigkill_during_group_commits_loses_or_duplicates_nothing(client, admin, database_url):
    fund, _ = await funded_account(client, admin, "10000.00")
    payee = (await open_account(client, admin, kind="beneficiary"))["id"]
    body = {"memo": "killed", "postings": [{"account_id": fund, "amount": "1.00"},
                                           {"account_id": payee, "amount": "-1.00"}]}
    keys = [f"kill-{i}" for i in range(200)]
    port = _free_port()
    base = f"http://127.0.0.1:{port}"

    async def post(c: httpx.AsyncClient, key: str) -> httpx.Response | None:
        try:
            return await c.post(f"{base}/api/v1/ledger/entries", json=body, headers={**admin, "Idempotency-Key": key})
        except httpx.HTTPError:
            return None  # the server died under it: not acknowledged

    with tempfile.TemporaryFile() as log:
        server = _serve(database_url, port, log)
        acknowledged: dict[str, int] = {}
        try:
            async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=64)) as c:
                pending = [asyncio.create_task(post(c, k)) for k in keys]
                while sum(t.done() for t in pending) < 20:  # groups are committing: kill it mid-stream
                    await asyncio.sleep(0.005)
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
                for key, task in zip(keys, pending, strict=True):
                    r = await task
                    if r is not None and r.status_code == 201:
                        acknowledged[key] = r.json()["id"]
            assert 0 < len(acknowledged) < len(keys), "the kill should land while groups were committing"
            server = _serve(database_url, port, log)
            async with httpx.AsyncClient(timeout=30) as c:
                for key in keys:  # every client retries with its key
                    r = await post(c, key)
                    assert r is not None and r.status_code == 201, r.text if r is not None else key
                    if key in acknowledged:  # an acknowledged write is replayed, never written again
                        assert r.json()["id"] == acknowledged[key] and r.headers["idempotent-replayed"] == "true"
        finally:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(timeout=30)
    db = Database(database_url)
    try:
        async with db.reading() as s:
            written = await s.scalar(select(func.count()).select_from(JournalEntry).where(JournalEntry.memo == "killed"))
    finally:
        await db.dispose()
    assert written == len(keys)
    env = {**os.environ, "SHANSHUI_DATABASE_URL": database_url}
    verify = subprocess.run([sys.executable, "-c", "from service.cli import main; main()", "verify"], env=env,
                            capture_output=True, text=True, timeout=300)
    assert verify.returncode == 0, verify.stdout + verify.stderr


async def test_orm_changes_of_every_request_in_a_group_are_written(database_url):
    """Requests that only add ORM objects (flushed at commit, not by the request) keep them, with or
    without a refused request in their group: the group writer flushes each before letting it go."""
    from service.idempotency import IdempotencyRecord

    db = Database(database_url, group_commit=True)
    writer = db.group_writer(retrying)

    def add(key: str, refuse: bool = False):
        async def work(session):
            session.add(IdempotencyRecord(user_id=1, key=key, fingerprint="f", status_code=201, response="{}"))
            if refuse:
                raise InsufficientFunds("refused after adding")
            return key
        return work

    try:
        together = await asyncio.gather(*(writer.submit(add(f"a{i}")) for i in range(5)))
        mixed = await asyncio.gather(*(writer.submit(add(f"b{i}", refuse=i == 2)) for i in range(5)),
                                     return_exceptions=True)
        async with db.reading() as s:
            keys = set(await s.scalars(select(IdempotencyRecord.key).where(IdempotencyRecord.user_id == 1,
                                                                             IdempotencyRecord.fingerprint == "f")))
    finally:
        await db.dispose()
    assert together == [f"a{i}" for i in range(5)]
    assert isinstance(mixed[2], InsufficientFunds) and [m for i, m in enumerate(mixed) if i != 2] == ["b0", "b1", "b3", "b4"]
    assert keys == {f"a{i}" for i in range(5)} | {"b0", "b1", "b3", "b4"}
    assert writer.groups == 2


async def test_groups_of_two_processes_never_deadlock_on_each_others_accounts(client, admin, database_url, is_postgres):
    """Two processes' group writers (two Database handles: two connection pools, as two workers have),
    each group locking one fund and then the other's: without the advisory lock every group writer takes
    first, the two transactions deadlock and PostgreSQL aborts one after its deadlock_timeout."""
    if not is_postgres:
        pytest.skip("SQLite has one writer at a time already (Database.writing): nothing to interleave")
    fund_a, _ = await funded_account(client, admin, "100.00")
    fund_b, _ = await funded_account(client, admin, "100.00")
    payees = [(await open_account(client, admin, kind="beneficiary"))["id"] for _ in range(4)]
    first_locked = [asyncio.Event(), asyncio.Event()]
    me = actor(1)

    def move(fund: int, payee: int, mine: int | None = None):
        async def work(session):
            entry = await ledger.record_entry(session, kind="payment", legs=ledger.transfer(fund, payee, 100),
                                              actor=me, pending=True)
            if mine is not None:  # hold this fund until the other group holds its own (or 0.5 s passed)
                first_locked[mine].set()
                try:
                    await asyncio.wait_for(first_locked[1 - mine].wait(), 0.5)
                except TimeoutError:
                    pass
            return entry.id
        return work

    dbs = [Database(database_url, group_commit=True) for _ in range(2)]
    writers = [d.group_writer(retrying) for d in dbs]
    try:
        outcome = await asyncio.gather(
            writers[0].submit(move(fund_a, payees[0], mine=0)), writers[0].submit(move(fund_b, payees[1])),
            writers[1].submit(move(fund_b, payees[2], mine=1)), writers[1].submit(move(fund_a, payees[3])))
    finally:
        for d in dbs:
            await d.dispose()
    assert len(set(outcome)) == 4
    assert [w.aborted for w in writers] == [0, 0]  # the database aborted no transaction of theirs
    assert [(w.groups, w.requests) for w in writers] == [(1, 2), (1, 2)]


async def test_groups_written_as_one_run_side_by_side_in_two_processes(client, admin, database_url, is_postgres):
    """Groups written as one command (a `Batch`) take the group lock shared and their row locks in one
    order (accounts in one statement, in id order): two processes' groups, each over both funds, run at
    the same time and neither deadlocks. With the lock taken exclusive, each would wait for the other."""
    if not is_postgres:
        pytest.skip("SQLite has one writer at a time already (Database.writing): nothing to interleave")
    fund_a, _ = await funded_account(client, admin, "100.00")
    fund_b, _ = await funded_account(client, admin, "100.00")
    payees = [(await open_account(client, admin, kind="beneficiary"))["id"] for _ in range(4)]
    started, saw, me = [asyncio.Event(), asyncio.Event()], [False, False], actor(1)

    def run_for(mine: int):
        async def run(session, items):
            started[mine].set()  # in its transaction, holding the group lock: is the other one in too?
            try:
                await asyncio.wait_for(started[1 - mine].wait(), 2)
                saw[mine] = True
            except TimeoutError:
                pass
            specs = [ledger.EntrySpec("payment", ledger.transfer(fund, payee, 100)) for fund, payee in items]
            return [e.id for e in await ledger.record_entries_each(session, specs, [me] * len(specs), pending=True)]
        return run

    async def alone(session):  # one request's own form (not used unless the group fails)
        raise AssertionError("the groups were not written as one")

    runs = [run_for(0), run_for(1)]
    dbs = [Database(database_url, group_commit=True) for _ in range(2)]
    writers = [d.group_writer(retrying) for d in dbs]
    try:
        outcome = await asyncio.gather(
            writers[0].submit(alone, Batch(runs[0], (fund_a, payees[0]))),
            writers[0].submit(alone, Batch(runs[0], (fund_b, payees[1]))),
            writers[1].submit(alone, Batch(runs[1], (fund_b, payees[2]))),
            writers[1].submit(alone, Batch(runs[1], (fund_a, payees[3]))))
    finally:
        for d in dbs:
            await d.dispose()
    assert saw == [True, True]  # each group saw the other's inside its own transaction
    assert len(set(outcome)) == 4 and [w.aborted for w in writers] == [0, 0]
    assert [w.batched for w in writers] == [1, 1]


async def test_a_refused_request_of_a_group_leaves_none_of_its_rows(database_url):
    """Rows written straight through the driver (service/driver.py) by a request that is then refused
    are rolled back with its savepoint, whatever its place in the group (the second one's used to stay)."""
    from service.driver import insert_row
    from service.idempotency import IdempotencyRecord

    db = Database(database_url, group_commit=True)
    writer = db.group_writer(retrying)

    def add(key: str, refuse: bool):
        async def work(session):
            await insert_row(session, IdempotencyRecord, dict(user_id=2, key=key, fingerprint="d", status_code=201,
                                                              response="{}"))
            if refuse:
                raise InsufficientFunds("refused after writing")
            return key
        return work

    try:
        outcome = await asyncio.gather(*(writer.submit(add(f"d{i}", refuse=i > 0)) for i in range(4)),
                                       return_exceptions=True)
        async with db.reading() as s:
            keys = set(await s.scalars(select(IdempotencyRecord.key).where(IdempotencyRecord.user_id == 2)))
    finally:
        await db.dispose()
    assert outcome[0] == "d0" and all(isinstance(o, InsufficientFunds) for o in outcome[1:])
    assert keys == {"d0"}


async def test_entries_written_together_are_checked_one_after_another(client, admin, database_url):
    """A group's entries each see the balances the ones before them left: an entry that overdraws a fund
    is refused even if a later one of the group would refill it (a batch, checked once, would pass)."""
    fund, _ = await funded_account(client, admin, "50.00")
    other, _ = await funded_account(client, admin, "20.00")
    payee = (await open_account(client, admin, kind="beneficiary"))["id"]
    overdraw = ledger.EntrySpec("payment", ledger.transfer(fund, payee, 6000))
    refill = ledger.EntrySpec("transfer", ledger.transfer(other, fund, 2000))
    db = Database(database_url)
    try:
        with pytest.raises(InsufficientFunds):
            async with db.writing() as session:
                await ledger.record_entries_each(session, [overdraw, refill], [actor(1), actor(1)])
        async with db.writing() as session:
            entries = await ledger.record_entries_each(session, [refill, overdraw],
                                                       [actor(1, request_id="first"), actor(1, request_id="second")])
    finally:
        await db.dispose()
    assert [e.request_id for e in entries] == ["first", "second"] and entries[1].sequence == entries[0].sequence + 1
    assert (await client.get(f"/api/v1/accounts/{fund}/balance", headers=admin)).json()["posted"] == "10.00"
    assert (await client.get("/api/v1/ledger/verify", headers=admin)).json()["ok"]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moves=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2), st.integers(1, 4000)), min_size=2, max_size=16))
async def test_entries_sent_at_once_keep_every_fund_at_or_above_zero(admin, live_server, moves):
    """Transfers between three funds sent at once (groups written as one, or request by request when
    one is refused): no fund goes below zero, each accepted answer is the stored entry, the totals are
    what the accepted entries add up to, and the chain verifies. Every request goes to the served app
    (the test client answers one at a time; the app's group writer lives in one event loop)."""
    moves = [(a, b, fen) for a, b, fen in moves if a != b] or [(0, 1, 100)]
    async with httpx.AsyncClient(base_url=live_server, timeout=60) as http:
        funds = [(await funded_account(http, admin, "30.00"))[0] for _ in range(3)]
        answers = await asyncio.gather(*(http.post("/api/v1/ledger/entries", headers=admin, json={
            "memo": "at once", "postings": [{"account_id": funds[a], "amount": f"{fen // 100}.{fen % 100:02d}"},
                                            {"account_id": funds[b], "amount": f"-{fen // 100}.{fen % 100:02d}"}]})
            for a, b, fen in moves))
        assert all(r.status_code in (201, 422) for r in answers), [r.text for r in answers]
        held = {f: 3000 for f in funds}
        for r in answers:
            if r.status_code == 201:
                got = (await http.get(f"/api/v1/ledger/entries/{r.json()['id']}", headers=admin)).json()
                assert got == r.json()
                for p in got["postings"]:
                    held[p["account_id"]] -= int(p["amount"].replace(".", "").replace("-", "")) * (
                        1 if p["side"] == "debit" else -1)
            else:
                assert r.json()["type"].endswith("/insufficient-funds")
        for f in funds:
            posted = (await http.get(f"/api/v1/accounts/{f}/balance", headers=admin)).json()["posted"]
            assert posted == f"{held[f] // 100}.{held[f] % 100:02d}" and held[f] >= 0
        assert (await http.get("/api/v1/ledger/verify", headers=admin)).json()["ok"]
