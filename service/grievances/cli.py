"""`shanshui grievances escalate`: run daily; sends overdue grievances to the county's approvers."""

from __future__ import annotations

import asyncio

import click

from service.settings import get_settings


@click.group()
def grievances() -> None:
    """Grievances from households and villages."""


@grievances.command("escalate")
def escalate() -> None:
    """Send every grievance open past its deadline to the county's approvers."""
    from service.db import Database
    from service.grievances.service import escalate_overdue

    async def run() -> int:
        db = Database(get_settings().database_url)
        try:
            async with db.writing() as session:
                return await escalate_overdue(session)
        finally:
            await db.dispose()

    click.echo(f"escalated {asyncio.run(run())} overdue grievances")


commands = [grievances]
