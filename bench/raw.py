"""The database alone doing the same writes as one single payment, in the tightest loop we can write:
lock and update both accounts (id order, funds checked), lock the chain head, insert the entry
(hash-chained), its two postings and an idempotency record, move the head; one transaction each,
with the service's durability (SQLite WAL + synchronous=FULL; PostgreSQL default synchronous_commit).
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import time
import uuid
from datetime import UTC, datetime

import asyncpg

from bench import synth
from bench.http import LoadResult
from bench.load import _sqlite_value, pg_dsn, sqlite_path
from service.ledger.chain import canonical_bytes, link

AMOUNT = 1234


def _entry_values(seq: int, prev: str, fund: int, payee: int, county: str, n: int) -> tuple:
    now = datetime.now(UTC)
    meta = {"county_code": county, "payee_party_id": payee, "period": "2026", "rule": "bench raw write"}
    legs = [(fund, "CNY", AMOUNT), (payee, "CNY", -AMOUNT)]
    h = link(prev, canonical_bytes(sequence=seq, kind="payment", effective_date=now.date(), posted_at=now,
                                   memo=f"raw {n}", metadata=meta, entered_by=synth.BENCH_USER_ID,
                                   approved_by=None, reversal_of_id=None, postings=legs))
    return now, json.dumps(meta), h


ENTRY_SQL = ("INSERT INTO journal_entries (kind, status, effective_date, recorded_at, posted_at, memo, metadata, "
             "entered_by, sequence, prev_hash, hash) VALUES ('payment', 'posted', {p}, {p}, {p}, {p}, {p}, {p}, {p}, "
             "{p}, {p}) RETURNING id")
POSTINGS_SQL = "INSERT INTO postings (entry_id, account_id, currency, amount) VALUES ({p}, {p}, 'CNY', {p}), ({p}, {p}, 'CNY', {p})"
KEY_SQL = ("INSERT INTO idempotency_keys (user_id, key, fingerprint, status_code, response, created_at) "
           "VALUES ({p}, {p}, {p}, 201, {p}, {p})")


def _numbered(sql: str) -> str:
    n = 0

    def nxt(_: object = None) -> str:
        nonlocal n
        n += 1
        return f"${n}"

    out = sql
    while "{p}" in out:
        out = out.replace("{p}", nxt(), 1)
    return out


async def pg_writes(url: str, layout: synth.Layout, *, clients: int, duration: float, seed: int = 3) -> LoadResult:
    funds, rnd, result = layout.all_funds, random.Random(seed), LoadResult()
    entry_sql, postings_sql, key_sql = _numbered(ENTRY_SQL), _numbered(POSTINGS_SQL), _numbered(KEY_SQL)
    pool = await asyncpg.create_pool(pg_dsn(url), min_size=clients, max_size=clients)
    counter = iter(range(10**12))
    started = time.perf_counter()
    deadline = started + duration

    async def one(conn: asyncpg.Connection, n: int) -> None:
        fund = rnd.choice(funds)
        h = rnd.randrange(layout.sizes.households)
        payee = layout.household_account(h)
        county = layout.county_codes[layout.county_of_household(h)]
        async with conn.transaction():
            for account in sorted((fund, payee)):
                if account == fund:
                    left = await conn.fetchval("UPDATE accounts SET debits_posted = debits_posted + $2 WHERE id = $1 "
                                               "RETURNING credits_posted - debits_posted - debits_pending", fund, AMOUNT)
                    if left < 0:
                        raise RuntimeError("fund would go negative")
                else:
                    await conn.execute("UPDATE accounts SET credits_posted = credits_posted + $2 WHERE id = $1",
                                       payee, AMOUNT)
            seq, prev = await conn.fetchrow("SELECT sequence, hash FROM ledger_head WHERE id = 1 FOR UPDATE")
            now, meta, h = _entry_values(seq + 1, prev, fund, payee, county, n)
            eid = await conn.fetchval(entry_sql, now.date(), now, now, f"raw {n}", meta, synth.BENCH_USER_ID,
                                      seq + 1, prev, h)
            await conn.execute(postings_sql, eid, fund, AMOUNT, eid, payee, -AMOUNT)
            await conn.execute(key_sql, synth.BENCH_USER_ID, uuid.uuid4().hex, "0" * 64, f'{{"id": {eid}}}', now)
            await conn.execute("UPDATE ledger_head SET sequence = $1, hash = $2 WHERE id = 1", seq + 1, h)

    async def worker() -> None:
        async with pool.acquire() as conn:
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                try:
                    await one(conn, next(counter))
                    result.latencies.append(time.perf_counter() - t0)
                except (asyncpg.PostgresError, RuntimeError) as exc:
                    result.errors += 1
                    result.first_error = result.first_error or repr(exc)

    try:
        await asyncio.gather(*(worker() for _ in range(clients)))
    finally:
        result.seconds = time.perf_counter() - started
        await pool.close()
    return result


def sqlite_writes(url: str, layout: synth.Layout, *, duration: float, seed: int = 3) -> LoadResult:
    """One writer (SQLite allows one at a time), WAL + synchronous=FULL as service/db.py sets."""
    funds, rnd, result = layout.all_funds, random.Random(seed), LoadResult()
    conn = sqlite3.connect(sqlite_path(url), isolation_level=None, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    entry_sql, postings_sql, key_sql = (s.replace("{p}", "?") for s in (ENTRY_SQL, POSTINGS_SQL, KEY_SQL))
    started = time.perf_counter()
    n = 0
    try:
        while time.perf_counter() < started + duration:
            n += 1
            t0 = time.perf_counter()
            fund = rnd.choice(funds)
            h = rnd.randrange(layout.sizes.households)
            payee = layout.household_account(h)
            county = layout.county_codes[layout.county_of_household(h)]
            conn.execute("BEGIN IMMEDIATE")
            try:
                left = conn.execute("UPDATE accounts SET debits_posted = debits_posted + ? WHERE id = ? "
                                    "RETURNING credits_posted - debits_posted - debits_pending", (AMOUNT, fund)).fetchone()[0]
                if left < 0:
                    raise RuntimeError("fund would go negative")
                conn.execute("UPDATE accounts SET credits_posted = credits_posted + ? WHERE id = ?", (AMOUNT, payee))
                seq, prev = conn.execute("SELECT sequence, hash FROM ledger_head WHERE id = 1").fetchone()
                now, meta, hsh = _entry_values(seq + 1, prev, fund, payee, county, n)
                sv = _sqlite_value
                eid = conn.execute(entry_sql, (sv(now.date()), sv(now), sv(now), f"raw {n}", meta,
                                               synth.BENCH_USER_ID, seq + 1, prev, hsh)).fetchone()[0]
                conn.execute(postings_sql, (eid, fund, AMOUNT, eid, payee, -AMOUNT))
                conn.execute(key_sql, (synth.BENCH_USER_ID, uuid.uuid4().hex, "0" * 64, f'{{"id": {eid}}}', sv(now)))
                conn.execute("UPDATE ledger_head SET sequence = ?, hash = ? WHERE id = 1", (seq + 1, hsh))
                conn.execute("COMMIT")
                result.latencies.append(time.perf_counter() - t0)
            except (sqlite3.Error, RuntimeError) as exc:
                conn.execute("ROLLBACK")
                result.errors += 1
                result.first_error = result.first_error or repr(exc)
    finally:
        result.seconds = time.perf_counter() - started
        conn.close()
    return result
