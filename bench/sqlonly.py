"""An SQL-only ledger on the same PostgreSQL: the figure the service is compared with on PostgreSQL
(`service/pgledger`). Either pgledger itself (github.com/pgr0ss/pgledger, not vendored here) when
SHANSHUI_BENCH_PGLEDGER_SQL names its checkout directory or its SQL file(s) (`:`-separated, loaded in
order), or our own plpgsql function doing the same transfer as pgledger's `pgledger_create_transfer`:
both accounts locked in id order, balances and versions updated, no-negative checked, a transfer row
and two entry rows with the balances before and after, plus (ours only) an idempotency row. No hash
chain: neither does pgledger, so this is the database's ceiling for a transfer, not the service's work.

It runs in its own schema, dropped afterwards; `connections` clients call the function in a loop.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
import uuid
from pathlib import Path

import asyncpg

from bench import synth
from bench.http import LoadResult
from bench.load import pg_dsn

ENV = "SHANSHUI_BENCH_PGLEDGER_SQL"
OURS = "bench_sqlonly"
PGLEDGER = "bench_pgledger"
AMOUNT = 1234

OUR_SQL = f"""
CREATE SCHEMA {OURS};
SET search_path = {OURS};
CREATE TABLE accounts (id bigint PRIMARY KEY, balance bigint NOT NULL DEFAULT 0, version bigint NOT NULL DEFAULT 0,
  allow_negative boolean NOT NULL, updated_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE transfers (id bigserial PRIMARY KEY, from_account_id bigint NOT NULL REFERENCES accounts,
  to_account_id bigint NOT NULL REFERENCES accounts, amount bigint NOT NULL CHECK (amount > 0),
  created_at timestamptz NOT NULL);
CREATE INDEX ON transfers (from_account_id);
CREATE INDEX ON transfers (to_account_id);
CREATE TABLE entries (id bigserial PRIMARY KEY, account_id bigint NOT NULL REFERENCES accounts,
  transfer_id bigint NOT NULL REFERENCES transfers, amount bigint NOT NULL, previous_balance bigint NOT NULL,
  current_balance bigint NOT NULL, account_version bigint NOT NULL, created_at timestamptz NOT NULL);
CREATE INDEX ON entries (account_id);
CREATE INDEX ON entries (transfer_id);
CREATE TABLE idempotency_keys (key text PRIMARY KEY, transfer_id bigint NOT NULL REFERENCES transfers,
  created_at timestamptz NOT NULL);
CREATE FUNCTION create_transfer(p_from bigint, p_to bigint, p_amount bigint, p_key text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  f {OURS}.accounts;
  t {OURS}.accounts;
  tid bigint;
BEGIN
  PERFORM 1 FROM {OURS}.accounts WHERE id IN (p_from, p_to) ORDER BY id FOR UPDATE;
  UPDATE {OURS}.accounts SET balance = balance - p_amount, version = version + 1, updated_at = now()
    WHERE id = p_from RETURNING * INTO f;
  IF NOT f.allow_negative AND f.balance < 0 THEN
    RAISE EXCEPTION 'account % would go negative', p_from;
  END IF;
  UPDATE {OURS}.accounts SET balance = balance + p_amount, version = version + 1, updated_at = now()
    WHERE id = p_to RETURNING * INTO t;
  INSERT INTO {OURS}.transfers (from_account_id, to_account_id, amount, created_at)
    VALUES (p_from, p_to, p_amount, now()) RETURNING id INTO tid;
  INSERT INTO {OURS}.entries (account_id, transfer_id, amount, previous_balance, current_balance, account_version,
    created_at) VALUES (p_from, tid, -p_amount, f.balance + p_amount, f.balance, f.version, now()),
                       (p_to, tid, p_amount, t.balance - p_amount, t.balance, t.version, now());
  INSERT INTO {OURS}.idempotency_keys VALUES (p_key, tid, now());
  RETURN tid;
END $$;
"""


def pgledger_files() -> list[Path] | None:
    """pgledger's SQL from SHANSHUI_BENCH_PGLEDGER_SQL, in load order; None when it is not set."""
    value = os.environ.get(ENV)
    if not value:
        return None
    root = Path(value)
    if root.is_dir():
        vendor = root / "vendor" / "scoville-pgsql-ulid"
        return [vendor / "ulid-to-uuid.sql", vendor / "uuid-to-ulid.sql", root / "pgledger.sql"]
    return [Path(p) for p in value.split(os.pathsep)]


async def _setup(conn: asyncpg.Connection, layout: synth.Layout) -> tuple[str, str, list[tuple]]:
    """Create the schema and accounts; returns (implementation, call SQL, [(from, to)] pairs)."""
    files = pgledger_files()
    sources = range(layout.sizes.counties)
    if files is None:
        await conn.execute(f"DROP SCHEMA IF EXISTS {OURS} CASCADE")
        await conn.execute(OUR_SQL)
        # ids: county c's source is c + 1; its funds follow the sources
        n = layout.sizes.counties
        await conn.executemany(f"INSERT INTO {OURS}.accounts (id, allow_negative) VALUES ($1, $2)",
                               [(c + 1, True) for c in sources] +
                               [(n + 1 + c * 3 + p, False) for c in sources for p in range(3)])
        pairs = [(c + 1, n + 1 + c * 3 + p) for c in sources for p in range(3)]
        return "ours (plpgsql bench_sqlonly.create_transfer)", f"SELECT {OURS}.create_transfer($1, $2, $3, $4)", pairs
    await conn.execute(f"DROP SCHEMA IF EXISTS {PGLEDGER} CASCADE")
    await conn.execute(f"CREATE SCHEMA {PGLEDGER}")
    await conn.execute(f"SET search_path = {PGLEDGER}, public")
    for path in files:
        await conn.execute(path.read_text(encoding="utf-8"))
    pairs = []
    for c in sources:
        source = await conn.fetchval("SELECT id FROM pgledger_create_account($1, 'CNY')", f"source {c}")
        for p in range(3):
            fund = await conn.fetchval("SELECT id FROM pgledger_create_account($1, 'CNY', false)", f"fund {c}.{p}")
            pairs.append((source, fund))
    return f"pgledger ({files[-1].name})", "SELECT id FROM pgledger_create_transfer($1, $2, $3::numeric)", pairs


async def pg_transfers(url: str, layout: synth.Layout, *, connections: int, duration: float, seed: int = 5) -> dict:
    dsn = pg_dsn(url)
    setup = await asyncpg.connect(dsn)
    try:
        implementation, call, pairs = await _setup(setup, layout)
    except (OSError, asyncpg.PostgresError) as exc:
        await setup.close()
        return {"status": "failed", "error": repr(exc)[:500]}
    schema = OURS if call.startswith(f"SELECT {OURS}") else PGLEDGER
    ours = schema == OURS
    result, rnd = LoadResult(), random.Random(seed)
    pool = await asyncpg.create_pool(dsn, min_size=connections, max_size=connections,
                                     server_settings={"search_path": f"{schema}, public"})
    deadline = time.perf_counter() + duration
    started = time.perf_counter()

    async def client() -> None:
        async with pool.acquire() as conn:
            while time.perf_counter() < deadline:
                source, fund = rnd.choice(pairs)
                args = (source, fund, AMOUNT, uuid.uuid4().hex) if ours else (source, fund, AMOUNT / 100)
                t0 = time.perf_counter()
                try:
                    await conn.fetchval(call, *args)
                    result.latencies.append(time.perf_counter() - t0)
                except asyncpg.PostgresError as exc:
                    result.errors += 1
                    result.first_error = result.first_error or repr(exc)

    try:
        await asyncio.gather(*(client() for _ in range(connections)))
    finally:
        result.seconds = time.perf_counter() - started
        await pool.close()
        await setup.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        await setup.close()
    return {"status": "ok", "implementation": implementation, "connections": connections,
            "hash_chain": False, "idempotency_row": ours, **result.summary()}
