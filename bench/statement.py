"""The household statement alone, on a ledger `shanshui bench` generated (docs/bench.md).

    python -m bench.statement cpu URL [N] [--profile]   # in-process: N statements, wall and CPU each
    python -m bench.statement wrk URL [SECONDS] [CONNECTIONS ...]   # a server, then wrk (default 1 and 32)

`cpu` makes what `GET /api/v1/statements/{id}` makes (statement, its proofs, the JSON) for N random
households, one after another, and prints the percentiles of wall and CPU time per statement and the
slowest households; `--profile` adds cProfile's top functions. `wrk` starts `shanshui serve` on the
database (the code it imports: run from another directory with PYTHONPATH set to compare checkouts),
gives the bench's auditor a token and runs the statement scenario once per number of connections.
"""

from __future__ import annotations

import asyncio
import cProfile
import json
import os
import pstats
import random
import sys
import time

from sqlalchemy import text

import service.app  # noqa: F401  (every model registered before the first session)
from service.db import Database
from service.parties.models import Party
from service.reports import formats
from service.reports import service as reports
from service.roots import proofs


async def _households(db: Database) -> list[int]:
    async with db.reading() as s:
        return [r[0] for r in await s.execute(text("select id from parties where kind = 'household' order by id"))]


async def cpu(url: str, n: int, profile: bool) -> None:
    db = Database(url)
    random.seed(1)
    picked = random.sample(await _households(db), n)
    timed, prof = [], cProfile.Profile()
    for party_id in picked:
        wall, cpu_ = time.perf_counter(), time.process_time()
        if profile:
            prof.enable()
        async with db.reading() as s:
            party = await s.get(Party, party_id)
            doc = await proofs.attach(s, await reports.statement(s, party, secret="bench"))
            formats.to_json(doc)
        if profile:
            prof.disable()
        timed.append((time.perf_counter() - wall, time.process_time() - cpu_, party_id, doc["entries"]))
    await db.dispose()
    walls, cpus = sorted(t[0] for t in timed), sorted(t[1] for t in timed)

    def q(xs: list[float], p: float) -> float:
        return xs[min(len(xs) - 1, int(p * len(xs)))] * 1000

    print(f"{n} statements, load {os.getloadavg()}: wall p50 {q(walls, .5):.1f} p95 {q(walls, .95):.1f} "
          f"p99 {q(walls, .99):.1f} max {walls[-1] * 1000:.1f} ms; CPU mean {sum(cpus) / n * 1000:.1f} "
          f"p50 {q(cpus, .5):.1f} p99 {q(cpus, .99):.1f} ms")
    for w, _, party_id, lines in sorted(timed, reverse=True)[:5]:
        print(f"  {w * 1000:.1f} ms: party {party_id}, {lines} lines")
    if profile:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(35)


async def _token(url: str) -> tuple[int, int, str]:
    from service.auth.tokens import create_user_token

    db = Database(url)
    try:
        async with db.reading() as s:
            first, count = (await s.execute(text(
                "select min(id), count(*) from parties where kind = 'household'"))).one()
        async with db.writing() as s:
            _, _, clear = await create_user_token(s, name="bench statement auditor", role="auditor", valid_days=1)
        return first, count, clear
    finally:
        await db.dispose()


def run_wrk(url: str, seconds: float, connections: list[int]) -> None:
    from bench import wrk
    from bench.server import running_server

    first, count, token = asyncio.run(_token(url))
    data = {"path": "/api/v1/statements/%d", "token": f"Bearer {token}", "first_party": first, "households": count}
    with running_server(url) as base:
        wrk.run(base, "statement", data, connections=4, duration=2)  # warm: caches, pools, the proof tree
        for c in connections:
            load = [round(x, 2) for x in os.getloadavg()]
            r = wrk.run(base, "statement", data, connections=c, threads=1 if c == 1 else 2, duration=seconds)
            print(json.dumps({"connections": c, "load_average_at_start": load, **{k: r.get(k) for k in (
                "requests", "errors", "per_second", "p50_ms", "p95_ms", "p99_ms", "max_ms")}}), flush=True)


def main(argv: list[str]) -> None:
    what, url, rest = argv[0], argv[1], argv[2:]
    if what == "cpu":
        numbers = [a for a in rest if not a.startswith("--")]
        asyncio.run(cpu(url, int(numbers[0]) if numbers else 300, "--profile" in rest))
    else:
        run_wrk(url, float(rest[0]) if rest else 10.0, [int(c) for c in rest[1:]] or [1, 32])


if __name__ == "__main__":
    main(sys.argv[1:])
