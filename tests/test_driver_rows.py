"""The write path's ORM rows through the driver (service/driver.py): the same objects and rows as
the ORM's own queries and inserts, and an access rule compiled once per actor scope never answers
for another actor."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import bindparam, select

from service.auth.actor import Actor
from service.db import Database
from service.driver import get_row, insert_row, load_all, load_one, update_row
from service.parties.models import Party
from service.parties.repository import find_readable


def _columns(instance: object) -> dict:
    return {c.key: getattr(instance, c.key) for c in Party.__table__.columns}


async def _parties(db: Database) -> tuple[int, int, int]:
    async with db.writing() as s:
        a = await insert_row(s, Party, dict(kind="household", name="刘家 A", county_code="360827",
                                            division_code="360827101", bank_account_tail="1234"))
        b = await insert_row(s, Party, dict(kind="household", name="王家 B", county_code="360828"))
        org = await insert_row(s, Party, dict(kind="organisation", name="Water fund NGO", org_type="ngo"))
        return a.id, b.id, org.id


async def test_inserted_rows_read_back_equal_through_the_orm(db: Database) -> None:
    a, _, _ = await _parties(db)
    async with db.writing() as s:
        lean = await get_row(s, Party, a)
        assert lean is not None
        lean_values = _columns(lean)
    async with db.reading() as s:
        orm = (await s.execute(select(Party).where(Party.id == a))).scalar_one()
        assert _columns(orm) == lean_values
    assert lean_values["name"] == "刘家 A" and lean_values["created_at"] is not None  # the Python default
    assert isinstance(lean_values["created_at"], datetime) and lean_values["created_at"].tzinfo is not None


async def test_an_access_rule_compiled_for_one_actor_never_answers_for_another(db: Database) -> None:
    a, b, org = await _parties(db)
    east = Actor(user_id=1, name="east", role="official", county_code="360827")
    west = Actor(user_id=2, name="west", role="official", county_code="360828")
    community = Actor(user_id=3, name="a household", role="community", party_id=b)
    async with db.writing() as s:
        for _ in range(2):  # the second round uses the compiled statements
            assert (await find_readable(s, east, a)) is not None
            assert (await find_readable(s, east, b)) is None
            assert (await find_readable(s, west, a)) is None
            assert (await find_readable(s, west, b)) is not None
            assert (await find_readable(s, east, org)) is not None  # organisations without a county
            assert (await find_readable(s, community, a)) is None
            assert (await find_readable(s, community, b)) is not None
            s.expunge_all()


async def test_loaded_rows_are_the_sessions_own_and_a_lock_reads_afresh(db: Database) -> None:
    a, b, _ = await _parties(db)
    async with db.writing() as s:
        first = await get_row(s, Party, a)
        again = await load_one(s, Party, "by_id", lambda: select(Party).where(Party.id == bindparam("v_id")), {"v_id": a})
        assert first is again
        await update_row(s, first, name="刘家 A (renamed)")
        assert first.name == "刘家 A (renamed)" and not s.dirty  # written, not pending
        first.__dict__["name"] = "stale"  # what a lock must replace with the row as it stands
        locked = await load_one(s, Party, "by_id", lambda: select(Party).where(Party.id == bindparam("v_id")),
                                {"v_id": a}, lock=True)
        assert locked is first and first.name == "刘家 A (renamed)"
        both = await load_all(s, Party, "from", lambda: select(Party).where(Party.id >= bindparam("v_from"))
                             .order_by(Party.id).limit(2), {"v_from": a})
        assert [p.id for p in both] == [a, b]
    async with db.reading() as s:
        assert (await s.get(Party, a)).name == "刘家 A (renamed)"  # type: ignore[union-attr]


async def test_outside_a_write_transaction_it_is_the_orm(db: Database) -> None:
    a, _, _ = await _parties(db)
    async with db.reading() as s:
        found = await get_row(s, Party, a)
        assert found is not None and found.created_at <= datetime.now(UTC)
