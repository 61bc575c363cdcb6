"""One write path: only the ledger locks ledger rows (in id order, one statement), the database itself
refuses values the ledger never writes, and `retrying` runs again a transaction the database aborted
for a deadlock, within bounds, answering a clear 409 when it gives up."""

from __future__ import annotations

import asyncio
import inspect

import greenlet

import pytest
from sqlalchemy import event, insert, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from service.driver import Driver
from service.errors import Conflict
from service.ledger.models import Account, JournalEntry, Posting
from service.writes import retrying
from tests.helpers import funded_account, open_account
from tests.patrols.conftest import make_patrol, verified_log
from tests.patrols.test_stipends import make_rule


class AccountLocks:
    """Every statement that locks account rows, with whether the ledger issued it."""

    def __init__(self) -> None:
        self.seen: list[tuple[bool, str]] = []

    def __call__(self, conn, clauseelement, multiparams, params, execution_options) -> None:
        self.check(clauseelement, _callers())

    def check(self, clauseelement, files: list[str]) -> None:
        locks = getattr(clauseelement, "_for_update_arg", None) is not None
        if locks and Account.__table__ in getattr(clauseelement, "froms", ()):
            by_ledger = any("/service/ledger/" in f for f in files)
            who = next((f for f in files if "/service/" in f and "/sqlalchemy/" not in f), "?")
            self.seen.append((by_ledger, who))


def _callers() -> list[str]:
    """The async code that awaited this statement: SQLAlchemy runs it in a child greenlet, so the
    caller's frames hang off the parent greenlet (innermost first)."""
    frame, out = greenlet.getcurrent().parent.gr_frame, []
    while frame is not None:
        out.append(f"{frame.f_code.co_filename}:{frame.f_lineno}")
        frame = frame.f_back
    return out


@pytest.fixture
def account_locks(monkeypatch):
    """Statements through SQLAlchemy, and the fixed ones sent straight to the driver (service/driver.py)."""
    spy = AccountLocks()
    event.listen(Engine, "before_execute", spy)
    rows = Driver.rows

    async def spied(self, stmt, values):
        spy.check(stmt.source, [f"{f.filename}:{f.lineno}" for f in inspect.stack()[1:]])
        return await rows(self, stmt, values)

    monkeypatch.setattr(Driver, "rows", spied)
    yield spy
    event.remove(Engine, "before_execute", spy)


async def test_only_the_ledger_locks_accounts_when_stipends_are_run_and_approved(client, admin, token_for,
                                                                                account_locks):
    """A domain that locks the fund before the ledger locks [payee, fund] in id order could deadlock
    with an approval on PostgreSQL; domains leave account locks to the ledger."""
    p = await make_patrol(client, admin, token_for)
    await verified_log(client, p, [p.members[0]], "2025-03-01")
    rule = await make_rule(client, p)
    run = await client.post("/api/v1/stipend-runs", json={"rule_id": rule["id"], "period": "2025-03"},
                            headers=p.official)
    assert run.status_code == 201, run.text
    approved = await client.post(f"/api/v1/stipend-runs/{run.json()['id']}/approve", headers=p.approver)
    assert approved.status_code == 200, approved.text
    assert account_locks.seen, "the ledger locks the accounts it moves money on"
    assert [who for by_ledger, who in account_locks.seen if not by_ledger] == []


async def test_the_database_refuses_values_the_ledger_never_writes(client, admin, db):
    fund, _ = await funded_account(client, admin, "10.00")
    async with db.reading() as s:
        entry_id = await s.scalar(select(JournalEntry.id).limit(1))
    bad = [
        (Posting, {"entry_id": entry_id, "account_id": fund, "currency": "CNY", "amount": 0}),
        (Account, {"code": "x1", "name": "x", "kind": "piggybank", "currency": "CNY", "normal_side": "credit",
                   "may_go_negative": False, "debits_posted": 0, "credits_posted": 0, "debits_pending": 0,
                   "credits_pending": 0}),
        (Account, {"code": "x2", "name": "x", "kind": "fund", "currency": "CNY", "normal_side": "up",
                   "may_go_negative": False, "debits_posted": 0, "credits_posted": 0, "debits_pending": 0,
                   "credits_pending": 0}),
    ]
    for model, row in bad:
        with pytest.raises(IntegrityError):
            async with db.writing() as s:
                await s.execute(insert(model.__table__), row)
    with pytest.raises(IntegrityError):
        async with db.writing() as s:
            row = (await s.execute(select(JournalEntry.__table__).limit(1))).first()._asdict()
            row.pop("id")
            await s.execute(insert(JournalEntry.__table__), {**row, "status": "maybe", "sequence": None,
                                                             "reversal_of_id": None})


class _Deadlock(Exception):
    sqlstate = "40P01"


def _deadlock() -> OperationalError:
    return OperationalError("SELECT 1", {}, _Deadlock("deadlock detected"))


async def test_a_deadlocked_transaction_is_run_again(db):
    calls = []

    async def work(session):
        calls.append(1)
        if len(calls) < 3:
            raise _deadlock()
        return "done"

    assert await retrying(db, work) == "done" and len(calls) == 3


async def test_retrying_gives_up_with_a_conflict_never_a_500(db):
    calls = []

    async def work(session):
        calls.append(1)
        raise _deadlock()

    with pytest.raises(Conflict) as refused:
        await retrying(db, work, attempts=3)
    assert len(calls) == 3 and "nothing was written" in refused.value.detail


async def test_other_database_errors_are_not_retried(db):
    calls = []

    async def work(session):
        calls.append(1)
        await session.execute(text("SELECT * FROM no_such_table"))

    with pytest.raises(Exception):  # noqa: B017 (whatever the driver calls it: not a retry)
        await retrying(db, work)
    assert len(calls) == 1


async def test_a_real_deadlock_on_postgresql_is_retried_until_both_commit(client, admin, db, is_postgres):
    if not is_postgres:
        pytest.skip("SQLite serialises writers: there is no deadlock to provoke")
    a = (await open_account(client, admin, "fund"))["id"]
    b = (await open_account(client, admin, "fund"))["id"]
    first_locked = [asyncio.Event(), asyncio.Event()]
    attempts = [0, 0]
    table = Account.__table__

    def worker(i: int, order: tuple[int, int]):
        async def work(session):
            attempts[i] += 1
            await session.execute(select(table.c.id).where(table.c.id == order[0]).with_for_update())
            if attempts[i] == 1:  # the first time round, wait until the other holds its first row
                first_locked[i].set()
                await first_locked[1 - i].wait()
            await session.execute(select(table.c.id).where(table.c.id == order[1]).with_for_update())
            return i
        return work

    done = await asyncio.gather(retrying(db, worker(0, (a, b))), retrying(db, worker(1, (b, a))))
    assert sorted(done) == [0, 1] and sum(attempts) == 3  # one of the two was chosen as the victim, once
