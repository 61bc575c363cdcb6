"""Query results straight into Polars frames through ADBC (Arrow), with no Python object per row.

SQLite: the ADBC driver carries its own copy of SQLite, and two copies of SQLite in one process
release each other's POSIX file locks, which can corrupt the database (sqlite.org/howtocorrupt.html,
2.2.1). So SQLite reads run in long-lived reader processes (up to `READERS`), spawned on first use,
and come back as an Arrow IPC file. PostgreSQL reads run in the calling thread (libpq and asyncpg do not interfere).
The reader is started with multiprocessing's "spawn": a script that reads reports on SQLite must
keep its top-level code under `if __name__ == "__main__":` (the CLI and the server do).
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

import polars as pl
from sqlalchemy import CompoundSelect, Select, TextualSelect, literal, select, union_all
from sqlalchemy.engine import URL

# A column's type: polars takes the class (pl.Int64) as well as an instance (pl.Datetime("us", "UTC")).
Dtype = pl.DataType | type[pl.DataType]
Schema = dict[str, Dtype]

_TYPED: dict[Dtype, object] = {pl.Int64: -1, pl.String: "", pl.Date: "1970-01-01"}
T = TypeVar("T")
# Reader processes: a second starts only when two reads are asked for at once (a chain walk's ranges).
READERS = 2
_IN_READER = False  # True in a reader process
_reader: ProcessPoolExecutor | None = None
_reader_lock = threading.Lock()


def read_query(url: URL, q: Select | TextualSelect, schema: Schema, pg_settings: dict[str, str] | None = None) -> pl.DataFrame:
    """The rows of `q` as a frame with `schema` (columns renamed in order, cast). `pg_settings` are
    PostgreSQL settings for this read's own connection (e.g. the memory a large GROUP BY may hash in)."""
    names = list(schema)
    if url.get_backend_name() == "sqlite":
        from sqlalchemy.dialects import sqlite

        # The SQLite driver types each column from its first rows: a first row of the right types
        # (dropped below) keeps a column that starts with nulls from being typed wrongly.
        typed: CompoundSelect = union_all(select(*[literal(_TYPED[schema[n]]) for n in names]), select(q.subquery()))
        sql = str(typed.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
        uri = f"sqlite:///{url.database}"
        frame = (_read(uri, sql) if _IN_READER else _in_reader(uri, sql)).slice(1)
    else:
        from sqlalchemy.dialects import postgresql

        sql = str(q.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
        uri = url.set(drivername="postgresql").render_as_string(hide_password=False)
        if pg_settings:  # libpq reads %20 as the space between options, not the "+" SQLAlchemy writes
            options = quote(" ".join(f"-c{k}={v}" for k, v in pg_settings.items()), safe="")
            uri += ("&" if "?" in uri else "?") + f"options={options}"
        frame = pl.read_database_uri(sql, uri, engine="adbc")
    frame = frame.rename(dict(zip(frame.columns, names, strict=True)))
    return frame.select([_cast(frame, n, t) for n, t in schema.items()])


def _cast(frame: pl.DataFrame, name: str, dtype: Dtype) -> pl.Expr:
    if dtype == pl.Date and frame.schema[name] == pl.String:  # SQLite keeps dates as ISO text
        return pl.col(name).str.to_date("%Y-%m-%d")
    return pl.col(name).cast(dtype)


def _in_reader(uri: str, sql: str) -> pl.DataFrame:
    try:
        path = _pool().submit(_read_to_file, uri, sql).result()
    except BrokenProcessPool:  # the reader died (out of memory, killed): the next read starts a new one
        close_reader()
        raise
    try:
        return pl.read_ipc(path)
    finally:
        os.unlink(path)


def in_reader(fn: Callable[..., T], *args: Any) -> T:
    """Run `fn(*args)` in a reader process, where `read_query` may open SQLite: work that reads much
    and returns little (a range of the chain checked) runs there whole, on as many cores as readers."""
    try:
        return _pool().submit(fn, *args).result()
    except BrokenProcessPool:
        close_reader()
        raise


def _read(uri: str, sql: str) -> pl.DataFrame:
    try:
        return pl.read_database_uri(sql, uri, engine="adbc")
    except Exception as exc:  # the driver's own errors do not survive pickling back to the caller
        raise RuntimeError(f"{type(exc).__name__}: {exc}") from None


def _read_to_file(uri: str, sql: str) -> str:
    """In the reader process: run the query, write the frame as Arrow IPC, return the file's path."""
    frame = _read(uri, sql)
    fd, path = tempfile.mkstemp(prefix="shanshui-read-", suffix=".arrow")
    os.close(fd)
    frame.write_ipc(path)
    return path


def _pool() -> ProcessPoolExecutor:
    global _reader
    with _reader_lock:
        if _reader is None:
            _reader = ProcessPoolExecutor(max_workers=READERS, mp_context=multiprocessing.get_context("spawn"),
                                          initializer=_start_reader, initargs=(os.getpid(),))
            atexit.register(close_reader)
        return _reader


def _start_reader(parent: int) -> None:
    """In the reader: read SQLite directly, and leave when the service process is gone (killed, it
    cannot say goodbye)."""
    global _IN_READER
    _IN_READER = True

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="exit-with-parent").start()


def reader_started() -> bool:
    """Whether the SQLite reader process is running (its start-up is paid)."""
    return _reader is not None


def close_reader() -> None:
    """Stop the SQLite reader process (the bench does, to count its memory)."""
    global _reader
    with _reader_lock:
        if _reader is not None:
            _reader.shutdown(wait=True)
            _reader = None
