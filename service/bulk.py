"""Many rows at database speed: column lists sent to the write transaction's driver connection.

A year-end batch writes 100,000 payments, entries, postings and events, and approving it rewrites
100,000 entries. Through SQLAlchemy's executemany every row costs ~20 µs of Python (parameter
processing, execution context); and on SQLite a table with triggers (the journal's append-only and
check triggers, the accounts' checks) pays a trigger frame per statement execution, so one executemany
row at a time runs at a third of the speed of one statement over many rows. So here:

- values are converted per column with the very bind processors SQLAlchemy would apply (compiled
  once per table and dialect), a column holding one value for every row converted once;
- PostgreSQL: `COPY` (asyncpg `copy_records_to_table`) straight into the table, or into a temporary
  table for an update;
- SQLite: `executemany` into a temporary table (no triggers, no indexes), then one
  `INSERT .. SELECT` / `UPDATE .. FROM` into the real table;
- ids are reserved before the insert (`reserve_ids`), so nothing is read back.

Only inside a write transaction (`Database.writing`); triggers, constraints and foreign keys all hold
as for any other insert. Errors come back as SQLAlchemy's DBAPIError, as through the session.
"""

from __future__ import annotations

import itertools
import re
import sqlite3
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import Table, bindparam, insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from service.driver import Driver, fixed, insert_rows, values_of

Columns = Mapping[str, Sequence[Any]]
_names = itertools.count()


async def reserve_ids(session: AsyncSession, table: Table, n: int) -> list[int]:
    """Ids for `n` new rows of `table`, ascending. PostgreSQL: taken from the id sequence (no other
    writer can get them). SQLite: the ids after the highest one; the write transaction holds the
    database lock, so no other writer can insert meanwhile (and a clash would be refused by the key)."""
    if n <= 0:
        return []
    driver = await Driver.of(session)
    name = table.name
    if driver.sqlite:
        [[top]] = await _fetch(driver, f"SELECT coalesce(max(id), 0) FROM {name}")
        return list(range(top + 1, top + 1 + n))
    rows = await _fetch(driver, f"SELECT nextval(pg_get_serial_sequence('{name}', 'id')) FROM generate_series(1, {n})")
    return sorted(r[0] for r in rows)


async def insert_columns(session: AsyncSession, table: Table, columns: Columns, raw: Collection[str] = ()) -> None:
    """Insert rows given as columns (name -> one value per row, all the same length). Columns named
    in `raw` are already as the driver takes them (a JSON column's text), the others are converted."""
    names, lists, same = await _prepared(session, table, columns, raw)
    if not lists or not lists[0]:
        return
    driver = await Driver.of(session)
    if not driver.sqlite:
        await _copy(driver, table.name, names, _rows(lists))
        return
    # SQLite: only the columns that vary are staged; a value every row shares is one parameter of
    # the INSERT .. SELECT (a batch's status, time, author, program ...)
    staged_names, select, params = _split(names, lists, same)
    staged = await _stage(driver, table.name, staged_names, _rows([lists[names.index(n)] for n in staged_names]))
    source = f"SELECT {', '.join(select)} FROM temp.{staged}"
    # the table's triggers (append-only, value checks) run for every row, as for any other insert
    await _run(driver, f"INSERT INTO {table.name} ({', '.join(names)}) {source} ORDER BY rowid", params)
    await _run(driver, f"DROP TABLE temp.{staged}")


async def update_columns(session: AsyncSession, table: Table, columns: Columns, key: str = "id") -> None:
    """Set the given columns of the rows whose `key` is in `columns[key]`, one statement. A column
    holding one value for every row is a parameter of the statement, not staged."""
    names, lists, same = await _prepared(session, table, columns)
    if not lists or not lists[0]:
        return
    driver = await Driver.of(session)
    varying = [n for n, one in zip(names, same, strict=True) if not one or n == key]
    staged = await _stage(driver, table.name, varying, _rows([lists[names.index(n)] for n in varying]))
    params: list[Any] = []
    sets: list[tuple[str, str]] = []  # (column, its new value)
    for n, one, values in zip(names, same, lists, strict=True):
        if n == key:
            continue
        if one:
            params.append(values[0])
            sets.append((n, "?" if driver.sqlite else f"${len(params)}"))
        else:
            sets.append((n, f"s.{n}"))
    changes = ", ".join(f"{n} = {v}" for n, v in sets)
    sql = (f"UPDATE {table.name} SET {changes} FROM {'temp.' if driver.sqlite else ''}{staged} AS s "
           f"WHERE {table.name}.{key} = s.{key}")
    await _run(driver, sql, tuple(params))
    await _run(driver, f"DROP TABLE {'temp.' if driver.sqlite else ''}{staged}")


def _rows(lists: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
    return list(zip(*lists, strict=True))


def _split(names: list[str], lists: list[Sequence[Any]], same: list[bool]) -> tuple[list[str], list[str], tuple[Any, ...]]:
    """The staged columns, the SELECT list over them (a shared value as a parameter) and its parameters."""
    staged = [n for n, one in zip(names, same, strict=True) if not one] or names[:1]  # something to count rows by
    select: list[str] = []
    params: list[Any] = []
    for n, values in zip(names, lists, strict=True):
        if n in staged:
            select.append(n)
        else:
            select.append(f"? AS {n}")
            params.append(values[0])
    return staged, select, tuple(params)


async def fetch_in(session: AsyncSession, sql: str, ids: Sequence[int]) -> list[tuple[Any, ...]]:
    """Plain rows of a read in the write transaction whose `{ids}` stands for "is one of `ids`": one
    statement however many ids (PostgreSQL `= ANY(array)`, SQLite `IN (json_each)`), straight from the
    driver. Values come as the driver gives them (SQLite: dates and JSON as text; callers convert)."""
    driver = await Driver.of(session)
    if driver.sqlite:  # the write transaction holds the database lock: FOR UPDATE has nothing to add
        sql = sql.format(ids=" IN (SELECT value FROM json_each(?))").replace(" FOR UPDATE", "")
    else:
        sql = sql.format(ids=" = ANY($1::bigint[])")
    return await _fetch(driver, sql, values_of(ids, driver.dialect))


async def insert_with_ids(session: AsyncSession, model: type, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert a few rows of `model` (by column name, the same columns each) with reserved ids, one
    driver executemany; their ids in the order given (a group commit's payments or entries)."""
    ids = await reserve_ids(session, model.__table__, len(rows))  # type: ignore[attr-defined]
    await insert_rows(session, model, [{"id": i, **row} for i, row in zip(ids, rows, strict=True)])
    return ids


async def fetch(session: AsyncSession, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    """Plain rows of `sql` in the session's transaction (a read one too), straight from the driver:
    for reads of 100,000 rows, where SQLAlchemy's result rows cost more than the read. Parameters
    are written `$1, $2 ..` (rewritten to `?` for SQLite); values come as the driver gives them."""
    driver = await Driver.of(session)
    return await _fetch(driver, re.sub(r"\$\d+", "?", sql) if driver.sqlite else sql, *args)


# --- conversion ---------------------------------------------------------------------------------


async def _prepared(session: AsyncSession, table: Table, columns: Columns, raw: Collection[str] = ()
                    ) -> tuple[list[str], list[Sequence[Any]], list[bool]]:
    """The column names, their converted value lists, and whether each holds one value for every row."""
    names = list(columns)
    driver = await Driver.of(session)
    stmt = fixed(driver.dialect, ("bulk", table.name, tuple(names)),
                 lambda: insert(table).values({n: bindparam(f"b_{n}") for n in names}))
    convert = dict(zip(stmt.names, stmt.convert, strict=True))
    lists: list[Sequence[Any]] = []
    same: list[bool] = []
    for n in names:
        values, one = _converted(columns[n], None if n in raw else convert.get(f"b_{n}"))
        lists.append(values)
        same.append(one)
    sizes = {len(values) for values in lists}
    if len(sizes) > 1:
        raise ValueError(f"columns of different lengths: {sorted(sizes)}")
    return names, lists, same


def _converted(values: Sequence[Any], convert: Callable[[Any], Any] | None) -> tuple[Sequence[Any], bool]:
    """The values as the driver takes them, and whether they are one value for every row."""
    if not values:
        return values, False
    first = values[0]
    if all(v is first for v in values):  # one timestamp, date or status for the whole batch
        return [first if convert is None or first is None else convert(first)] * len(values), True
    if convert is None:
        return values, False
    return [None if v is None else convert(v) for v in values], False


# --- the driver ----------------------------------------------------------------------------------


async def _stage(driver: Driver, table: str, names: list[str], rows: list[tuple[Any, ...]]) -> str:
    """A temporary table with these columns of `table` (their types), holding the rows."""
    staged = f"bulk_{table}_{next(_names)}"
    cols = ", ".join(names)
    if driver.sqlite:
        await _run(driver, f"CREATE TEMP TABLE {staged} AS SELECT {cols} FROM main.{table} WHERE 0")
        marks = ", ".join("?" * len(names))
        await _run(driver, f"INSERT INTO temp.{staged} ({cols}) VALUES ({marks})", rows, many=True)
    else:
        await _run(driver, f"CREATE TEMP TABLE {staged} AS SELECT {cols} FROM {table} WITH NO DATA")
        await _copy(driver, staged, names, rows)
    return staged


async def _fetch(driver: Driver, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    return await _run(driver, sql, args, fetch=True)  # type: ignore[no-any-return]


async def _run(driver: Driver, sql: str, args: Any = (), *, many: bool = False, fetch: bool = False) -> Any:
    try:
        if driver.inline is not None:
            if many:
                driver.inline.executemany(sql, args)
                return None
            return driver.inline.execute(sql, args).fetchall()
        if driver.sqlite:
            if many:
                await driver.driver.executemany(sql, args)
                return None
            return list(await driver.driver.execute_fetchall(sql, args))
    except sqlite3.Error as error:
        raise DBAPIError.instance(sql, args, error, sqlite3.Error) from error
    return await _asyncpg(driver, sql, lambda conn: conn.executemany(sql, args) if many else
                          conn.fetch(sql, *args) if fetch else conn.execute(sql, *args))


async def _copy(driver: Driver, table: str, names: list[str], rows: list[tuple[Any, ...]]) -> None:
    await _asyncpg(driver, f"COPY {table}", lambda conn: conn.copy_records_to_table(table, records=rows, columns=names))


async def _asyncpg(driver: Driver, sql: str, call: Callable[[Any], Any]) -> Any:
    """Run `call(asyncpg connection)` in SQLAlchemy's transaction (begun here if it has not yet)."""
    adapter = driver.adapter
    async with adapter._execute_mutex:
        if adapter._transaction is None:
            await adapter._start_transaction()
        try:
            result = await call(driver.driver)
        except Exception as error:
            try:
                adapter._handle_exception(error)
            except Exception as translated:
                raise DBAPIError.instance(sql, (), translated, driver.dialect.loaded_dbapi.Error) from error
            raise
    return [tuple(r) for r in result] if isinstance(result, list) else result
