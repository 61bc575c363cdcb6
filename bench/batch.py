"""The year-end batch figure in-process: dry run, commit and approval of an N-row payment file, in rows/s.

The same service calls the HTTP routes make (`compensation.batches.check` + `report` for the dry run,
`check` + `commit` in one write transaction for the commit, `approve_batch` by a second official),
without HTTP and the load generator, so a profile (py-spy) shows the batch code and nothing else.
Sets up its own county straight through the tables (bench/cycles.py's households and accounts), a
funded per-mu program, and a CSV like the one a county clerk uploads. Point it at a scratch database.

    python bench/batch.py sqlite+aiosqlite:///batch.db 100000
    python bench/batch.py postgresql+asyncpg://postgres@127.0.0.1:5432/scratch 100000
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
import time
from datetime import date

from bench.cycles import _households
from service import models  # noqa: F401  (registers every table)
from service.auth.actor import Actor
from service.auth.models import User
from service.compensation import batches
from service.compensation import service as comp
from service.compensation.schemas import ProgramIn
from service.db import Base, Database, insert_ids, utcnow
from service.ledger import service as ledger
from service.ledger.models import AccountKind
from service.parties.models import Party, PartyKind

PERIOD = "2026"
RATE = 3450  # 34.50 CNY per mu per year


async def run(database_url: str, rows: int) -> dict:
    db = Database(database_url)
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        clerk, approver, program_id, sheet = await _setup(db, rows)
        timings: dict[str, tuple[float, float]] = {}
        clock = Clock()
        async with db.reading() as session:
            checked = await batches.check(session, clerk, program_id, PERIOD, "year-end.csv", sheet)
            rep = batches.report(checked, dry_run=True, with_lines=False)
        timings["dry_run"] = clock.lap()
        assert rep.ok, rep.issues[:3]
        async with db.writing() as session:
            checked = await batches.check(session, clerk, program_id, PERIOD, "year-end.csv", sheet)
            rep = await batches.commit(session, clerk, checked, None)
        timings["commit"] = clock.lap()
        async with db.writing() as session:
            await batches.approve_batch(session, approver, rep.batch_id)  # type: ignore[arg-type]
        timings["approve"] = clock.lap()
        return {"database": "sqlite" if db.is_sqlite else "postgresql", "rows": rows, "total": rep.total,
                "load_average": [round(x, 1) for x in os.getloadavg()],
                **{f"{k}_rows_per_second": round(rows / wall) for k, (wall, _) in timings.items()},
                **{f"{k}_seconds": round(wall, 2) for k, (wall, _) in timings.items()},
                # this process's CPU (on SQLite the database's work too): what a quiet machine would see
                **{f"{k}_cpu_seconds": round(cpu, 2) for k, (_, cpu) in timings.items()}}
    finally:
        await db.dispose()


class Clock:
    """Wall time and this process's CPU time since the last lap. The machine may be shared: under load
    the wall time stretches, the CPU time much less."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def lap(self) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        out = (wall - self.wall, cpu - self.cpu)
        self.wall, self.cpu = wall, cpu
        return out


async def _setup(db: Database, n: int) -> tuple[Actor, Actor, int, bytes]:
    county = f"8{random.Random().randrange(10**5):05d}"  # a fresh county each run: the file is new
    async with db.writing() as session:
        roles = ("admin", "official", "official")
        user_ids = await insert_ids(session, User, [
            dict(name=f"bench {role} {i} {county}", role=role, county_code=None if role == "admin" else county,
                 created_at=utcnow()) for i, role in enumerate(roles)])
        admin, clerk, approver = (Actor(user_id=u, name="bench", role=r, county_code=None if r == "admin" else county,
                                        request_id="bench") for u, r in zip(user_ids, roles, strict=True))
        village = Party(kind=PartyKind.COMMUNITY, name=f"Bench village {county}", division_code=f"{county}100200",
                        county_code=county)
        session.add(village)
        await session.flush()
        await _households(session, county, village.id, n)
        program = await comp.create_program(session, clerk, ProgramIn(
            name=f"Bench year-end {county}", legal_basis="bench", county_code=county, period_start=date(2024, 1, 1),
            period_end=date(2030, 12, 31), rule_kind="per_area_year", rate="34.50"))
        source = await ledger.open_account(session, code=f"bench:{county}:batch-source", name="Bench budget",
                                           kind=AccountKind.SOURCE)
        await ledger.record_entry(session, kind="funding", actor=admin, pending=False, memo="bench funding",
                                  legs=ledger.transfer(source.id, program.fund_account_id, 10**12))
        program_id = program.id
    rnd = random.Random(13)
    lines = ["village,household_head,id_tail,area_mu,amount,bank_account_tail"]
    for i in range(n):
        mu = rnd.randint(100, 3000)
        amount = (RATE * mu + 50) // 100
        lines.append(f"Bench village {county},户{i},{i % 10000:04d},{mu // 100}.{mu % 100:02d},"
                     f"{amount // 100}.{amount % 100:02d},{(i * 7) % 10000:04d}")
    return clerk, approver, program_id, ("\n".join(lines) + "\n").encode()


if __name__ == "__main__":
    print(asyncio.run(run(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 100_000)))
