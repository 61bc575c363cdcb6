"""The write path's fixed statements, sent straight to the write transaction's driver connection.

A two-posting entry is about ten statements. Through SQLAlchemy each costs 40-100 µs of Python
(compile-cache key, execution context, result wrapping) against 4 µs for the database itself on
SQLite (docs/bench.md has the profile). So the few statements every write runs (lock the accounts,
write their totals, the chain head, the entry and its postings, the idempotency record, savepoints)
are compiled by SQLAlchemy once per dialect from Core statements and then sent to the driver as they
are: SQLAlchemy still writes the SQL and converts the values (each column's own bind processor), so
what reaches the database is exactly what the Core statement sends. Driver errors are wrapped in
SQLAlchemy's exceptions, so callers (`perform`, the group writer) see the same errors as before.

Used only inside a write transaction (`Database.writing`); everything else keeps using the session.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from service.db import _InlineSqlite


@dataclass(frozen=True)
class Fixed:
    """A statement compiled for one dialect: its SQL, its parameters' names in order, and their
    converters (None where the driver takes the value as it is)."""

    sql: str
    names: tuple[str, ...]
    convert: tuple[Callable[[Any], Any] | None, ...]
    constants: dict[str, Any]  # values written into the statement (`id == 1`)
    source: ClauseElement  # the Core statement it was compiled from

    def args(self, values: dict[str, Any]) -> tuple[Any, ...]:
        values = {**self.constants, **values} if self.constants else values
        return tuple(values[n] if c is None else c(values[n]) for n, c in zip(self.names, self.convert, strict=True))


_compiled: dict[tuple[str, Any], Fixed] = {}


def fixed(dialect: Dialect, key: Any, build: Callable[[], ClauseElement]) -> Fixed:
    """The statement `build()` makes, compiled for `dialect` on first use and kept under `key`."""
    found = _compiled.get((dialect.name, key))
    if found is None:
        source = build()
        compiled = cast(SQLCompiler, source.compile(dialect=dialect))
        names = tuple(compiled.positiontup or ())
        processors: dict[str, Any] = dict(compiled._bind_processors)
        params = compiled.construct_params(_check=False)  # type: ignore[call-arg]
        constants = {n: v for n, v in (params or {}).items() if v is not None}
        found = Fixed(compiled.string, names, tuple(processors.get(n) for n in names), constants, source)
        _compiled[(dialect.name, key)] = found
    return found


class Driver:
    """The driver connection of a session's write transaction."""

    def __init__(self, dialect: Dialect, adapter: Any) -> None:
        self.dialect = dialect
        self.adapter = adapter  # SQLAlchemy's DBAPI adapter around aiosqlite or asyncpg
        self.sqlite = dialect.name == "sqlite"
        driver = adapter.driver_connection
        # the inline writer runs sqlite3 on the event loop's thread: call it directly
        self.inline = driver._connection if isinstance(driver, _InlineSqlite) else None
        self.driver = driver

    @classmethod
    async def of(cls, session: AsyncSession) -> Driver:
        """The driver of the session's transaction (kept with it: asking the session costs more than
        the statements on SQLite)."""
        transaction = session.sync_session.get_transaction()
        held = session.info.get("driver")
        if held is not None and held[0] is transaction:
            return held[1]  # type: ignore[no-any-return]
        conn = await session.connection()
        raw = await conn.get_raw_connection()
        driver = cls(conn.dialect, raw.dbapi_connection)
        session.info["driver"] = (session.sync_session.get_transaction(), driver)
        return driver

    async def rows(self, stmt: Fixed, values: dict[str, Any]) -> list[tuple[Any, ...]]:
        return await self._call(stmt.sql, stmt.args(values), many=False)

    async def run_many(self, stmt: Fixed, values: Sequence[dict[str, Any]]) -> None:
        await self._call(stmt.sql, [stmt.args(v) for v in values], many=True)

    async def sql(self, text: str) -> None:
        """A statement without parameters (SAVEPOINT, RELEASE ...)."""
        await self._call(text, (), many=False)

    async def _call(self, sql: str, args: Any, *, many: bool) -> Any:
        try:
            if self.inline is not None:
                cursor = self.inline.executemany(sql, args) if many else self.inline.execute(sql, args)
                return None if many else cursor.fetchall()
            if self.sqlite:
                if many:
                    await self.driver.executemany(sql, args)
                    return None
                return list(await self.driver.execute_fetchall(sql, args))
            return await self._asyncpg(sql, args, many)
        except sqlite3.Error as error:
            raise DBAPIError.instance(sql, args, error, sqlite3.Error) from error

    async def _asyncpg(self, sql: str, args: Any, many: bool) -> Any:
        adapter = self.adapter
        async with adapter._execute_mutex:
            if adapter._transaction is None:  # SQLAlchemy's adapter begins lazily, on the first statement
                await adapter._start_transaction()
            try:
                if many:
                    await self.driver.executemany(sql, args)
                    return None
                return [tuple(r) for r in await self.driver.fetch(sql, *args)]
            except Exception as error:
                try:
                    adapter._handle_exception(error)  # raises the DBAPI-style exception for it
                except Exception as translated:
                    raise DBAPIError.instance(sql, args, translated, self.dialect.loaded_dbapi.Error) from error
                raise
