"""Write the synthetic ledger straight into the tables, fast: COPY on PostgreSQL (asyncpg
copy_records_to_table), executemany in large transactions on SQLite. Then set account totals from
the postings (one set-based UPDATE), move the id sequences past the loaded rows, and ANALYZE.
Then, outside the load's timing, the database is settled as a ledger that grew over months would be:
on PostgreSQL VACUUM (the totals' UPDATE leaves a dead version of every account; the first reads of
freshly copied rows would set their hint bits, dirtying pages during the measurements) and CHECKPOINT
(otherwise the loads start while PostgreSQL writes out gigabytes of the copy, and every first change to
a page after each checkpoint costs a full page image in the WAL); on SQLite the WAL is checkpointed.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import islice

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bench import synth
from service import models  # noqa: F401  (registers every table)
from service.db import Base, Database

Progress = Callable[[str, int, int | None], None]  # (step, rows done, rows total)
LOADED_TABLES = ("users", "parties", "accounts", "comp_programs", "journal_entries", "postings")


class NotEmpty(Exception):
    pass


@dataclass
class LoadFigures:
    seconds: float
    parties: int
    accounts: int
    entries: int
    postings: int
    head_sequence: int
    head_hash: str

    @property
    def postings_per_second(self) -> float:
        return self.postings / self.seconds if self.seconds else 0.0


def pg_dsn(url: str) -> str:
    """The plain libpq URL asyncpg wants, from a SQLAlchemy URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def sqlite_path(url: str) -> str:
    return make_url(url).database or ":memory:"


async def prepare_schema(db: Database, wipe: bool) -> None:
    """Create the tables; refuse a database that already holds a ledger unless told to wipe it."""
    async with db.engine.begin() as conn:
        if wipe:
            await conn.run_sync(Base.metadata.drop_all)
        await conn.run_sync(Base.metadata.create_all)
        used = await conn.scalar(text("SELECT count(*) FROM (SELECT id FROM parties LIMIT 1) p"))
        used = used or await conn.scalar(text("SELECT count(*) FROM (SELECT id FROM journal_entries LIMIT 1) e"))
        if used:
            raise NotEmpty("the database already holds parties or entries; point --database-url at a scratch "
                           "database (the bench writes a synthetic ledger) or pass --wipe to drop every table first")


def _chunks(rows: Iterable[tuple], size: int) -> Iterator[list[tuple]]:
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


def _sqlite_value(v: object) -> object:
    # The same text SQLAlchemy's SQLite dialect writes, so the ORM reads back identical values.
    if isinstance(v, datetime):
        return v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, bool):
        return int(v)
    return v


def _for_sqlite(rows: list[tuple]) -> list[tuple]:
    return [tuple(_sqlite_value(v) for v in row) for row in rows]


USER_ROW = (synth.BENCH_USER_ID, "bench admin", "admin", None, None, None, synth.BASE_TIME)
USER_COLUMNS = ("id", "name", "role", "county_code", "trust_id", "party_id", "created_at")


async def generate(url: str, sizes: synth.Sizes, progress: Progress | None = None) -> tuple[synth.Layout, LoadFigures]:
    """Generate and load the synthetic ledger; returns its layout and the load figures."""
    progress = progress or (lambda *_: None)
    layout, parties, accounts = synth.parties_and_accounts(sizes)
    writer = _PgWriter(url) if url.startswith("postgresql") else _SqliteWriter(url)
    started = time.perf_counter()
    counts = {"parties": 0, "accounts": 0, "entries": 0, "postings": 0}
    state_hash = synth.GENESIS_HASH
    await writer.open()
    try:
        await writer.write("users", USER_COLUMNS, [USER_ROW])
        n_parties = sizes.counties + sizes.villages + sizes.households
        for chunk in _chunks(parties, 50_000):
            await writer.write("parties", synth.PARTY_COLUMNS, chunk)
            counts["parties"] += len(chunk)
            progress("parties", counts["parties"], n_parties)
        for chunk in _chunks(accounts, 50_000):
            await writer.write("accounts", synth.ACCOUNT_COLUMNS, chunk)
            counts["accounts"] += len(chunk)
            progress("accounts", counts["accounts"], None)
        await writer.write("comp_programs", synth.PROGRAM_COLUMNS, list(synth.programs(layout)))
        for es, ps in synth.entries(layout):
            await writer.write("journal_entries", synth.ENTRY_COLUMNS, es)
            await writer.write("postings", synth.POSTING_COLUMNS, ps)
            counts["entries"] += len(es)
            counts["postings"] += len(ps)
            state_hash = es[-1][-1]
            progress("entries", counts["postings"], sizes.postings)
        progress("account totals and indexes", 0, None)
        await writer.finish(counts["entries"], state_hash)
        seconds = time.perf_counter() - started
        progress("settling the database (vacuum, checkpoint)", 0, None)
        await writer.settle()
    finally:
        await writer.close()
    return layout, LoadFigures(seconds, counts["parties"], counts["accounts"], counts["entries"], counts["postings"],
                               counts["entries"], state_hash)


TOTALS_SQL = """
UPDATE accounts SET debits_posted = t.dp, credits_posted = t.cp
FROM (SELECT account_id,
             SUM(CASE WHEN amount > 0 THEN amount ELSE 0 END) AS dp,
             SUM(CASE WHEN amount < 0 THEN -amount ELSE 0 END) AS cp
      FROM postings GROUP BY account_id) AS t
WHERE accounts.id = t.account_id
"""


class _PgWriter:
    def __init__(self, url: str) -> None:
        self.dsn = pg_dsn(url)
        self.conn: asyncpg.Connection | None = None

    async def open(self) -> None:
        self.conn = await asyncpg.connect(self.dsn)
        try:  # skip per-row foreign-key triggers during the bulk load (ids are generated consistent)
            await self.conn.execute("SET session_replication_role = replica")
        except asyncpg.PostgresError:
            pass

    async def write(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        await self.conn.copy_records_to_table(table, records=rows, columns=list(columns))

    async def finish(self, sequence: int, hash_: str) -> None:
        c = self.conn
        await c.execute("SET session_replication_role = DEFAULT")
        await c.execute(TOTALS_SQL)
        await c.execute("UPDATE ledger_head SET sequence = $1, hash = $2 WHERE id = 1", sequence, hash_)
        for table in LOADED_TABLES:
            await c.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)")
        await c.execute("ANALYZE")

    async def settle(self) -> None:
        await self.conn.execute("VACUUM (ANALYZE)")
        try:
            await self.conn.execute("CHECKPOINT")
        except asyncpg.InsufficientPrivilegeError:
            pass  # a role without pg_checkpoint: the server's own checkpoints will come during the loads

    async def close(self) -> None:
        if self.conn is not None:
            await self.conn.close()


class _SqliteWriter:
    def __init__(self, url: str) -> None:
        self.path = sqlite_path(url)
        self.conn: sqlite3.Connection | None = None

    async def open(self) -> None:
        self.conn = sqlite3.connect(self.path, isolation_level=None)
        # Bulk load only: the measured write path keeps the service's synchronous=FULL.
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=OFF")
        self.conn.execute("PRAGMA cache_size=-262144")
        self.conn.execute("BEGIN")

    async def write(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        marks = ",".join("?" * len(columns))
        self.conn.executemany(f"INSERT INTO {table} ({','.join(columns)}) VALUES ({marks})", _for_sqlite(rows))
        if table == "postings":  # commit every chunk so the WAL stays small
            self.conn.execute("COMMIT")
            self.conn.execute("BEGIN")

    async def finish(self, sequence: int, hash_: str) -> None:
        c = self.conn
        c.execute(TOTALS_SQL)
        c.execute("UPDATE ledger_head SET sequence = ?, hash = ? WHERE id = 1", (sequence, hash_))
        c.execute("COMMIT")
        c.execute("ANALYZE")

    async def settle(self) -> None:
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
