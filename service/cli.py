"""The `shanshui` command: serve, migrate, seed, demo, tokens, verify, OpenAPI export."""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import os
import sys
import tempfile
from pathlib import Path
from typing import NoReturn, TypedDict

import click
from rich.console import Console
from rich.progress import Progress

from service.auth.models import Role
from service.settings import Settings, get_settings

console = Console(stderr=True)
class _Scope(TypedDict, total=False):
    county_code: str


DEMO_ROLES: list[tuple[str, Role, _Scope]] = [
    ("admin", Role.ADMIN, {}),
    ("official", Role.OFFICIAL, {"county_code": "360827"}),
    ("approver", Role.APPROVER, {"county_code": "360827"}),
    ("auditor", Role.AUDITOR, {}),
]


@click.group()
def main() -> None:
    """Shanshui Ledger: ecological compensation and benefit-sharing books."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int, help="worker processes (PostgreSQL only)")
def serve(host: str, port: int, workers: int) -> None:
    """Run the HTTP API."""
    import uvicorn

    if workers > 1 and get_settings().is_sqlite:
        raise click.UsageError("several workers need PostgreSQL; SQLite allows one writer process")
    if workers > 1 and not os.environ.get("SHANSHUI_RATE_LIMIT_DIR"):  # the workers share one rate limit
        os.environ["SHANSHUI_RATE_LIMIT_DIR"] = tempfile.mkdtemp(prefix="shanshui-rate-limit-")
    uvicorn.run("service.asgi:app", host=host, port=port, workers=workers, log_level="warning",
                proxy_headers=True)


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every Alembic migration to SHANSHUI_DATABASE_URL."""
    from service.migrations import upgrade

    done = upgrade(get_settings().database_url)
    if not done.applied:
        console.print(f"the database is already at the latest schema ({done.after}); nothing to do", soft_wrap=True)
        return
    was = "an empty database" if done.before is None else f"the database at {done.before}"
    console.print(f"applied {len(done.applied)} migration{'s' * (len(done.applied) > 1)} to {was}:", soft_wrap=True)
    for revision, what in done.applied:
        console.print(f"  {revision}  {what}", soft_wrap=True, highlight=False)
    console.print(f"[green]the database is now at the latest schema ({done.after})[/green]", soft_wrap=True)


@main.command()
def seed() -> None:
    """Load the demo data set from seed/ (once)."""
    asyncio.run(_seed(get_settings()))


async def _seed(settings: Settings) -> bool:
    from service import seed as seeding
    from service.db import Database

    db = Database(settings.database_url)
    try:
        if await seeding.already_seeded(db):
            console.print("demo data already loaded; skipping")
            return False
        await seeding.load(db, settings, progress=lambda step: console.print(f"  {step} ..."))
        console.print("[green]demo data loaded[/green]")
        return True
    finally:
        await db.dispose()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--tokens-file", default="demo-tokens.env", show_default=True, help="where to write the tokens")
def demo(host: str, port: int, tokens_file: str) -> None:
    """Upgrade the database, load the demo data, print a token per role, and serve."""
    from service.migrations import upgrade

    settings = get_settings()
    upgrade(settings.database_url)
    if not settings.publishing_key.exists():  # the demo signs its roots with a key in the working directory
        from service.roots.keys import create

        create(settings.publishing_key)
        console.print(f"created the publishing key {settings.publishing_key} (keep it out of version control)")
    asyncio.run(_seed(settings))
    tokens = asyncio.run(_demo_tokens(settings))
    lines = [f"export SHANSHUI_{name.upper()}_TOKEN={token}" for name, token in tokens.items()]
    Path(tokens_file).write_text("\n".join(lines) + "\n", encoding="utf-8")
    console.print(f"\n[bold]Shanshui Ledger demo[/bold] at http://{host}:{port}  (API docs: http://{host}:{port}/schema)")
    for name, token in tokens.items():
        console.print(f"  {name:<10} {token}")
    console.print(f"Tokens also written to {tokens_file}; load them with: source {tokens_file}\n")
    from service.console.cli import demo_users

    console.print(f"[bold]Console[/bold] http://{host}:{port}/console/login  (username / password)")
    for role, (username, password) in asyncio.run(demo_users(settings)).items():
        console.print(f"  {role:<10} {username} / {password}")
    serve.callback(host=host, port=port, workers=1)  # type: ignore[misc]


async def _demo_tokens(settings: Settings) -> dict[str, str]:
    from sqlalchemy import select

    from service.auth.tokens import create_user_token
    from service.db import Database
    from service.parties.models import Party
    from service.trusts.models import Trust

    db = Database(settings.database_url)
    out: dict[str, str] = {}
    try:
        async with db.writing() as session:
            for name, role, scope in DEMO_ROLES:
                _, _, clear = await create_user_token(session, name=f"demo {name}", role=role, valid_days=30, **scope)
                out[name] = clear
            trust = await session.scalar(select(Trust.id).order_by(Trust.id))
            if trust:
                _, _, clear = await create_user_token(session, name="demo trustee", role=Role.TRUSTEE,
                                                      trust_id=trust, valid_days=30)
                out["trustee"] = clear
            household = await session.scalar(select(Party.id).where(Party.kind == "household").order_by(Party.id))
            if household:
                _, _, clear = await create_user_token(session, name="demo household", role=Role.COMMUNITY,
                                                      party_id=household, valid_days=30)
                out["community"] = clear
    finally:
        await db.dispose()
    return out


@main.group()
def token() -> None:
    """Bearer tokens."""


@token.command("create")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--name", default=None, help="who the token is for")
@click.option("--scope", "scopes", multiple=True, help="county:CODE, trust:ID or party:ID")
@click.option("--days", default=365, show_default=True, type=int)
def token_create(role: str, name: str | None, scopes: tuple[str, ...], days: int) -> None:
    """Create a user with ROLE and print its token (shown once)."""
    kwargs: dict[str, object] = {}
    for scope in scopes:
        kind, _, value = scope.partition(":")
        if kind == "county":
            kwargs["county_code"] = value
        elif kind in ("trust", "party"):
            from service.parsing import whole_number

            kwargs[f"{kind}_id"] = whole_number(value) or _bad_scope(scope)
        else:
            raise click.BadParameter(f"unknown scope {scope!r}", param_hint="--scope")
    click.echo(asyncio.run(_create_token(get_settings(), role, name or f"{role} user", days, kwargs)))


def _bad_scope(scope: str) -> NoReturn:
    raise click.BadParameter(f"{scope!r}: the id must be a whole number from 1 to 2**62", param_hint="--scope")


async def _create_token(settings: Settings, role: str, name: str, days: int, scope: dict) -> str:
    from service.auth.tokens import create_user_token
    from service.db import Database
    from service.errors import DomainError

    db = Database(settings.database_url)
    try:
        async with db.writing() as session:
            _, _, clear = await create_user_token(session, name=name, role=role, valid_days=days, **scope)
        return clear
    except DomainError as exc:
        raise click.ClickException(exc.detail) from None
    finally:
        await db.dispose()


@main.command()
@click.option("--full", is_flag=True, help="recompute from genesis and check every checkpoint (run it on a schedule)")
@click.option("--checkpoint", is_flag=True, help="record a checkpoint at the verified head (--full always does)")
def verify(full: bool, checkpoint: bool) -> None:
    """Recompute the hash chain and account totals from the newest checkpoint (or, with --full, from
    genesis); exit 1 naming the first broken entry."""
    report = asyncio.run(_verify(get_settings(), full=full, checkpoint=checkpoint or full))
    if report.ok:
        since = f" (from checkpoint at sequence {report.from_checkpoint})" if report.from_checkpoint else ""
        console.print(f"[green]ledger verified[/green]: {report.checked} entries{since}, head {report.head_hash}")
        return
    found = findings(report)
    console.print(f"ledger NOT verified: {len(found)} finding{'s' * (len(found) != 1)}", style="bold red")
    for line in found:  # one finding a line, never wrapped into the next
        console.print(f"  - {line}", style="red", soft_wrap=True, markup=False, highlight=False)
    if report.first_break:  # what the break means for the rest of the chain
        b = report.first_break
        console.print(f"expected {b.expected}, found {b.found}; {report.not_checked} later entries not checked "
                      f"(head is sequence {report.head_sequence})", soft_wrap=True, markup=False, highlight=False)
    raise SystemExit(1)


TOTALS = ("debits posted", "credits posted", "debits pending", "credits pending")


def findings(report) -> list[str]:
    """Each thing `verify` found wrong, as one sentence."""
    out = []
    if report.first_break:
        b = report.first_break
        where = f"sequence {b.sequence}" + (f" (entry {b.entry_id})" if b.entry_id is not None else "")
        out.append(f"chain broken at {where}: {b.reason}")
    for m in report.account_mismatches:
        wrong = [f"{name} {s} stored but {p} in its postings"
                 for name, s, p in zip(TOTALS, m["stored"], m["from_postings"], strict=True) if s != p]
        out.append(f"account {m['code']}: {', '.join(wrong)} (minor units)")
    return out


async def _verify(settings: Settings, *, full: bool = False, checkpoint: bool = False):
    from service.db import Database
    from service.ledger.verify import verify_ledger, verify_and_checkpoint
    from service.reports import audit_kept, tables  # noqa: F401  (a checkpoint keeps the public report's and the audit's tables too)

    db = Database(settings.database_url)
    try:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("verifying chain", total=None)

            def step(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total or None)

            if checkpoint:
                return await verify_and_checkpoint(db, full=full, progress=step)
            async with db.reading() as session:
                return await verify_ledger(session, progress=step, full=full)
    finally:
        await db.dispose()


@main.command()
@click.option("--out", default="openapi/openapi.json", show_default=True)
def openapi(out: str) -> None:
    """Write the OpenAPI document generated from the code."""
    from service.openapi import render

    Path(out).write_text(render(), encoding="utf-8")
    console.print(f"wrote {out}")


# Domains add their own commands (report, backup, ...) in `service/<domain>/cli.py` as `commands`.
CLI_DOMAINS = ("compensation", "trusts", "shares", "patrols", "certifications", "reports", "ops", "console", "roots",
               "grievances")
for _domain in CLI_DOMAINS:
    if importlib.util.find_spec(f"service.{_domain}") and importlib.util.find_spec(f"service.{_domain}.cli"):
        for _command in importlib.import_module(f"service.{_domain}.cli").commands:
            main.add_command(_command)


def _bench_command(checkout: Path | None = None) -> click.Command:
    """`shanshui bench` lives in the source checkout's top-level `bench/` package, which the wheel does
    not ship (it needs wrk, generates a synthetic ledger and is no part of the service). With an
    editable install the checkout sits next to `service/`, so it is found there."""
    checkout = checkout or Path(__file__).resolve().parent.parent
    if (checkout / "bench" / "cli.py").is_file() and (checkout / "pyproject.toml").is_file():
        if str(checkout) not in sys.path:
            sys.path.insert(0, str(checkout))
        from bench.cli import bench

        return bench

    @click.command(name="bench", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
    def unavailable() -> None:
        """Benchmark (only from a source checkout: `pip install -e .` there; see docs/bench.md)."""
        raise click.ClickException(
            "the benchmark is not part of the installed package: clone the repository, run "
            "`pip install -e '.[test]'` in it, install wrk (`apt-get install wrk`) and run `shanshui bench` "
            "from that environment (see docs/bench.md)")

    return unavailable


main.add_command(_bench_command())
