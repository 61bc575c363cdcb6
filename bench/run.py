"""The benchmark run: generate, verify, roll up; then, in one run, the generator's ceiling, the
hello-world reference, the service under wrk, the raw driver and (PostgreSQL) an SQL-only ledger;
every ratio between them."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from bench import cycles, load, machine, raw, rollup, scenarios, sqlonly, synth, wrk
from bench.machine import describe
from bench.server import running_reference, running_server
from bench.stats import ratio
from service.auth.tokens import create_user_token
from service.compensation.models import Payment, PaymentStatus
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
    batch_rows: int = 100_000
    cycle_enrollments: int = 100_000  # a payment cycle's dry run and commit (bench/cycles.py)
    counties: int | None = None
    sql_connections: int = 20  # the SQL-only ledger's clients (pgledger's published figure used 20)


Say = Callable[[str], None]
Progress = load.Progress


@dataclass
class Tokens:
    """Authorization headers: the bench's admin and auditor, and an official and an approver per county."""

    admin: dict[str, str]
    auditor: dict[str, str]
    officials: list[dict[str, str]]
    approvers: list[dict[str, str]]


async def _tokens(url: str, layout: synth.Layout) -> Tokens:
    db = Database(url)

    async def one(session, role: str, county: str | None = None) -> dict[str, str]:
        _, _, clear = await create_user_token(session, name=f"bench {role} {county or ''}".strip(), role=role,
                                              county_code=county, valid_days=1)
        return {"Authorization": f"Bearer {clear}"}

    try:
        async with db.writing() as session:
            return Tokens(await one(session, "admin"), await one(session, "auditor"),
                          [await one(session, "official", c) for c in layout.county_codes],
                          [await one(session, "approver", c) for c in layout.county_codes])
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


async def _pending(url: str, layout: synth.Layout) -> list[tuple[int, int]]:
    """Single payments still pending: (payment id, county index), for the approval load."""
    db = Database(url)
    county = {code: i for i, code in enumerate(layout.county_codes)}
    try:
        async with db.reading() as session:
            rows = await session.execute(select(Payment.id, Payment.county_code).where(
                Payment.status == PaymentStatus.PENDING, Payment.batch_id.is_(None)).order_by(Payment.id))
            return [(pid, county[code]) for pid, code in rows]
    finally:
        await db.dispose()


def _load(base: str, scenario: str, data: dict, opts: Options, expect: int, **kw) -> dict:
    kw.setdefault("connections", opts.clients)
    # other work on a shared machine skews a figure: each says how busy the machine was as it began
    load_average = [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None
    before = machine.cpu_ticks()
    figures = wrk.run(base, scenario, data, duration=opts.duration, expect=expect, **kw)
    # all cores together: near 1 the load was CPU-bound (server, database and wrk share the machine)
    return {**figures, "load_average_at_start": load_average,
            "machine_cpu_busy": machine.busy_share(before, machine.cpu_ticks())}


async def _references(opts: Options, tokens: Tokens, layout: synth.Layout, say: Say) -> dict:
    """What the same generator reaches without the service: canned bytes, then hello-world."""
    out: dict = {}
    with running_reference("ceiling") as base:
        say(f"load generator's ceiling: wrk against canned responses ({opts.duration:.0f}s)")
        out["ceiling"] = {"path": "/", **await asyncio.to_thread(_load, base, "ceiling", {"path": "/"}, opts, 200)}
    out["hello_world"] = await _hello(opts, tokens, layout, say)
    return out


async def _hello(opts: Options, tokens: Tokens, layout: synth.Layout, say: Say) -> dict:
    with running_reference("hello") as base:
        say(f"hello-world: Litestar validates and echoes an entry body ({opts.duration:.0f}s)")
        data = scenarios.entry_data(layout, tokens.admin, path="/entries")
        return {"path": "/entries", **await asyncio.to_thread(_load, base, "entry", data, opts, 201)}


async def _serve_and_load(opts: Options, layout: synth.Layout, tokens: Tokens, workers: int, say: Say,
                          full: bool) -> dict:
    out: dict = {}

    async def load_(name: str, scenario: str, data: dict, expect: int, text: str, **kw) -> dict:
        say(f"{text}, {workers} worker(s) ({opts.duration:.0f}s)")
        out[name] = {"path": data["path"].replace("%d", "{id}"),
                     **await asyncio.to_thread(_load, base, scenario, data, opts, expect, **kw)}
        return out[name]

    with running_server(opts.database_url, workers=workers) as base:
        # A short, discarded load first: each worker's first requests fill SQLAlchemy's statement
        # caches and connection pools, which a 4 s measurement would otherwise partly time.
        warm = Options(**{**asdict(opts), "duration": 1.0})
        await asyncio.to_thread(_load, base, "entry", scenarios.entry_data(layout, tokens.admin), warm, 201)
        if full:
            # Latency of one statement, not of a queue of 32: one connection asking again and again, on
            # a server that has finished the load before (wrk stops with up to 32 requests still being
            # served; after the 32-connection statements their backlog was the one-connection p99).
            await asyncio.sleep(1)
            await load_("statement_one_client", "statement", scenarios.statement_data(layout, tokens.auditor), 200,
                        "household statements, one connection", connections=1, threads=1)
            await load_("statement", "statement", scenarios.statement_data(layout, tokens.auditor), 200,
                        f"household statements GET {scenarios.STATEMENT}")
        entries = scenarios.entry_data(layout, tokens.admin)
        r = await load_("ledger_entry", "entry", entries, 201,
                        f"POST {scenarios.ENTRIES}: budget -> program fund, {len(entries['pairs'])} funds")
        r["funds"] = len(entries["pairs"])
        plan = scenarios.spread_plan(layout, year=2025 if workers == 1 else 2026)
        r = await load_("single_payment", "payment", scenarios.payment_data(plan, tokens.officials), 201,
                        f"single payments entered by officials, {scenarios.hot_fund_count(layout, all_counties=True)} "
                        "program funds")
        r["funds"] = scenarios.hot_fund_count(layout, all_counties=True)
        if full:
            hot = scenarios.entry_data(layout, tokens.admin, counties=scenarios.HOT_COUNTIES)
            r = await load_("ledger_entry_hot", "entry", hot, 201, f"entries, all on {len(hot['pairs'])} hot funds")
            r["funds"] = len(hot["pairs"])
            n = scenarios.hot_fund_count(layout)
            r = await load_("hot_accounts", "payment", scenarios.payment_data(scenarios.hot_plan(layout),
                                                                                tokens.officials), 201,
                            f"single payments, all on {n} hot program funds")
            r["funds"] = n
            pending = await _pending(opts.database_url, layout)
            if pending:
                r = await load_("approve", "approve", scenarios.approve_data(pending, tokens.approvers), 200,
                                f"approvals by approvers ({len(pending):,} pending payments)")
            else:  # no payment was entered: nothing to approve, and nothing to measure
                r = out["approve"] = {"path": scenarios.APPROVE, "requests": 0, "errors": 0, "per_second": 0.0,
                                      "p50_ms": None, "p95_ms": None, "p99_ms": None, "statuses": {}}
            r["pending"] = len(pending)
            out["batch"] = await _batch(base, tokens, layout, opts.batch_rows, say)
    return out


async def _batch(base: str, tokens: Tokens, layout: synth.Layout, rows: int, say: Say) -> dict:
    """The county clerk's spreadsheet for program 1 of county 0: dry run, then commit, then approval."""
    import httpx

    rows = scenarios.batch_rows(layout, rows)
    sheet = scenarios.payment_sheet(layout, rows)
    form = {"program_id": str(layout.program_id(0, 0)), "period": scenarios.BATCH_PERIOD}
    out: dict = {"status": "ok", "rows": rows, "path": scenarios.BATCHES, "file_bytes": len(sheet)}
    async with httpx.AsyncClient(base_url=base, timeout=1800) as http:
        for label, dry in (("dry_run", True), ("commit", False)):
            say(f"batch import of {rows:,} rows ({label})")
            started = time.perf_counter()
            r = await http.post(scenarios.BATCHES, params={"dry_run": str(dry).lower(), "lines": "false"},
                                data=form, files={"file": ("payments.csv", sheet, "text/csv")},
                                headers={**tokens.officials[0], "Idempotency-Key": uuid.uuid4().hex})
            seconds = time.perf_counter() - started
            ok = r.status_code in (200, 201)
            body = r.json() if ok else None
            out[label] = {"status_code": r.status_code, "seconds": round(seconds, 3),
                          "rows_per_second": round(rows / seconds, 1) if ok else None,
                          "valid_rows": body["valid_rows"] if body else None,
                          "error": None if ok else r.text[:500]}
            if not ok or not body["ok"]:
                out["status"] = "failed"
                return out
            batch_id = body.get("batch_id")
        say(f"batch approval of {rows:,} payments")
        started = time.perf_counter()
        r = await http.post(f"{scenarios.BATCHES}/{batch_id}/approve",
                            headers={**tokens.approvers[0], "Idempotency-Key": uuid.uuid4().hex})
        seconds = time.perf_counter() - started
        out["approve"] = {"status_code": r.status_code, "seconds": round(seconds, 3),
                          "rows_per_second": round(rows / seconds, 1) if r.status_code == 200 else None}
    return out


def _raw(opts: Options, layout: synth.Layout) -> dict:
    if opts.database_url.startswith("postgresql"):
        r = asyncio.run(raw.pg_writes(opts.database_url, layout, clients=min(opts.clients, 16),
                                      duration=opts.duration))
        driver = f"asyncpg, {min(opts.clients, 16)} connections"
    else:
        r = raw.sqlite_writes(opts.database_url, layout, duration=opts.duration)
        driver = "sqlite3, one writer, WAL, synchronous=FULL"
    return {"driver": driver, **r.summary()}


def _rate(r: dict, *path: str) -> float | None:
    for key in path:
        r = r.get(key) if isinstance(r, dict) else None
    return r.get("per_second") if isinstance(r, dict) else None


def ratios(r: dict) -> dict:
    """Every ratio of the run, each figure over its reference measured in the same run."""
    w1, w2 = r["http"]["workers_1"], r["http"].get("workers_2", {})
    hellos = [x for x in (_rate(r, "references", "hello_world"), _rate(r, "references", "hello_world_after")) if x]
    hello, raw_ = (round(sum(hellos) / len(hellos), 1) if hellos else None), _rate(r, "raw_driver")
    sql = _rate(r, "sql_only") if r.get("sql_only", {}).get("status") == "ok" else None
    writes = {"ledger_entry": _rate(w1, "ledger_entry"), "payment": _rate(w1, "single_payment"),
              "approve": _rate(w1, "approve")}
    out = {
        "hello_world_per_second_mean": hello,
        "hello_world_over_ceiling": ratio(hello, _rate(r, "references", "ceiling")),
        "service_over_hello_world": {k: ratio(v, hello) for k, v in writes.items()},
        "service_over_raw_driver": {k: ratio(v, raw_) for k, v in writes.items()},
        "hot_over_spread": {"ledger_entry": ratio(_rate(w1, "ledger_entry_hot"), writes["ledger_entry"]),
                            "payment": ratio(_rate(w1, "hot_accounts"), writes["payment"])},
        "raw_driver_over_hello_world": ratio(raw_, hello),
    }
    if r["database"]["kind"] == "postgresql":
        out["service_over_sql_only"] = {k: ratio(v, sql) for k, v in writes.items()}
        out["workers_2_over_1"] = {"ledger_entry": ratio(_rate(w2, "ledger_entry"), writes["ledger_entry"]),
                                   "payment": ratio(_rate(w2, "single_payment"), writes["payment"])}
    return out


async def run(opts: Options, say: Say, progress: Progress | None = None) -> dict:
    url, is_pg = opts.database_url, opts.database_url.startswith("postgresql")
    wrk.wrk_path()  # before minutes of generating: the HTTP figures need wrk
    started = time.perf_counter()
    result: dict = {"started_at": datetime.now(UTC).isoformat(timespec="seconds"), "quick": opts.quick,
                    **await describe(url)}
    db = Database(url)
    try:
        await load.prepare_schema(db, opts.wipe)
    finally:
        await db.dispose()
    sizes = synth.Sizes.plan(opts.households, opts.postings, opts.counties)
    say(f"generating {sizes.households:,} households in {sizes.counties} counties and {sizes.postings:,} postings")
    layout, figures = await load.generate(url, sizes, progress)
    result["sizes"] = {**asdict(sizes), "entries": figures.entries, "accounts": figures.accounts,
                       "parties": figures.parties, "postings_loaded": figures.postings}
    result["bulk_load"] = {"method": "COPY" if is_pg else "executemany", "seconds": round(figures.seconds, 2),
                           "postings_per_second": round(figures.postings_per_second, 1),
                           "entries_per_second": round(figures.entries / figures.seconds, 1)}
    tokens = await _tokens(url, layout)
    if opts.verify and opts.quick:  # the generator is the same at any size; at 10M this costs minutes
        say("verifying the generated ledger")
        result["verify_after_load"] = await _verify(url)
    say("rollups: Polars vs SQL")
    result["rollups"] = await asyncio.to_thread(rollup.compare, url)
    result["references"] = await _references(opts, tokens, layout, say)
    result["http"] = {"generator": "wrk", "clients": opts.clients, "duration": opts.duration,
                      "workers_1": await _serve_and_load(opts, layout, tokens, 1, say, full=True)}
    if is_pg:
        result["http"]["workers_2"] = await _serve_and_load(opts, layout, tokens, 2, say, full=False)
    # hello-world again after the service's loads: on a shared machine the load moves during a run,
    # so the service is compared with the mean of the two (both are in the JSON)
    result["references"]["hello_world_after"] = await _hello(opts, tokens, layout, say)
    say("raw driver baseline (same rows, same durability)")
    result["raw_driver"] = await asyncio.to_thread(_raw, opts, layout)
    if is_pg:
        say(f"SQL-only ledger, {opts.sql_connections} connections")
        result["sql_only"] = await sqlonly.pg_transfers(url, layout, connections=opts.sql_connections,
                                                        duration=opts.duration)
    say(f"payment cycle of {opts.cycle_enrollments:,} enrollments: dry run and commit")
    result["cycle"] = await cycles.run(url, opts.cycle_enrollments)
    service = result["http"]["workers_1"]["single_payment"]["per_second"]
    result["service_over_raw"] = ratio(service, result["raw_driver"]["per_second"])
    result["ratios"] = ratios(result)
    if opts.verify:
        say("verifying the ledger after every write")
        result["verify_after_writes"] = await _verify(url)
    result["quality_bars"] = quality_bars(result)
    result["total_seconds"] = round(time.perf_counter() - started, 1)
    return result


def _bar(figure: str, target: str, measured, met: bool | None, note: str = "") -> dict:
    return {"figure": figure, "target": target, "measured": measured, "met": met, "note": note}


def _ratio_bar(bars: list, figure: str, target: float, values: dict[str, float | None], note: str = "") -> None:
    for name, value in values.items():
        bars.append(_bar(f"{figure}: {name.replace('_', ' ')}", f">= {target}", value,
                         None if value is None else value >= target, note))


def _headroom(w2: dict) -> str:
    """What limited the 2-worker loads: the machine's CPU (server, database and wrk on the same cores)?"""
    busy = [s.get("machine_cpu_busy") for s in w2.values() if isinstance(s, dict)]
    busy = [b for b in busy if b is not None]
    if not busy:
        return "needs database headroom"
    low = min(busy)
    return (f"machine CPU {low:.0%}+ busy: CPU-bound, no headroom" if low >= 0.9
            else f"machine CPU {low:.0%} busy: headroom left, the limit is elsewhere")


def quality_bars(r: dict) -> list[dict]:
    """DESIGN.md's quality bars and issue 13's ratios against this run's figures (None: not measured)."""
    is_pg = r["database"]["kind"] == "postgresql"
    w1, q = r["http"]["workers_1"], r["ratios"]
    bars = []
    floor, target = (1000, ">= 1000/s, p99 <= 50 ms") if is_pg else (1500, ">= 1500/s, p99 <= 50 ms")
    for name in ("ledger_entry", "single_payment", "approve"):
        s = w1[name]
        p99 = s["p99_ms"]
        bars.append(_bar(f"{name.replace('_', ' ')} ({'PostgreSQL' if is_pg else 'SQLite'}, 1 worker)", target,
                         f"{s['per_second']}/s, p99 {p99} ms",
                         s["per_second"] >= floor and p99 is not None and p99 <= 50))
    if is_pg:
        _ratio_bar(bars, "service / SQL-only ledger", 0.6, q["service_over_sql_only"],
                   r.get("sql_only", {}).get("implementation", "SQL-only figure failed"))
        _ratio_bar(bars, "2 workers / 1 worker", 1.6, q["workers_2_over_1"], _headroom(r["http"].get("workers_2", {})))
    else:
        _ratio_bar(bars, "service / hello-world", 0.2, q["service_over_hello_world"])
    invariants = r.get("verify_after_writes", {}).get("ok")
    _ratio_bar(bars, "hot / spread", 0.7, q["hot_over_spread"],
               "verified after writes" if invariants else "not verified (--no-verify)" if invariants is None
               else "LEDGER DID NOT VERIFY")
    batch = w1["batch"]
    for step, bar in (("dry_run", 100_000), ("commit", 50_000), ("approve", 50_000)):
        rps = batch.get(step, {}).get("rows_per_second")
        bars.append(_bar(f"year-end batch, {step.replace('_', ' ')}", f">= {bar:,} rows/s", rps,
                         bool(rps and rps >= bar), f"{batch['rows']:,} rows" if batch["status"] == "ok"
                         else f"batch failed: {batch.get('commit', batch.get('dry_run'))}"))
    if is_pg:
        pps = r["bulk_load"]["postings_per_second"]
        bars.append(_bar("COPY path", ">= 150,000 postings/s", pps, pps >= 150_000, "synthetic ledger load, chain hashed"))
    t = r["rollups"]["transparency"]
    rep = t["reports"]
    n = r["sizes"]["postings_loaded"]
    bars.append(_bar("transparency rollup over 10M postings", "<= 3 s, <= 2 GiB",
                     f"{rep['seconds']} s, {rep['peak_rss_bytes'] / GiB:.2f} GiB (reports code) at {n:,} postings; "
                     f"bench Polars {t['polars']['seconds']} s, SQL {t['sql']['seconds']} s",
                     (rep["seconds"] <= 3 and rep["peak_rss_bytes"] <= 2 * GiB) if n >= 10_000_000 else None,
                     "" if n >= 10_000_000 else "judged only at 10M postings"))
    worst = w1["statement_one_client"]["p99_ms"]
    h = r["sizes"]["households"]
    bars.append(_bar("household statement with 1M households", "p99 <= 25 ms", f"{worst} ms at {h:,} households",
                     (worst is not None and worst <= 25) if h >= 1_000_000 else None,
                     f"one connection; under {r['http']['clients']} connections p99 {w1['statement']['p99_ms']} ms"
                     + ("" if h >= 1_000_000 else "; judged only at 1M households")))
    bars.append(_bar("service / raw driver", "report; aim >= 0.5", r["service_over_raw"],
                     bool(r["service_over_raw"] and r["service_over_raw"] >= 0.5)))
    return bars
