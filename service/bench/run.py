"""The benchmark run: generate, verify, roll up, serve, load, compare with the raw driver."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from service.auth.tokens import create_user_token
from service.bench import load, raw, rollup, scenarios, synth
from service.bench.http import run_load
from service.bench.machine import describe
from service.bench.server import running_server
from service.bench.stats import ratio
from service.db import Database
from service.ledger.verify import verify_ledger

GiB = 1024**3


@dataclass
class Options:
    database_url: str
    households: int
    postings: int
    duration: float
    clients: int = 32
    verify: bool = True
    wipe: bool = False
    quick: bool = False
    targets: scenarios.Targets = field(default_factory=scenarios.Targets)


Say = Callable[[str], None]
Progress = load.Progress


async def _tokens(url: str) -> dict[str, dict[str, str]]:
    db = Database(url)
    try:
        async with db.writing() as session:
            out = {}
            for role in ("admin", "auditor"):
                _, _, clear = await create_user_token(session, name=f"bench {role}", role=role, valid_days=1)
                out[role] = {"Authorization": f"Bearer {clear}"}
            return out
    finally:
        await db.dispose()


async def _verify(url: str) -> dict:
    db = Database(url)
    try:
        started = time.perf_counter()
        async with db.reading() as session:
            report = await verify_ledger(session)
        return {"ok": report.ok, "entries": report.checked, "seconds": round(time.perf_counter() - started, 2),
                "first_break": asdict(report.first_break) if report.first_break else None,
                "account_mismatches": len(report.account_mismatches)}
    finally:
        await db.dispose()


async def _serve_and_load(opts: Options, layout: synth.Layout, tokens: dict, workers: int, say: Say,
                          full: bool) -> dict:
    t, out = opts.targets, {}
    with running_server(opts.database_url, workers=workers) as base:
        if full:
            for path in t.statement:
                say(f"statement reads {path} ({opts.duration:.0f}s)")
                r = await run_load(base, tokens["auditor"], scenarios.statement_requests(path, layout),
                                   clients=opts.clients, duration=opts.duration, expect=200)
                out.setdefault("statement", {})[path] = r.summary()
        say(f"single payments, spread over {len(scenarios.spread_funds(layout))} funds, {workers} worker(s)")
        r = await run_load(base, tokens["admin"],
                           scenarios.write_requests(t.single_payment, layout, scenarios.spread_funds(layout)),
                           clients=opts.clients, duration=opts.duration, expect=t.single_payment.expect)
        out["single_payment"] = {"path": t.single_payment.path, **r.summary()}
        if full:
            say("single payments, all on 10 hot fund accounts")
            r = await run_load(base, tokens["admin"],
                               scenarios.write_requests(t.single_payment, layout, scenarios.hot_funds(layout), seed=6),
                               clients=opts.clients, duration=opts.duration, expect=t.single_payment.expect)
            out["hot_accounts"] = {"path": t.single_payment.path, **r.summary()}
            out["batch"] = await _batch(base, tokens, layout, t.batch, 2_000 if opts.quick else 100_000, say)
    return out


async def _batch(base: str, tokens: dict, layout: synth.Layout, target: scenarios.BatchTarget | None, rows: int,
                 say: Say) -> dict:
    if target is None:
        return {"status": "skipped", "reason": "no batch endpoint configured yet (Targets.batch)", "rows": rows}
    import httpx

    sheet = scenarios.payment_sheet(layout, rows)
    out: dict = {"status": "ok", "rows": rows, "path": target.path}
    async with httpx.AsyncClient(base_url=base, headers=tokens["admin"], timeout=600) as http:
        for label, dry in (("dry_run", True), ("commit", False)):
            say(f"batch import of {rows:,} rows ({label})")
            started = time.perf_counter()
            r = await http.post(target.path, params={target.dry_run_param: str(dry).lower()},
                                files={"file": ("payments.csv", sheet, "text/csv")})
            seconds = time.perf_counter() - started
            out[label] = {"status_code": r.status_code, "seconds": round(seconds, 3),
                          "rows_per_second": round(rows / seconds, 1) if r.status_code < 300 else None}
    return out


def _raw(opts: Options, layout: synth.Layout) -> dict:
    if opts.database_url.startswith("postgresql"):
        r = asyncio.run(raw.pg_writes(opts.database_url, layout, clients=min(opts.clients, 16),
                                      duration=opts.duration))
    else:
        r = raw.sqlite_writes(opts.database_url, layout, duration=opts.duration)
    return r.summary()


async def run(opts: Options, say: Say, progress: Progress | None = None) -> dict:
    url, is_pg = opts.database_url, opts.database_url.startswith("postgresql")
    started = time.perf_counter()
    result: dict = {"started_at": datetime.now(UTC).isoformat(timespec="seconds"), "quick": opts.quick,
                    **await describe(url)}
    db = Database(url)
    try:
        await load.prepare_schema(db, opts.wipe)
    finally:
        await db.dispose()
    sizes = synth.Sizes.plan(opts.households, opts.postings)
    say(f"generating {sizes.households:,} households and {sizes.postings:,} postings")
    layout, figures = await load.generate(url, sizes, progress)
    result["sizes"] = {**asdict(sizes), "entries": figures.entries, "accounts": figures.accounts,
                       "parties": figures.parties, "postings_loaded": figures.postings}
    result["bulk_load"] = {"method": "COPY" if is_pg else "executemany", "seconds": round(figures.seconds, 2),
                           "postings_per_second": round(figures.postings_per_second, 1),
                           "entries_per_second": round(figures.entries / figures.seconds, 1)}
    tokens = await _tokens(url)
    if opts.verify:
        say("verifying the generated ledger")
        result["verify_after_load"] = await _verify(url)
    say("rollups: Polars vs SQL")
    result["rollups"] = await asyncio.to_thread(rollup.compare, url)
    result["http"] = {"clients": opts.clients, "duration": opts.duration,
                      "workers_1": await _serve_and_load(opts, layout, tokens, 1, say, full=True)}
    if is_pg:
        result["http"]["workers_2"] = await _serve_and_load(opts, layout, tokens, 2, say, full=False)
    say("raw driver baseline (same rows, same durability)")
    result["raw_driver"] = await asyncio.to_thread(_raw, opts, layout)
    service = result["http"]["workers_1"]["single_payment"]["per_second"]
    result["service_over_raw"] = ratio(service, result["raw_driver"]["per_second"])
    if opts.verify:
        say("verifying the ledger after every write")
        result["verify_after_writes"] = await _verify(url)
    result["quality_bars"] = quality_bars(result)
    result["total_seconds"] = round(time.perf_counter() - started, 1)
    return result


def _bar(figure: str, target: str, measured, met: bool | None, note: str = "") -> dict:
    return {"figure": figure, "target": target, "measured": measured, "met": met, "note": note}


def quality_bars(r: dict) -> list[dict]:
    """DESIGN.md's quality bars against this run's figures (None: not measured in this run)."""
    is_pg = r["database"]["kind"] == "postgresql"
    w1 = r["http"]["workers_1"]
    single = w1["single_payment"]
    bars = []
    if is_pg:
        best = max(single["per_second"], r["http"].get("workers_2", {}).get("single_payment", {}).get("per_second", 0))
        bars.append(_bar("single payment POST, PostgreSQL", ">= 1000/s", best, best >= 1000, "best of 1 and 2 workers"))
    else:
        p99 = single["p99_ms"]
        bars.append(_bar("single payment POST, SQLite", ">= 1500/s, p99 <= 50 ms", f"{single['per_second']}/s, p99 {p99} ms",
                         single["per_second"] >= 1500 and p99 is not None and p99 <= 50))
    hot = w1["hot_accounts"]["per_second"]
    share = ratio(hot, single["per_second"])
    invariants = r.get("verify_after_writes", {}).get("ok")
    bars.append(_bar("10 hot fund accounts vs spread", ">= 70%, no invariant broken",
                     f"{share:.0%}" if share else None,
                     bool(share and share >= 0.7) and invariants is not False,
                     "verified after writes" if invariants else "not verified (--no-verify)"))
    batch = w1["batch"]
    if batch["status"] == "ok":
        rps = batch["commit"]["rows_per_second"]
        bars.append(_bar("batch import, validated and posted", ">= 50,000 rows/s", rps, bool(rps and rps >= 50_000)))
    else:
        bars.append(_bar("batch import, validated and posted", ">= 50,000 rows/s", None, None, batch["reason"]))
    if is_pg:
        pps = r["bulk_load"]["postings_per_second"]
        bars.append(_bar("COPY path", ">= 150,000 postings/s", pps, pps >= 150_000, "synthetic ledger load, chain hashed"))
    t = r["rollups"]["transparency"]
    best = min(t["polars"]["seconds"], t["sql"]["seconds"])
    rss = t["polars"]["peak_rss_bytes"]
    n = r["sizes"]["postings_loaded"]
    bars.append(_bar("transparency rollup over 10M postings", "<= 3 s, <= 2 GiB",
                     f"{best} s (Polars {t['polars']['seconds']} s, {rss / GiB:.2f} GiB) at {n:,} postings",
                     (best <= 3 and rss <= 2 * GiB) if n >= 10_000_000 else None,
                     "" if n >= 10_000_000 else "judged only at 10M postings"))
    p99s = [s["p99_ms"] for s in w1.get("statement", {}).values() if s["p99_ms"] is not None]
    worst = max(p99s) if p99s else None
    h = r["sizes"]["households"]
    bars.append(_bar("household statement with 1M households", "p99 <= 25 ms", f"{worst} ms at {h:,} households",
                     (worst is not None and worst <= 25) if h >= 1_000_000 else None,
                     "" if h >= 1_000_000 else "judged only at 1M households"))
    bars.append(_bar("service / raw driver", "report; aim >= 0.5", r["service_over_raw"],
                     bool(r["service_over_raw"] and r["service_over_raw"] >= 0.5)))
    return bars
