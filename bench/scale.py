"""Reports and verification at province scale: generate the bench's synthetic ledger (the same
generator as `shanshui bench`), then time each figure in a fresh process with its peak memory.

    python bench/scale.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/scratch \\
        --households 100000 --postings 1000000 --wipe [--skip-load] [--figures transparency] [--no-append]

Figures (before = the old code paths, kept switchable for this comparison):
  transparency (after: postings summed at the report's grain, reports/grain.py / before: every
  posting into Polars, dimensions decoded from metadata JSON), audit, verify --full (after: Arrow
  batches hashing the stored canonical metadata text / reencode: Arrow batches re-encoding every
  entry's metadata / before: row by row), and incremental verify after 10,000 new entries.
The generator stores metadata in the canonical form the engines write (service/db.py).
Writes a JSON of the figures to stdout. Run it niced: it uses a whole core for minutes. The load and
the checkpoint run in child processes too: a measured child's peak RSS would otherwise include the
parent's resident memory at the fork. `--figures transparency_full` times the report read from the
whole journal even where a checkpoint's rollup exists.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _child(url: str, what: str) -> dict:
    """In a fresh process: run one figure, return seconds and peak RSS."""
    from bench.machine import peak_rss_bytes
    from service.db import Database
    from service.ledger import fastchain, verify
    from service.reports import journal
    from service.reports import service as reports
    from service.arrow import close_reader
    from service.settings import get_settings

    async def run() -> dict:
        db = Database(url)
        try:
            async with db.reading() as s:
                if what.startswith("transparency"):
                    journal.FROM_METADATA = what.endswith("before")
                    reports.USE_ROLLUP = not what.endswith("_full")  # _full: the whole journal read, no rollup
                    doc = await reports.transparency(s, k=get_settings().k_anonymity)
                    return {"cells": len(doc["cells"]), "sequence": doc["as_of"]["sequence"]}
                if what.startswith("audit"):
                    journal.FROM_METADATA = what.endswith("before")
                    doc = await reports.audit(s)
                    return {"accounts": len(doc["trial_balance"]["accounts"]), "chain_ok": doc["chain"]["ok"],
                            "from_checkpoint": doc["chain"].get("from_checkpoint")}
                if what.startswith("verify_full"):
                    verify.FAST_FROM = 10**12 if what.endswith("before") else 0
                    fastchain.STORED_TEXT = not what.endswith("reencode")  # every entry's metadata re-encoded
                    r = await verify.verify_ledger(s, full=True)
                    return {"ok": r.ok, "entries": r.checked}
                r = await verify.verify_ledger(s)
                return {"ok": r.ok, "entries": r.checked - r.from_checkpoint, "from_checkpoint": r.from_checkpoint}
        finally:
            await db.dispose()

    started = time.perf_counter()
    facts = asyncio.run(run())
    seconds = round(time.perf_counter() - started, 3)
    close_reader()
    return {"seconds": seconds, "peak_rss_mib": peak_rss_bytes() // 2**20, **facts}


def measure(url: str, what: str) -> dict:
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(_child, url, what).result()


def _in_child(fn, *args, **kw):
    """Run `fn` in a fresh process: a child's peak RSS counts the parent's resident memory at the fork
    (Linux keeps the larger high-water mark across exec), so the parent must stay small."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(fn, *args, **kw).result()


def _checkpoint_then_append(url: str, layout, n: int, checkpoint: bool = True) -> dict:
    from service.arrow import close_reader

    try:
        return asyncio.run(checkpoint_then_append(url, layout, n, checkpoint=checkpoint))
    finally:
        close_reader()  # the SQLite reader process: else this child waits for it at exit


async def load(url: str, households: int, postings: int, wipe: bool) -> dict:
    from bench import load as loader
    from bench import synth
    from service.db import Database
    from service.ledger import dimensions

    db = Database(url)
    try:
        await loader.prepare_schema(db, wipe)
    finally:
        await db.dispose()
    started = time.perf_counter()
    layout, figures = await loader.generate(url, synth.Sizes.plan(households, postings))
    loaded = time.perf_counter() - started
    db = Database(url)
    try:
        started = time.perf_counter()
        async with db.engine.begin() as conn:  # the bulk loader bypasses the column defaults
            await conn.run_sync(dimensions.backfill)
        backfilled = time.perf_counter() - started
    finally:
        await db.dispose()
    return {"entries": figures.entries, "postings": figures.postings, "load_seconds": round(loaded, 1),
            "dimension_backfill_seconds": round(backfilled, 1), "layout": layout}


async def create_missing_tables(url: str) -> None:
    from service.db import Base, Database

    db = Database(url)
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
    finally:
        await db.dispose()


def _load(url: str, households: int, postings: int, wipe: bool) -> dict:
    from service.arrow import close_reader

    try:
        return asyncio.run(load(url, households, postings, wipe))
    finally:
        close_reader()


async def checkpoint_then_append(url: str, layout, n: int, *, checkpoint: bool = True) -> dict:
    """A full pass that records a checkpoint, then `n` new entries through the ledger's own write path."""
    from service.auth.actor import Actor
    from service.db import Database
    from service.ledger import service as ledger
    from service.ledger.verify import verify_and_checkpoint

    db = Database(url)
    try:
        from service.ledger import rollup
        from service.reports import audit_kept, tables  # noqa: F401  (registers the report's and the audit's tables with the checkpoints)

        spent = {"rollup_prepare": 0.0, "rollup_store": 0.0, "tables_prepare": 0.0}

        def timed(name: str, fn):  # the rollup's share of recording a checkpoint
            async def run(*args, **kw):
                t0 = time.perf_counter()
                try:
                    return await fn(*args, **kw)
                finally:
                    spent[name] += time.perf_counter() - t0
            return run

        prepare, store, keepers = rollup.prepare, rollup.store, list(rollup.TABLE_KEEPERS)
        rollup.prepare, rollup.store = timed("rollup_prepare", prepare), timed("rollup_store", store)
        rollup.TABLE_KEEPERS[:] = [timed("tables_prepare", keep) for keep in keepers]  # part of rollup_prepare
        started = time.perf_counter()
        try:
            ok = (await verify_and_checkpoint(db, full=True)).ok if checkpoint else None
        finally:
            rollup.prepare, rollup.store = prepare, store
            rollup.TABLE_KEEPERS[:] = keepers
        seconds = time.perf_counter() - started
        who = Actor(user_id=1, name="bench", role="admin")
        fund, first = layout.funds[0][0], layout.household_first_account
        for start in range(0, n, 1000):
            specs = [ledger.EntrySpec(kind="payment", legs=ledger.transfer(fund, first + (start + i) % 1000, 100),
                                      effective_date=date(2026, 6, 1),
                                      metadata={"county_code": layout.county_codes[0], "period": "2026"})
                     for i in range(min(1000, n - start))]
            async with db.writing() as s:
                await ledger.record_entries(s, specs, actor=who)
    finally:
        await db.dispose()
    return {"ok": ok, "seconds_including_checkpoint": round(seconds, 3), **{k: round(v, 3) for k, v in spent.items()}}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--households", type=int, default=100_000)
    ap.add_argument("--postings", type=int, default=1_000_000)
    ap.add_argument("--wipe", action="store_true")
    ap.add_argument("--skip-load", action="store_true", help="the database already holds this generator's ledger")
    ap.add_argument("--before", action="store_true", help="also time the old code paths")
    ap.add_argument("--figures", help="comma-separated figures to time before the checkpoint "
                    "(default: transparency,audit,verify_full)")
    ap.add_argument("--after-figures", default="transparency,verify_incremental,audit",
                    help="figures timed after the 10,000 new entries")
    ap.add_argument("--no-append", action="store_true",
                    help="stop after those figures (no checkpoint, no 10,000 new entries)")
    args = ap.parse_args()
    url = args.database_url
    out: dict = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "database": url.split(":")[0]}
    from bench.machine import cpu_model, memory_bytes
    from bench import synth

    out["machine"] = {"cpu": cpu_model(), "cores": multiprocessing.cpu_count(), "memory_gib": (memory_bytes() or 0) // 2**30}
    if args.skip_load:
        asyncio.run(create_missing_tables(url))  # tables this code has that the loaded schema lacks
        layout = synth.parties_and_accounts(synth.Sizes.plan(args.households, args.postings))[0]
    else:
        loaded = _in_child(_load, url, args.households, args.postings, args.wipe)
        layout = loaded.pop("layout")
        out["data"] = loaded
    figures = args.figures.split(",") if args.figures else ["transparency", "audit", "verify_full"]
    if args.before:
        figures += ["transparency_before", "verify_full_reencode", "verify_full_before"]
    for what in figures:
        out[what] = measure(url, what)
        print(what, out[what], file=sys.stderr)
    if args.no_append:
        print(json.dumps(out, indent=2))
        return
    # A full pass records a checkpoint (and, with it, the transparency rollup up to it); the report at
    # that head reads the rollup alone; after 10,000 new entries, the rollup and those entries.
    out["full_verify_with_checkpoint"] = _in_child(_checkpoint_then_append, url, layout, 0)
    out["transparency_at_checkpoint"] = measure(url, "transparency")
    print("transparency_at_checkpoint", out["transparency_at_checkpoint"], file=sys.stderr)
    _in_child(_checkpoint_then_append, url, layout, 10_000, False)
    for what in args.after_figures.split(","):
        key = "audit_after_checkpoint" if what == "audit" else f"{what}_after_10k"
        out[key] = measure(url, what)
        print(key, out[key], file=sys.stderr)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
