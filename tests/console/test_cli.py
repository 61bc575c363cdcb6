"""`shanshui user create` (prompting for the password) and the demo users `shanshui demo` prints."""

from __future__ import annotations

import asyncio

from click.testing import CliRunner
from sqlalchemy import select

from service import seed
from service.cli import main
from service.console.cli import DEMO_USERS, demo_users
from service.console.models import ConsoleLogin
from service.settings import get_settings
from tests.console.support import browser_for


async def test_user_create_prompts_for_the_password_and_the_user_can_sign_in(client, db, settings, monkeypatch):
    monkeypatch.setenv("SHANSHUI_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    try:
        result = await asyncio.to_thread(
            CliRunner().invoke, main, ["user", "create", "--username", "Clerk2", "--role", "official",
                                       "--scope", "county:360827"], input="a long password\na long password\n")
        refused = await asyncio.to_thread(
            CliRunner().invoke, main, ["user", "create", "--username", "nobody", "--role", "official",
                                       "--password", "a long password"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "created console user Clerk2" in result.output
    assert refused.exit_code != 0 and "county scope" in refused.output
    await browser_for(client, "clerk2", "a long password")  # usernames are not case-sensitive


async def test_demo_users_one_per_role_and_idempotent(client, db, settings):
    await seed.load(db, settings, progress=lambda _: None, only=("core", "compensation", "trusts"))
    first = await demo_users(settings)
    again = await demo_users(settings)
    assert first == again and set(first) == set(DEMO_USERS)
    async with db.reading() as s:
        assert len(list(await s.scalars(select(ConsoleLogin.username)))) == len(DEMO_USERS)
    for role, (username, password) in first.items():
        b = await browser_for(client, username, password)
        assert (await b.get("/console/account")).status_code == 200, role
