"""`shanshui user create`: a console user (username + password) with a role and scope; and the demo users."""

from __future__ import annotations

import asyncio
from typing import Any

import click

from service.auth.models import Role
from service.settings import Settings, get_settings

# username -> (role, password). Demo only: `shanshui demo` prints them; never use them on real data.
DEMO_USERS = {role.value: (role.value, f"shanshui-{role.value}-demo") for role in Role}


def _scope(scopes: tuple[str, ...]) -> dict[str, object]:
    kwargs: dict[str, object] = {}
    for scope in scopes:
        kind, _, value = scope.partition(":")
        if kind == "county":
            kwargs["county_code"] = value
        elif kind in ("trust", "party") and value.isdigit():
            kwargs[f"{kind}_id"] = int(value)
        else:
            raise click.BadParameter(f"unknown scope {scope!r}; county:CODE, trust:ID or party:ID", param_hint="--scope")
    return kwargs


@click.group()
def user() -> None:
    """Console users (people who sign in with a password)."""


@user.command("create")
@click.option("--username", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--scope", "scopes", multiple=True, help="county:CODE, trust:ID or party:ID")
@click.option("--name", default=None, help="the person's name as shown in the console")
@click.option("--password", default=None, help="prompted for (hidden, twice) when not given")
def user_create(username: str, role: str, scopes: tuple[str, ...], name: str | None, password: str | None) -> None:
    """Create a console user with ROLE and scope."""
    scope = _scope(scopes)
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    user_id = asyncio.run(_create(get_settings(), username, password, role, name, scope))
    click.echo(f"created console user {username} (user id {user_id})")


async def _create(settings: Settings, username: str, password: str, role: str, name: str | None, scope: dict) -> int:
    from service.console import users
    from service.db import Database
    from service.errors import DomainError

    db = Database(settings.database_url)
    try:
        async with db.writing() as session:
            created, _ = await users.create(session, username=username, password=password, role=role, name=name,
                                            **scope)
        return created.id
    except DomainError as exc:
        raise click.ClickException(exc.detail) from None
    finally:
        await db.dispose()


async def demo_users(settings: Settings) -> dict[str, tuple[str, str]]:
    """One console user per role on the demo data (kept if already there): role -> (username, password)."""
    from sqlalchemy import select

    from service.console import users
    from service.console.models import ConsoleLogin
    from service.db import Database
    from service.parties.models import Party
    from service.trusts.models import Trust

    db = Database(settings.database_url)
    out: dict[str, tuple[str, str]] = {}
    try:
        async with db.writing() as session:
            trust = await session.scalar(select(Trust.id).order_by(Trust.id))
            household = await session.scalar(select(Party.id).where(Party.kind == "household").order_by(Party.id))
            scopes: dict[str, dict[str, Any]] = {"official": {"county_code": "360827"}, "approver": {"county_code": "360827"},
                      "trustee": {"trust_id": trust}, "community": {"party_id": household}}
            for role, (username, password) in DEMO_USERS.items():
                if role in scopes and None in scopes[role].values():
                    continue
                if await session.scalar(select(ConsoleLogin.user_id).where(ConsoleLogin.username == username)) is None:
                    await users.create(session, username=username, password=password, role=role,
                                       name=f"demo {role}", **scopes.get(role, {}))
                out[role] = (username, password)
    finally:
        await db.dispose()
    return out


commands = [user]
