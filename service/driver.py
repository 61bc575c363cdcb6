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

import json
import sqlite3
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from sqlalchemy import BigInteger, Column, String, any_, bindparam, func, insert, literal_column, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key
from sqlalchemy.sql import ClauseElement, Select
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
    results: tuple[Callable[[Any], Any] | None, ...] = ()  # each result column's converter
    columns: tuple[Any, ...] = ()  # the Column each result column reads (None for an expression)

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
        if compiled._post_compile_expanded_state is not None or "POSTCOMPILE" in compiled.string:
            # a constant IN list (an access rule's kinds) is written out, one parameter per value; the
            # call's own parameters get a stand-in value here, which each call replaces
            stand_ins = {b.key: None for b in compiled.binds.values() if b.required}
            compiled = cast(SQLCompiler, source.params(stand_ins).compile(
                dialect=dialect, compile_kwargs={"render_postcompile": True}))
        names = tuple(compiled.positiontup or ())
        processors: dict[str, Any] = dict(compiled._bind_processors)
        expanded = compiled._post_compile_expanded_state if compiled._render_postcompile else None
        params = (dict(expanded.parameters) if expanded is not None
                  else compiled.construct_params(_check=False))  # type: ignore[call-arg]
        constants = {n: v for n, v in (params or {}).items() if v is not None}
        results = tuple(type_._cached_result_processor(dialect, None) for *_, type_ in compiled._result_columns)
        columns = tuple(next((o for o in objects if isinstance(o, Column)), None)
                        for _, _, objects, _ in compiled._result_columns)
        found = Fixed(compiled.string, names, tuple(processors.get(n) for n in names), constants, source,
                      results, columns)
        _compiled[(dialect.name, key)] = found
    return found


def one_of(column: Any, dialect: Dialect, name: str = "v_ids", of: Any = None) -> Any:
    """`column` is one of the values of the parameter `name` (given by `values_of`), however many: a
    fixed statement, compiled once, where an IN list would compile once per length. SQLite: a JSON
    array read by `json_each`; PostgreSQL: `= ANY(array)`."""
    of = of if of is not None else BigInteger()
    if dialect.name == "sqlite":
        return column.in_(select(literal_column("value")).select_from(func.json_each(bindparam(name, type_=String()))))
    return column == any_(bindparam(name, type_=ARRAY(of)))


def values_of(values: Collection[Any], dialect: Dialect) -> Any:
    """The parameter value `one_of` takes for `values`."""
    return json.dumps(list(values)) if dialect.name == "sqlite" else list(values)


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
        # Keyed by the innermost transaction: a SAVEPOINT (`begin_nested`) is emitted by the session
        # only when it is next asked for its connection, so each nested transaction must ask once.
        # Keyed by the outer one, a second request of a group ran outside its savepoint and a
        # refusal left its rows behind.
        sync = session.sync_session
        transaction = sync.get_nested_transaction() or sync.get_transaction()
        held = session.info.get("driver")
        if held is not None and held[0] is transaction:
            return held[1]  # type: ignore[no-any-return]
        conn = await session.connection()
        raw = await conn.get_raw_connection()
        driver = cls(conn.dialect, raw.dbapi_connection)
        session.info["driver"] = (transaction, driver)
        return driver

    async def rows(self, stmt: Fixed, values: dict[str, Any]) -> list[tuple[Any, ...]]:
        return await self._call(stmt.sql, stmt.args(values), many=False)

    async def converted(self, stmt: Fixed, values: dict[str, Any]) -> list[tuple[Any, ...]]:
        """`rows`, each value converted as SQLAlchemy would return it (dates, JSON, ...)."""
        rows = await self.rows(stmt, values)
        if not any(stmt.results):
            return rows
        return [tuple(v if c is None or v is None else c(v) for v, c in zip(row, stmt.results, strict=True))
                for row in rows]

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


# --- ORM rows without the ORM's per-statement work ------------------------------------------------

T = TypeVar("T")


def as_loaded(model: type[T], values: dict[str, Any]) -> T:
    """An instance holding `values` as if loaded from its row: the constructor would record each as
    a change (an event per attribute, a quarter of a small entry's cost), and none of them is one."""
    instance: T = model.__mapper__.class_manager.new_instance()  # type: ignore[attr-defined]
    instance.__dict__.update(values)
    return instance


def held(session: AsyncSession, instance: T, *, fresh: bool = False) -> T:
    """`instance` as a persistent object of the session (its own copy if the session holds the row
    already, as a query would give it; `fresh`: that copy takes the values just read), so later
    changes to it are flushed like any other."""
    found = session.sync_session.identity_map.get(identity_key(instance=instance))
    if found is not None:
        if fresh:
            for name, value in instance.__dict__.items():
                if not name.startswith("_"):
                    set_committed_value(found, name, value)
        return cast(T, found)
    make_transient_to_detached(instance)
    session.add(instance)
    return instance


async def load_one(session: AsyncSession, model: type[T], key: Any, build: Callable[[], Select],
                   values: dict[str, Any], *, lock: bool = False) -> T | None:
    """The one `model` row the entity query `build()` selects for `values` (its `bindparam`s), held
    by the session; or None. `lock=True`: the row locked (PostgreSQL) and read afresh, as `db.fetch`.

    The query is compiled once under `key`: every value that varies between calls must be a
    `bindparam`, or be part of `key` (an access rule built for one actor: key it by that actor's
    `Actor.scope`). Outside a write transaction it is an ordinary ORM query."""
    found = await load_all(session, model, key, build, values, lock=lock)
    return found[0] if found else None


async def load_all(session: AsyncSession, model: type[T], key: Any, build: Callable[[], Select],
                   values: dict[str, Any], *, lock: bool = False, hold: bool = True) -> list[T]:
    """Every `model` row `build()` selects for `values`, held by the session (`load_one`'s rules).
    `hold=False` (in a write transaction): the objects as read, not held, for a caller that only reads
    them or writes their changes itself (a session that held them would flush nothing for them)."""
    if not session.info.get("writing"):
        q = build().params(values)
        if lock:
            q = q.with_for_update().execution_options(populate_existing=True)
        return list((await session.execute(q)).scalars())
    driver = await Driver.of(session)
    stmt = fixed(driver.dialect, ("load", model, key, lock), lambda: build().with_for_update() if lock else build())
    rows = await driver.converted(stmt, values)
    names = _attribute_names(model.__mapper__, stmt)  # type: ignore[attr-defined]
    loaded = [as_loaded(model, dict(zip(names, row, strict=True))) for row in rows]
    return [held(session, instance, fresh=lock) for instance in loaded] if hold else loaded


async def get_row(session: AsyncSession, model: type[T], row_id: int) -> T | None:
    """`session.get`: the session's copy if it holds the row, else one read."""
    found = session.sync_session.identity_map.get(identity_key(model, row_id))
    if found is not None:
        return cast(T, found)
    table = model.__mapper__.local_table  # type: ignore[attr-defined]
    return await load_one(session, model, "by_id", lambda: select(model).where(table.c.id == bindparam("v_id")),
                          {"v_id": row_id})


async def first_value(session: AsyncSession, key: Any, build: Callable[[], Select], values: dict[str, Any]) -> Any:
    """The first column of the first row `build()` selects for `values`, or None (`load_one`'s rules)."""
    rows = await all_rows(session, key, build, values)
    return rows[0][0] if rows else None


async def all_rows(session: AsyncSession, key: Any, build: Callable[[], Select], values: dict[str, Any]
                   ) -> list[tuple[Any, ...]]:
    """Every row `build()` selects for `values`, as plain tuples (`load_one`'s rules)."""
    if not session.info.get("writing"):
        return [tuple(r) for r in await session.execute(build().params(values))]
    driver = await Driver.of(session)
    return await driver.converted(fixed(driver.dialect, ("rows", key), build), values)


def _attribute_names(mapper: Any, stmt: Fixed) -> tuple[str, ...]:
    return tuple(mapper.get_property_by_column(c).key for c in stmt.columns)


async def insert_row(session: AsyncSession, model: type[T], values: dict[str, Any]) -> T:
    """Insert one row of `model` (every column but the id, by attribute name; a column left out
    takes its Python default) and return it held by the session as loaded, with its new id."""
    driver = await Driver.of(session)
    mapper = model.__mapper__  # type: ignore[attr-defined]
    table = mapper.local_table
    columns = [c for c in table.columns if c.key != "id"]
    stmt = fixed(driver.dialect, ("insert_row", model), lambda: insert(table).values(
        {c.key: bindparam(f"v_{c.key}") for c in columns}).returning(table.c.id))
    row = {}
    for c in columns:
        name = mapper.get_property_by_column(c).key
        row[name] = values[name] if name in values else _default(c)
    [[new_id]] = await driver.rows(stmt, {f"v_{c.key}": row[mapper.get_property_by_column(c).key] for c in columns})
    return held(session, as_loaded(model, {**row, "id": new_id}))


async def insert_rows(session: AsyncSession, model: type, rows: Sequence[dict[str, Any]]) -> None:
    """Insert many rows of `model` (each dict: the same columns, by column name), one executemany; no
    ids come back and the session holds none of them."""
    if not rows:
        return
    driver = await Driver.of(session)
    table = model.__mapper__.local_table  # type: ignore[attr-defined]
    names = tuple(rows[0])
    stmt = fixed(driver.dialect, ("insert_rows", model, names), lambda: insert(table).values(
        {n: bindparam(f"v_{n}") for n in names}))
    await driver.run_many(stmt, [{f"v_{k}": v for k, v in row.items()} for row in rows])


async def update_rows(session: AsyncSession, model: type, changes: Sequence[dict[str, Any]]) -> None:
    """`update_row` for many rows (each dict: the row's "id" and the same columns), one executemany;
    the session's copies of the rows are not touched (callers hold none)."""
    if not changes:
        return
    driver = await Driver.of(session)
    table = model.__mapper__.local_table  # type: ignore[attr-defined]
    names = tuple(sorted(n for n in changes[0] if n != "id"))
    stmt = fixed(driver.dialect, ("update_row", model, names), lambda: update(table).where(
        table.c.id == bindparam("v_id")).values({n: bindparam(f"v_{n}") for n in names}))
    await driver.run_many(stmt, [{f"v_{k}": v for k, v in row.items()} for row in changes])


def _default(column: Column) -> Any:
    default = column.default
    if default is None:
        return None
    if default.is_callable:  # type: ignore[attr-defined]
        return default.arg(None)  # type: ignore[attr-defined]
    return default.arg  # type: ignore[attr-defined]


async def update_row(session: AsyncSession, instance: Any, **values: Any) -> None:
    """Write `values` to the row of `instance` (held by the session) and to the instance, as loaded."""
    driver = await Driver.of(session)
    model = type(instance)
    table = model.__mapper__.local_table
    names = tuple(sorted(values))
    stmt = fixed(driver.dialect, ("update_row", model, names), lambda: update(table).where(
        table.c.id == bindparam("v_id")).values({n: bindparam(f"v_{n}") for n in names}))
    await driver.rows(stmt, {"v_id": instance.id, **{f"v_{n}": v for n, v in values.items()}})
    for name, value in values.items():
        set_committed_value(instance, name, value)
