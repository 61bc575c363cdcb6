"""Failed sign-ins slow down before they lock (the rule itself, without waiting on a clock)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from service.console import users
from service.console.models import ConsoleLogin
from service.console.settings import ConsoleSettings
from service.db import utcnow
from tests.console.support import PASSWORD, make_user

CFG = ConsoleSettings(slow_after=3, lock_after=6, lock_minutes=15)


def test_each_failure_from_the_third_doubles_the_wait_then_the_account_locks():
    login = ConsoleLogin(username="x", password_hash="", failed_count=0)
    now = utcnow()
    waits = []
    for _ in range(6):
        users._count_failure(login, now, CFG)
        waits.append(login.locked_until - now if login.locked_until else None)
    assert waits == [None, None, timedelta(seconds=2), timedelta(seconds=4), timedelta(seconds=8),
                     timedelta(minutes=15)]


async def test_while_waiting_even_the_right_password_is_refused_and_not_counted(db):
    await make_user(db, "clerk", "official", county_code="360827")
    async with db.writing() as s:
        await s.execute(update(ConsoleLogin).values(failed_count=3, locked_until=utcnow() + timedelta(hours=1)))
    outcome = await users.sign_in(db, "clerk", PASSWORD, CFG)
    assert outcome.user is None and outcome.refusal == "wait"
    async with db.writing() as s:
        await s.execute(update(ConsoleLogin).values(locked_until=utcnow() - timedelta(seconds=1)))
    outcome = await users.sign_in(db, "CLERK ", PASSWORD, CFG)
    assert outcome.user is not None
    async with db.reading() as s:
        login = await s.get(ConsoleLogin, outcome.user.id)
    assert login.failed_count == 0 and login.locked_until is None


async def test_concurrent_wrong_passwords_all_count_and_lock(db):
    import asyncio

    await make_user(db, "clerk", "official", county_code="360827")
    cfg = ConsoleSettings(slow_after=99, lock_after=6, lock_minutes=15)
    outcomes = await asyncio.gather(*(users.sign_in(db, "clerk", f"guess {i}", cfg) for i in range(6)))
    assert all(o.user is None for o in outcomes)
    async with db.reading() as s:
        login = (await s.execute(select(ConsoleLogin))).scalar_one()
    assert login.failed_count == 6 and login.locked_until > utcnow()
    assert (await users.sign_in(db, "clerk", PASSWORD, cfg)).refusal == "locked"
