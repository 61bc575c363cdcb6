"""`shanshui keys create`, `shanshui roots publish|verify|export`, `shanshui proof verify FILE`."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import click
from rich.console import Console

from service.settings import get_settings

console = Console(stderr=True)


def _say(lines: list[str], style: str) -> None:
    for line in lines:  # one finding a line, never wrapped into the next
        console.print(f"  - {line}", style=style, soft_wrap=True, markup=False, highlight=False)


@click.group()
def keys() -> None:
    """The publishing key that signs tree heads."""


@keys.command("create")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="where to write the private key (default: SHANSHUI_PUBLISHING_KEY)")
def keys_create(out: Path | None) -> None:
    """Create the Ed25519 publishing key (a file outside the database; keep it safe)."""
    from service.roots import keys as k

    path = out or get_settings().publishing_key
    try:
        public = k.create(path)
    except FileExistsError as exc:
        raise click.ClickException(str(exc)) from None
    console.print(f"wrote the private key to {path} (mode 600); public key {public} (key id {k.key_id(public)})",
                  soft_wrap=True, highlight=False)


@click.group()
def roots() -> None:
    """Signed tree heads over the ledger."""


@roots.command("publish")
@click.option("--period", default=None, help="the month closed (YYYY-MM); default the current month")
def roots_publish(period: str | None) -> None:
    """Sign and record the head of a period (entries posted before it ended, or all so far)."""
    from service.roots import keys as k
    from service.roots.service import publish

    async def run():
        db = _db()
        try:
            key = k.load(get_settings().publishing_key)
            async with db.writing() as session:
                head = await publish(session, key, period)
                return head.period, head.tree_size, head.root_hash
        finally:
            await db.dispose()

    p, size, root = _domain(run)
    console.print(f"[green]published[/green] the head of {p}: tree size {size}, root {root}", highlight=False)


@roots.command("verify")
@click.option("--against", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="a heads export kept earlier: each of its heads must still be here, unchanged")
def roots_verify(against: Path | None) -> None:
    """Check every head's signature, link and root, and consistency from the first; exit 1 naming what fails."""
    from service.roots.verify import kept_heads_findings, verify_roots

    async def run():
        db = _db()
        try:
            async with db.reading() as session:
                report = await verify_roots(session, _configured_public_key())
                if against is not None:
                    kept = json.loads(against.read_text(encoding="utf-8")).get("heads", [])
                    report.findings += await kept_heads_findings(session, kept)
                return report
        finally:
            await db.dispose()

    report = asyncio.run(run())
    if report.ok:
        console.print(f"[green]roots verified[/green]: {report.heads} signed heads over {report.entries} entries")
        return
    console.print(f"roots NOT verified: {len(report.findings)} findings", style="bold red")
    _say(report.findings, "red")
    raise SystemExit(1)


@roots.command("export")
@click.option("--out", type=click.Path(path_type=Path), default=Path("signed-heads.json"), show_default=True)
def roots_export(out: Path) -> None:
    """Write every signed head and the public key as a small JSON file to keep and compare later."""
    from service.roots.service import head_doc, list_heads

    async def run():
        db = _db()
        try:
            async with db.reading() as session:
                return [head_doc(h) for h in await list_heads(session, limit=1_000_000)]
        finally:
            await db.dispose()

    heads = asyncio.run(run())
    doc = {"public_key": _configured_public_key() or (heads[-1]["public_key"] if heads else None), "heads": heads}
    out.write_text(json.dumps(doc, default=str, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    console.print(f"wrote {len(heads)} signed heads to {out}")


@click.group()
def proof() -> None:
    """Check proofs offline."""


@proof.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--public-key", default=None, help="the published key (base64); default: the key in the file")
def proof_verify(file: Path, public_key: str | None) -> None:
    """Check a saved statement's inclusion proofs and head signatures (or a heads export) with no database."""
    from service.roots import check

    try:
        doc = json.loads(file.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{file.name} is not a JSON file: {exc}") from None
    if isinstance(doc, dict) and "heads" in doc:
        found, what = check.export_findings(doc["heads"], public_key or doc.get("public_key")), "signed heads"
        count = len(doc["heads"])
    elif isinstance(doc, dict) and "lines" in doc:
        count, found = check.statement_findings(doc, public_key)
        what = "statement lines"
    else:
        raise click.ClickException(f"{file.name} is neither a statement (JSON) nor a heads export")
    if found:
        console.print(f"proof NOT verified: {len(found)} findings", style="bold red")
        _say(found, "red")
        raise SystemExit(1)
    console.print(f"[green]proof verified[/green]: {count} {what} checked", highlight=False)


def _configured_public_key() -> str | None:
    from service.roots import keys as k

    path = get_settings().publishing_key
    return k.public_b64(k.load(path).public_key()) if path.is_file() else None


def _db():
    from service.db import Database

    return Database(get_settings().database_url)


def _domain(run):
    from service.errors import DomainError

    try:
        return asyncio.run(run())
    except DomainError as exc:
        raise click.ClickException(exc.detail) from None


commands = [keys, roots, proof]
