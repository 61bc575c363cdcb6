"""`shanshui report transparency|audit|statement|journal|open-data ... --format F --out FILE`."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from service.settings import get_settings

console = Console(stderr=True)


def _run(step: Callable[[Any, Any], Awaitable[bytes]], out: str | None, what: str) -> None:
    """Open the database, build the report with a progress display, write it to --out or stdout."""
    from service.db import Database

    settings = get_settings()

    async def go() -> bytes:
        db = Database(settings.database_url)
        try:
            async with db.reading() as session:
                return await step(session, settings)
        finally:
            await db.dispose()

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console,
                  transient=True) as progress:
        progress.add_task(f"reading the journal and computing the {what}", total=None)
        body = asyncio.run(go())
    if out:
        Path(out).write_bytes(body)
        console.print(f"[green]wrote {what}[/green] to {out} ({len(body):,} bytes)")
    else:
        sys.stdout.buffer.write(body)  # (click.get_binary_stream is deprecated)


as_of = click.option("--as-of-sequence", type=int, default=None, help="compute as of this ledger sequence number")
out = click.option("--out", default=None, help="file to write (default: standard output)")


@click.group()
def report() -> None:
    """Audit, transparency and statement reports (the same documents as the API)."""


@report.command()
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "parquet", "xlsx", "html"]), default="json")
@click.option("--county", default=None)
@click.option("--program", default=None)
@click.option("--trust", default=None)
@click.option("--period", default=None)
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en")
@as_of
@out
def transparency(fmt: str, county: str | None, program: str | None, trust: str | None, period: str | None,
                 lang: str, as_of_sequence: int | None, out: str | None) -> None:
    """The public transparency report (small cells suppressed)."""
    from service.reports import exports, service

    async def step(session: Any, settings: Any) -> bytes:
        doc = await service.transparency(session, k=settings.k_anonymity, as_of_sequence=as_of_sequence,
                                         county=county, program=program, trust=trust, period=period)
        return exports.render_transparency(doc, fmt, lang)

    _run(step, out, "transparency report")


@report.command()
@click.option("--format", "fmt", type=click.Choice(["json", "xlsx"]), default="json")
@click.option("--flows-by", type=click.Choice(["program", "county", "trust", "period"]), default="program")
@as_of
@out
def audit(fmt: str, flows_by: str, as_of_sequence: int | None, out: str | None) -> None:
    """Trial balance, flows, reconciliation, anomalies and the chain check."""
    from service.reports import exports, service

    async def step(session: Any, settings: Any) -> bytes:
        doc = await service.audit(session, as_of_sequence=as_of_sequence, flows_by=flows_by)
        return exports.render_audit(doc, fmt)

    _run(step, out, "audit report")


@report.command()
@click.option("--party", "party_id", type=int, required=True, help="party id of the household or village")
@click.option("--period", default=None, help="YYYY or YYYY-MM")
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "html"]), default="json")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="zh")
@as_of
@out
def statement(party_id: int, period: str | None, fmt: str, lang: str, as_of_sequence: int | None,
              out: str | None) -> None:
    """A party's benefit statement, with its verification code."""
    from service.parties.models import Party
    from service.reports import formats, service
    from service.reports.html import statement_html

    async def step(session: Any, settings: Any) -> bytes:
        party = await session.get(Party, party_id)
        if party is None:
            raise click.ClickException(f"party {party_id} not found")
        doc = await service.statement(session, party, secret=settings.secret, period=period,
                                      as_of_sequence=as_of_sequence)
        if fmt != "csv":  # each line's leaf and inclusion proof, as the API gives them (service/roots)
            from service.roots.proofs import attach

            doc = await attach(session, doc)
        if fmt == "html":
            return statement_html(doc, lang)
        return formats.to_csv(doc["lines"]) if fmt == "csv" else formats.to_json(doc)

    _run(step, out, "statement")


@report.command()
@as_of
@out
def journal(as_of_sequence: int | None, out: str | None) -> None:
    """Parquet export of the posted journal, from which the reports can be re-derived."""
    from service.reports import exports

    async def step(session: Any, settings: Any) -> bytes:
        return (await exports.journal_parquet(session, as_of_sequence))[0]

    _run(step, out, "journal export")


@report.command("open-data")
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "xlsx"]), default="json")
@as_of
@out
def open_data(fmt: str, as_of_sequence: int | None, out: str | None) -> None:
    """360Giving Data Standard package (households pseudonymised)."""
    from service.reports import opendata

    async def step(session: Any, settings: Any) -> bytes:
        pkg = await opendata.package(session, secret=settings.secret, as_of_sequence=as_of_sequence)
        return opendata.render(pkg, fmt)

    _run(step, out, "360Giving package")


commands = [report]
