"""Backups of an SQLite ledger with SQLite's online backup API (safe while the server writes), and
restores that refuse to overwrite a ledger by accident and verify the hash chain afterwards.

PostgreSQL: use pg_dump / pg_restore and WAL archiving for point-in-time recovery (docs/reliability.md).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

from service.db import Database
from service.ledger.verify import VerifyReport, verify_ledger

REQUIRED_TABLES = {"journal_entries", "postings", "accounts", "ledger_head"}


class BackupError(Exception):
    """Refused; the message says why and what to do."""


def sqlite_path(database_url: str) -> Path:
    url = make_url(database_url)
    if not url.drivername.startswith("sqlite"):
        raise BackupError("backup/restore here is for SQLite; for PostgreSQL use pg_dump and pg_restore "
                          "(see docs/reliability.md)")
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory database cannot be backed up")
    return Path(url.database)


def _copy(src: Path, dst: Path) -> None:
    with sqlite3.connect(src) as source, sqlite3.connect(dst) as target:
        source.backup(target)  # page by page, consistent even while another process writes
    source.close()
    target.close()


def check_backup_file(path: Path) -> None:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
            if con.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"{path} is damaged (integrity check failed)")
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        con.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not an SQLite backup: {exc}") from None
    if not REQUIRED_TABLES <= tables:
        raise BackupError(f"{path} is not a Shanshui Ledger backup (missing tables {REQUIRED_TABLES - tables})")


def is_empty(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return True
    with sqlite3.connect(path) as con:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        busy = any(con.execute(f'SELECT 1 FROM "{t}" LIMIT 1').fetchone()
                   for t in ("journal_entries", "accounts", "parties", "users") if t in tables)
    con.close()
    return not busy


def backup(database_url: str, out: Path) -> None:
    src = sqlite_path(database_url)
    if not src.exists():
        raise BackupError(f"no database at {src}")
    if out.exists():
        raise BackupError(f"{out} exists; choose a new file name")
    _copy(src, out)
    check_backup_file(out)


async def restore(backup_file: Path, database_url: str, force: bool = False) -> VerifyReport:
    target = sqlite_path(database_url)
    check_backup_file(backup_file)
    if not force and not is_empty(target):
        raise BackupError(f"{target} already holds a ledger; pass --force to replace it")
    _copy(backup_file, target)
    db = Database(database_url)
    try:
        async with db.reading() as session:
            return await verify_ledger(session, full=True)  # a restore trusts no checkpoint
    finally:
        await db.dispose()
