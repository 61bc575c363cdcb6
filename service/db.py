"""Database engine, typed model base and transactions (SQLite by default, PostgreSQL in production)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar

import aiosqlite
from sqlalchemy import JSON, BigInteger, DateTime, Integer, MetaData, Select, event, func, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from service.errors import Conflict

# Named constraints let Alembic alter SQLite tables in batch mode.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

T = TypeVar("T")

# 64-bit ids on PostgreSQL; SQLite's INTEGER PRIMARY KEY is already 64-bit and autoincrements.
BigId = BigInteger().with_variant(Integer, "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on both databases (SQLite drops the offset on read)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused; use UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class IdMixin:
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)


async def fetch(session: AsyncSession, model: type[T], row_id: int, *, lock: bool = False) -> T | None:
    """The row with this id, or None; `lock=True` takes a row lock (PostgreSQL) and re-reads it."""
    q = select(model).where(model.id == row_id)  # type: ignore[attr-defined]
    if lock:
        q = q.with_for_update().execution_options(populate_existing=True)
    return (await session.execute(q)).scalar_one_or_none()


async def fetch_one(session: AsyncSession, q: Select, *, lock: bool = False) -> Any:
    """The one row `q` selects (an access rule narrowed to an id), or None; `lock` as in `fetch`."""
    if lock:
        q = q.with_for_update().execution_options(populate_existing=True)
    return (await session.execute(q)).scalar_one_or_none()


def chunks(items: Sequence[T], size: int = 5000) -> list[Sequence[T]]:
    """Slices for `IN (...)` lists: PostgreSQL's driver takes at most 32,767 parameters a statement."""
    return [items[i:i + size] for i in range(0, len(items), size)]


async def insert_ids(session: AsyncSession, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert many rows (keyed by column name) and return their new ids in the order given.

    Core inserts, not the ORM's: nothing needs the objects, and the unit of work costs several times
    the insert itself per row. PostgreSQL, or one row: INSERT .. RETURNING. SQLite would fall back to
    one INSERT per row for an ordered RETURNING, so there many rows go in as one executemany and the
    ids are read back: the write transaction holds the database lock (BEGIN IMMEDIATE), so they are
    the next ids, in order.
    """
    table = model.__table__
    if not rows:
        return []
    if session.get_bind().dialect.name != "sqlite" or len(rows) == 1:
        return list(await session.scalars(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows))
    before = await session.scalar(select(func.coalesce(func.max(table.c.id), 0)))
    await session.execute(insert(table), rows)
    ids = list(await session.scalars(select(table.c.id).where(table.c.id > before).order_by(table.c.id)))
    if len(ids) != len(rows):
        raise Conflict("another writer interleaved with a bulk insert; nothing was written, retry")
    return ids


# PostgreSQL's deadlock_detected and serialization_failure: the transaction was rolled back whole,
# so running it again is safe. SQLite's "database is locked" after busy_timeout is the same story.
RETRYABLE_STATES = {"40P01", "40001"}


def retryable(exc: BaseException) -> bool:
    """Did the database abort the transaction for a reason that running it again can cure?"""
    if not isinstance(exc, DBAPIError) or isinstance(exc, IntegrityError):
        return False
    for cause in (exc.orig, getattr(exc.orig, "__cause__", None)):
        if getattr(cause, "sqlstate", None) in RETRYABLE_STATES or getattr(cause, "pgcode", None) in RETRYABLE_STATES:
            return True
    return "database is locked" in str(exc.orig)


def canonical_json(value: Any) -> str:
    """JSON text as the chain hashes it (service/ledger/chain.py): sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def present(value: T | None, what: str) -> T:
    """A column that is empty only for a moment (an account id set right after its row's insert, a run
    line's entry set as it is recorded), read where it must be set."""
    if value is None:
        raise AssertionError(f"{what} is not set")
    return value


def utcnow() -> datetime:
    return datetime.now(UTC)


def _sqlite_setup(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control from the driver so that writers can BEGIN IMMEDIATE.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=FULL")
        cur.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class _InlineSqlite(aiosqlite.Connection):
    """aiosqlite whose calls run on the event loop's own thread instead of hopping to its worker
    thread. A write is ~15 statements of a few microseconds each, and aiosqlite's hop (three or four
    per statement) cost more than the statements themselves: inline, a payment takes ~40% less time.
    Used only for the one writer connection, whose transactions are short and serialised anyway."""

    async def _execute(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)

    async def commit(self) -> None:
        # The one slow call: the commit waits for the disk (synchronous=FULL). In a thread, the event
        # loop serves requests meanwhile, and the group writer's next group gathers; the write lock
        # keeps everyone else off this connection until it returns.
        await asyncio.get_running_loop().run_in_executor(None, self._conn.commit)


async def _inline_sqlite(path: str) -> aiosqlite.Connection:
    # Opened by aiosqlite's worker thread, then used only from the event loop's thread.
    return await _InlineSqlite(partial(sqlite3.connect, path, timeout=30, check_same_thread=False), 64)


class Database:
    """One engine per process. Write transactions are serialised on SQLite (one writer at a time)."""

    def __init__(self, url: str, echo: bool = False, group_commit: bool = False) -> None:
        self.url = url
        self.group_commit = group_commit  # write requests share transactions (service/group_commit.py)
        self._group_writer: Any = None
        self.is_sqlite = url.startswith("sqlite")
        # JSON columns are written in the chain's canonical form (sorted keys, no spaces, UTF-8): the
        # full verification then hashes an entry's stored metadata text as it is (ledger/fastchain.py).
        kwargs: dict[str, Any] = {"echo": echo, "json_serializer": canonical_json}
        if self.is_sqlite:
            kwargs["connect_args"] = {"timeout": 30}
        else:
            kwargs.update(pool_size=10, max_overflow=20, pool_pre_ping=True)
        self.engine = self.writer = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            _sqlite_setup(self.engine)
            path = make_url(url).database
            if path and path != ":memory:":
                self.writer = create_async_engine(url, echo=echo, json_serializer=canonical_json, pool_size=1,
                                                  max_overflow=0,
                                                  async_creator=partial(_inline_sqlite, path))
                _sqlite_setup(self.writer)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        # `writing` marks a write transaction: the write path sends its fixed statements to its driver (service/driver.py)
        self.write_sessions = async_sessionmaker(self.writer, expire_on_commit=False, autoflush=False,
                                                 info={"writing": True})
        self._write_lock: asyncio.Lock | None = None

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session:
            yield session

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncSession]:
        """A write transaction: committed on success, rolled back whole on any error."""
        lock = self._lock()
        if lock:
            await lock.acquire()
        try:
            async with self.write_sessions() as session, session.begin():
                if self.is_sqlite:
                    await session.connection(execution_options={"sqlite_immediate": True})
                yield session
        finally:
            if lock:
                lock.release()

    def _lock(self) -> asyncio.Lock | None:
        if not self.is_sqlite:
            return None
        if self._write_lock is None:
            self._write_lock = asyncio.Lock()
        return self._write_lock

    def group_writer(self, retry: Any) -> Any:
        """This process's group writer for this database, made on first use."""
        if self._group_writer is None:
            from service.group_commit import GroupWriter  # it builds on this module

            self._group_writer = GroupWriter(self, retry)
        return self._group_writer

    async def dispose(self) -> None:
        if self._group_writer is not None:
            await self._group_writer.close()
        await self.engine.dispose()
        if self.writer is not self.engine:
            await self.writer.dispose()
