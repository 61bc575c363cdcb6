"""`shanshui bench`: measure this deployment (SQLite or PostgreSQL) on a synthetic ledger."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from service.settings import get_settings

# --quick: 9 counties so the spread writes reach 27 program funds against 9 hot ones (as at full size);
# a county then holds 5,000 households, the size of the quick year-end batch.
QUICK = {"households": 45_000, "postings": 40_000, "duration": 4.0, "counties": 9, "cycle": 5_000}
FULL = {"households": 1_000_000, "postings": 10_000_000, "duration": 20.0, "counties": None, "cycle": 100_000}


@click.command()
@click.option("--database-url", default=None, help="a SCRATCH database (default: SHANSHUI_DATABASE_URL)")
@click.option("--quick", is_flag=True, help="small sizes and short loads (under 2 minutes), for CI")
@click.option("--households", type=click.IntRange(10, 10_000_000), default=None, help="default 1,000,000 (quick 20,000)")
@click.option("--postings", type=click.IntRange(100, 100_000_000), default=None, help="default 10,000,000 (quick 40,000)")
@click.option("--duration", type=click.FloatRange(0.5, 600), default=None, help="seconds per HTTP load (default 20, quick 4)")
@click.option("--counties", type=click.IntRange(2, 100), default=None,
              help="default: one per 110,000 households (quick 9)")
@click.option("--cycle-enrollments", type=click.IntRange(10, 10_000_000), default=None,
              help="enrollments in the payment-cycle figure (default 100,000; quick 5,000)")
@click.option("--clients", type=click.IntRange(1, 512), default=32, show_default=True,
              help="concurrent HTTP connections (wrk)")
@click.option("--verify/--no-verify", default=True,
              help="verify the chain and totals after the writes (and, with --quick, after the load)")
@click.option("--wipe", is_flag=True, help="drop every table first (the bench refuses a database holding a ledger)")
@click.option("--out", "out", default="bench-result.json", show_default=True, help="JSON file with every figure")
def bench(database_url: str | None, quick: bool, households: int | None, postings: int | None,
          duration: float | None, counties: int | None, cycle_enrollments: int | None, clients: int,
          verify: bool, wipe: bool, out: str) -> None:
    """Generate a synthetic ledger and measure, in one run, wrk's own ceiling, a hello-world app, the
    service's writes and reads, the raw driver and (PostgreSQL) an SQL-only ledger; every ratio."""
    # imported here: every `shanshui` command of a checkout loads this module, few of them run the bench
    from bench.load import NotEmpty
    from bench.report import show
    from bench.run import Options, run
    from bench.wrk import WrkMissing

    console = Console(stderr=True)
    sizes = QUICK if quick else FULL
    opts = Options(
        database_url=database_url or get_settings().database_url,
        households=households or sizes["households"], postings=postings or sizes["postings"],
        duration=duration or sizes["duration"], clients=clients, verify=verify,
        wipe=wipe, quick=quick, counties=counties or sizes["counties"], cycle_enrollments=cycle_enrollments or sizes["cycle"],
    )
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        tasks: dict[str, int] = {}

        def progress(step: str, done: int, total: int | None) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(f"generating {step}", total=total)
            bar.update(tasks[step], completed=done, total=total)

        def say(text: str) -> None:
            bar.console.print(f"[dim]-[/dim] {text}")

        try:
            result = asyncio.run(run(opts, say, progress))
        except (NotEmpty, WrkMissing) as exc:
            raise click.ClickException(str(exc)) from None
    Path(out).write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
    show(result, Console())
    console.print(f"every figure is in {out} ({result['total_seconds']} s in all)")


commands = [bench]
