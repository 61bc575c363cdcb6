"""The cycle figure: a payment cycle's dry run and commit for `households` enrollments, in rows/s.

Sets up its own county (a code no other data uses) straight through the tables: a village, the
households and their benefits accounts, a funded per-mu program and one enrollment with one or two
forest parcels per household. Then it times the two things an official does: the dry run
(`enrollments.cycles.plan`, read-only) and the commit (`enrollments.cycles.commit`: one batch through
the compensation batch machinery, a pending ledger entry per household). Works on SQLite and PostgreSQL;
point it at a scratch database.

    python bench/cycles.py sqlite+aiosqlite:///cycles.db 100000
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
import time
from datetime import date
from typing import Any

from sqlalchemy import insert, select

from service import models  # noqa: F401  (registers every table)
from service.auth.actor import Actor
from service.auth.models import User
from service.compensation import service as comp
from service.compensation.schemas import ProgramIn
from service.db import Base, Database, chunks, insert_ids, utcnow
from service.enrollments import cycles
from service.enrollments.models import BasisKind, BasisLine, Enrollment
from service.enrollments.schemas import CycleIn
from service.ledger import service as ledger
from service.ledger.models import Account, AccountKind, Side
from service.parties import service as parties
from service.parties.models import Party, PartyKind

PERIOD = "2026"


async def run(database_url: str, households: int) -> dict:
    db = Database(database_url)
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        started = time.perf_counter()
        official, program_id = await _setup(db, households)
        setup = time.perf_counter() - started
        async with db.reading() as session:
            started, cpu = time.perf_counter(), time.process_time()
            plan = await cycles.plan(session, official, program_id, PERIOD)
            cycles.report(plan, dry_run=True, with_lines=False)
            dry, dry_cpu = time.perf_counter() - started, time.process_time() - cpu
        async with db.writing() as session:
            started, cpu = time.perf_counter(), time.process_time()
            rep = await cycles.commit(session, official, CycleIn(program_id=program_id, period=PERIOD))
        commit, commit_cpu = time.perf_counter() - started, time.process_time() - cpu  # the COMMIT included
        return {
            "database": "sqlite" if db.is_sqlite else "postgresql", "enrollments": households,
            "payable": rep.payable, "total": rep.total, "setup_seconds": round(setup, 2),
            "dry_run_seconds": round(dry, 2), "dry_run_rows_per_second": round(households / dry),
            "commit_seconds": round(commit, 2), "commit_rows_per_second": round(households / commit),
            # this process's CPU (on SQLite the database's work too; on PostgreSQL only the client's)
            "dry_run_cpu_seconds": round(dry_cpu, 2), "commit_cpu_seconds": round(commit_cpu, 2),
            "load_average": [round(x, 2) for x in os.getloadavg()],
        }
    finally:
        await db.dispose()


async def _setup(db: Database, n: int) -> tuple[Actor, int]:
    rnd = random.Random(16)
    county = f"9{rnd.randrange(10**5):05d}"
    while True:  # a county code this database has not seen
        async with db.reading() as session:
            if await session.scalar(select(Party.id).where(Party.county_code == county).limit(1)) is None:
                break
        county = f"9{rnd.randrange(10**5):05d}"
    async with db.writing() as session:
        user_ids = await insert_ids(session, User, [
            dict(name=f"bench {role} {county}", role=role, county_code=None if role == "admin" else county,
                 created_at=utcnow()) for role in ("admin", "official")])
        admin, official = (Actor(user_id=u, name="bench", role=r, county_code=c, request_id="bench")
                           for u, r, c in zip(user_ids, ("admin", "official"), (None, county), strict=True))
        village = Party(kind=PartyKind.COMMUNITY, name=f"Bench village {county}", division_code=f"{county}100200",
                        county_code=county)
        session.add(village)
        await session.flush()
        homes = await _households(session, county, village.id, n)
        program = await comp.create_program(session, official, ProgramIn(
            name=f"Bench forest {county}", legal_basis="bench", county_code=county, period_start=date(2024, 1, 1),
            period_end=date(2030, 12, 31), rule_kind="per_area_year", rate="34.50"))
        source = await ledger.open_account(session, code=f"bench:{county}:source", name="Bench budget",
                                           kind=AccountKind.SOURCE)
        await ledger.record_entry(session, kind="funding", actor=admin, pending=False, memo="bench funding",
                                  legs=ledger.transfer(source.id, program.fund_account_id, 10**12))
        await _enrollments(session, official, program.id, county, homes, rnd)
    return official, program.id


async def _households(session: Any, county: str, village: int, n: int) -> list[int]:
    now = utcnow()
    ids = await insert_ids(session, Party, [
        dict(kind=PartyKind.HOUSEHOLD, org_type=None, name=f"户{i}", division_code=None, county_code=county,
             parent_id=village, registration_code=None, gender=None, age_band=None, id_number_hash=None,
             id_number_tail=f"{i % 10000:04d}", bank_account_tail=f"{(i * 7) % 10000:04d}", household_size=3,
             created_at=now, created_by=None) for i in range(n)])
    for chunk in chunks(ids, 5000):
        await session.execute(insert(Account), [
            dict(code=parties.benefit_account_code(pid), name=f"Benefits received by household {pid}",
                 kind=AccountKind.BENEFICIARY, currency="CNY", normal_side=Side.CREDIT, may_go_negative=False,
                 party_id=pid, county_code=county, trust_id=None, debits_posted=0, credits_posted=0,
                 debits_pending=0, credits_pending=0, created_at=now) for pid in chunk])
    return ids


async def _enrollments(session: Any, official: Actor, program_id: int, county: str, homes: list[int],
                       rnd: random.Random) -> None:
    now, start = utcnow(), date(2024, 1, 1)
    ids = await insert_ids(session, Enrollment, [
        dict(program_id=program_id, household_party_id=h, county_code=county, start_date=start, end_date=None,
             evidence="", created_by=official.user_id, created_at=now) for h in homes])
    lines = [dict(enrollment_id=e, program_id=program_id, kind=BasisKind.PARCEL, key=f"B{county}-{e}-{k}",
                  area_centimu=rnd.randrange(100, 3000), land_class=None, outline=None, quantity=None, evidence="",
                  valid_from=start, valid_until=None, change_request_id=None, created_at=now)
             for e in ids for k in range(1 + e % 2)]
    for chunk in chunks(lines, 5000):
        await session.execute(insert(BasisLine), list(chunk))


if __name__ == "__main__":
    print(asyncio.run(run(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 100_000)))
