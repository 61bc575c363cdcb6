"""Transparency and audit rollups over the postings, two ways on the same database: Polars (lazy,
streaming engine) reading the tables straight out of the database into Arrow (ADBC), and the same
aggregation in SQL.

Each measurement runs in a fresh process so that its peak RSS is the rollup's own.
- transparency: money that reached households, per county, year and entry kind, with the number of
  households (the report's k-anonymity suppression applies on top; it does not change the cost).
- audit: trial balance per account kind and county, and flows source kind -> destination kind per
  county (each credit leg paired with its entry's debit leg).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import sqlite3
import time
from concurrent.futures import ProcessPoolExecutor

import polars as pl
from sqlalchemy import Select, select
from sqlalchemy.engine import make_url

from bench.load import pg_dsn, sqlite_path
from service.ledger.models import Account, JournalEntry, Posting
from service.arrow import close_reader, read_query

ROLLUPS = ("transparency", "audit")
ENGINES = ("polars", "sql")

_YEAR = {"pg": "EXTRACT(YEAR FROM e.effective_date)::int", "sqlite": "CAST(substr(e.effective_date, 1, 4) AS INTEGER)"}
SQL = {
    "transparency": """
        SELECT a.county_code, {year} AS year, e.kind, SUM(-p.amount) AS paid,
               COUNT(DISTINCT p.account_id) AS households, COUNT(*) AS postings
        FROM postings p JOIN accounts a ON a.id = p.account_id JOIN journal_entries e ON e.id = p.entry_id
        WHERE a.kind = 'beneficiary' AND p.amount < 0 AND e.status = 'posted'
        GROUP BY a.county_code, {year}, e.kind""",
    "audit": """
        SELECT a.kind, a.county_code, SUM(CASE WHEN p.amount > 0 THEN p.amount ELSE 0 END) AS debits,
               SUM(CASE WHEN p.amount < 0 THEN -p.amount ELSE 0 END) AS credits, COUNT(*) AS postings
        FROM postings p JOIN accounts a ON a.id = p.account_id GROUP BY a.kind, a.county_code
        UNION ALL
        SELECT sa.kind || '>' || da.kind, da.county_code, SUM(-c.amount), 0, COUNT(*)
        FROM postings c JOIN postings d ON d.entry_id = c.entry_id AND d.amount > 0
        JOIN accounts da ON da.id = c.account_id JOIN accounts sa ON sa.id = d.account_id
        WHERE c.amount < 0 GROUP BY sa.kind, da.kind, da.county_code""",
}
SCHEMAS = {
    "postings": {"entry_id": pl.Int64, "account_id": pl.Int64, "amount": pl.Int64},
    "accounts": {"id": pl.Int64, "kind": pl.String, "county_code": pl.String},
    "entries": {"id": pl.Int64, "kind": pl.String, "status": pl.String, "effective_date": pl.Date},
}


def _reads() -> dict[str, Select]:
    return {"postings": select(Posting.entry_id, Posting.account_id, Posting.amount),
            "accounts": select(Account.id, Account.kind, Account.county_code),
            "entries": select(JournalEntry.id, JournalEntry.kind, JournalEntry.status, JournalEntry.effective_date)}


# --- pure rollups over lazy frames ------------------------------------------------------------


def transparency(postings: pl.LazyFrame, accounts: pl.LazyFrame, entries: pl.LazyFrame) -> pl.LazyFrame:
    return (
        postings.filter(pl.col("amount") < 0)
        .join(accounts.filter(pl.col("kind") == "beneficiary").select("id", "county_code"),
              left_on="account_id", right_on="id")
        .join(entries.filter(pl.col("status") == "posted")
              .select("id", pl.col("kind"), pl.col("effective_date").dt.year().alias("year")),
              left_on="entry_id", right_on="id")
        .group_by("county_code", "year", "kind")
        .agg(paid=(-pl.col("amount")).sum(), households=pl.col("account_id").n_unique(), postings=pl.len())
    )


def audit(postings: pl.LazyFrame, accounts: pl.LazyFrame) -> pl.LazyFrame:
    acc = accounts.select("id", "kind", "county_code")
    trial = (
        postings.join(acc, left_on="account_id", right_on="id")
        .group_by("kind", "county_code")
        .agg(debits=pl.col("amount").clip(lower_bound=0).sum(),
             credits=(-pl.col("amount")).clip(lower_bound=0).sum(), postings=pl.len())
    )
    debit = postings.filter(pl.col("amount") > 0).select("entry_id", src=pl.col("account_id"))
    flows = (
        postings.filter(pl.col("amount") < 0).join(debit, on="entry_id")
        .join(acc.select("id", dst_kind="kind", county_code="county_code"), left_on="account_id", right_on="id")
        .join(acc.select("id", src_kind="kind"), left_on="src", right_on="id")
        .group_by("src_kind", "dst_kind", "county_code")
        .agg(debits=(-pl.col("amount")).sum(), postings=pl.len())
        .select(kind=pl.col("src_kind") + ">" + pl.col("dst_kind"), county_code="county_code", debits="debits",
                credits=pl.lit(0, pl.Int64), postings=pl.col("postings").cast(pl.UInt32))
    )
    return pl.concat([trial.with_columns(pl.col("postings").cast(pl.UInt32)), flows], how="vertical_relaxed")


# --- reading the database ----------------------------------------------------------------------


def _frames(url: str) -> dict[str, pl.LazyFrame]:
    """Each narrow table straight into Arrow through ADBC (as the reports domain reads the journal)."""
    return {name: read_query(make_url(url), q, SCHEMAS[name]).lazy() for name, q in _reads().items()}


def _polars(url: str, rollup: str) -> pl.DataFrame:
    frames = _frames(url)
    lazy = (transparency(frames["postings"], frames["accounts"], frames["entries"]) if rollup == "transparency"
            else audit(frames["postings"], frames["accounts"]))
    return lazy.collect(engine="streaming")


def _sql(url: str, rollup: str) -> list[tuple]:
    if url.startswith("postgresql"):
        import asyncpg

        async def run() -> list[tuple]:
            conn = await asyncpg.connect(pg_dsn(url))
            try:
                await conn.execute("SET max_parallel_workers_per_gather = 2")
                return [tuple(r) for r in await conn.fetch(SQL[rollup].format(year=_YEAR["pg"]))]
            finally:
                await conn.close()

        return asyncio.run(run())
    conn = sqlite3.connect(sqlite_path(url))
    try:
        return conn.execute(SQL[rollup].format(year=_YEAR["sqlite"])).fetchall()
    finally:
        conn.close()


def _reports(url: str, rollup: str) -> dict:
    """The reports domain's own code (service.reports.service), as `GET /api/v1/reports/...` runs it:
    the whole journal read into one Polars frame, enriched, rolled up (and, for the audit, the chain
    checked and the anomaly checks run)."""
    from service.db import Database
    from service.reports import service as reports
    from service.settings import get_settings

    async def run() -> dict:
        db = Database(url)
        try:
            async with db.reading() as session:
                if rollup == "transparency":
                    doc = await reports.transparency(session, k=get_settings().k_anonymity)
                    return {"rows": len(doc["cells"]), "as_of_sequence": doc["as_of"]["sequence"]}
                doc = await reports.audit(session)
                return {"rows": len(doc["trial_balance"]["accounts"]), "as_of_sequence": doc["as_of"]["sequence"],
                        "balanced": doc["trial_balance"]["balanced"], "chain_ok": doc["chain"]["ok"]}
        finally:
            await db.dispose()

    return asyncio.run(run())


def _warm(url: str) -> dict:
    """What a running server has done before its first report: import the service (about 2 s of
    interpreter work, which the reports' figure counted until 2026-12-04) and, on SQLite, start the
    Arrow reader process (service/arrow.py; ~1-2 s once per server process). Timed apart."""
    from sqlalchemy import literal

    started = time.perf_counter()
    import service.reports.service  # noqa: F401

    imported = time.perf_counter()
    read_query(make_url(url), select(literal(1)), {"one": pl.Int64})
    return {"import_seconds": round(imported - started, 3), "reader_start_seconds": round(time.perf_counter() - imported, 3)}


def _measure(url: str, rollup: str, engine: str) -> dict:
    """Run in a child process: seconds, peak RSS, and checksums that both engines must agree on."""
    from bench.machine import peak_rss_bytes

    start = _warm(url) if engine == "reports" else {}
    started = time.perf_counter()
    if engine == "reports":
        facts = _reports(url, rollup)
    elif engine == "polars":
        df = _polars(url, rollup)
        facts = {"rows": df.height, "checksum": [int(df[df.columns[3]].sum() or 0), int(df["postings"].sum() or 0)]}
    else:
        result = _sql(url, rollup)
        facts = {"rows": len(result), "checksum": [sum(int(r[3]) for r in result), sum(int(r[-1]) for r in result)]}
    seconds = round(time.perf_counter() - started, 3)
    close_reader()  # so that the SQLite reader process's memory is counted
    return {"seconds": seconds, "peak_rss_bytes": peak_rss_bytes(), **start, **facts}


def measure(url: str, rollup: str, engine: str) -> dict:
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        return pool.submit(_measure, url, rollup, engine).result()


def compare(url: str) -> dict:
    """Every rollup by every engine, the Polars/SQL time ratio, and whether they agree."""
    out: dict = {}
    for rollup in ROLLUPS:
        figures = {engine: measure(url, rollup, engine) for engine in ENGINES}
        p, s = figures["polars"], figures["sql"]
        out[rollup] = {**figures, "polars_over_sql": round(p["seconds"] / s["seconds"], 3) if s["seconds"] else None,
                       "agree": p["checksum"] == s["checksum"], "reports": measure(url, rollup, "reports")}
    return out


if __name__ == "__main__":  # python -m bench.rollup URL
    import json
    import sys

    print(json.dumps(compare(sys.argv[1] if len(sys.argv) > 1 else os.environ["SHANSHUI_DATABASE_URL"]), indent=2))
