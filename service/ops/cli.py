"""`shanshui backup --out FILE` and `shanshui restore FILE` (SQLite)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click

from service.ops.backup import BackupError
from service.ops.backup import backup as do_backup
from service.ops.backup import restore as do_restore
from service.settings import get_settings

DB_OPTION = click.option("--database-url", default=None, help="default: SHANSHUI_DATABASE_URL")


@click.command()
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="backup file to write")
@DB_OPTION
def backup(out: Path, database_url: str | None) -> None:
    """Copy the SQLite ledger to OUT with the online backup API (the server may keep running)."""
    try:
        do_backup(database_url or get_settings().database_url, out)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"backup written to {out}")


@click.command()
@click.argument("backup_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="replace a database that already holds a ledger")
@DB_OPTION
def restore(backup_file: Path, force: bool, database_url: str | None) -> None:
    """Restore BACKUP_FILE into the SQLite database (stop the server first), then verify the chain."""
    try:
        report = asyncio.run(do_restore(backup_file, database_url or get_settings().database_url, force))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    if not report.ok:
        where = f" at sequence {report.first_break.sequence}" if report.first_break else ""
        raise click.ClickException(f"restored, but the ledger does not verify{where}; do not use it")
    click.echo(f"restored {backup_file}; ledger verified: {report.checked} entries, head {report.head_hash}")


commands = [backup, restore]
