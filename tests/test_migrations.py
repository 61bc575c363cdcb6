"""Alembic builds the whole schema on an empty database, and it matches the models exactly."""

from __future__ import annotations

import asyncio
import os

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from service.db import Database
from service.migrations import differences, upgrade


def _empty_database(tmp_path) -> tuple[str, callable]:
    url = os.environ.get("SHANSHUI_TEST_DATABASE_URL")
    if not url:
        return f"sqlite+aiosqlite:///{tmp_path / 'migrated.db'}", lambda: None
    base = make_url(url)
    name = f"{base.database}_migrations"
    admin_url = base.set(database="postgres").render_as_string(hide_password=False)

    async def run(sql: str) -> None:
        admin = Database(admin_url)
        async with admin.engine.connect() as conn:
            await (await conn.execution_options(isolation_level="AUTOCOMMIT")).execute(text(sql))
        await admin.dispose()

    asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}"'))
    asyncio.run(run(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return base.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture
def empty_url(tmp_path):
    url, drop = _empty_database(tmp_path)
    yield url
    drop()


TRIGGERS = {"sqlite": "SELECT name FROM sqlite_master WHERE type = 'trigger'",
            "postgresql": "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"}


async def _triggers(url: str) -> set[str]:
    db = Database(url)
    async with db.engine.connect() as conn:
        names = set((await conn.execute(text(TRIGGERS[conn.dialect.name]))).scalars())
    await db.dispose()
    return names


def test_upgrade_head_matches_the_models(empty_url, database_url):
    upgrade(empty_url)

    async def check() -> tuple[list, tuple]:
        db = Database(empty_url)
        async with db.engine.connect() as conn:
            diff = await conn.run_sync(differences)
            head = (await conn.execute(text("SELECT sequence, hash FROM ledger_head WHERE id = 1"))).one()
        await db.dispose()
        return diff, tuple(head)

    diff, head = asyncio.run(check())
    assert diff == [], f"models and migrations disagree; run `alembic revision --autogenerate`: {diff}"
    assert head == (0, "0" * 64)
    # the journal's guards too: the tests' schema (create_all, `database_url`) and a migrated one agree
    assert asyncio.run(_triggers(empty_url)) == asyncio.run(_triggers(database_url))


def test_migrated_published_roots_refuse_edits(empty_url):
    """Migration 0012: a published leaf or head cannot be changed or deleted in a migrated database."""
    from sqlalchemy.exc import DBAPIError

    upgrade(empty_url)

    async def check() -> list[str]:
        db = Database(empty_url)
        refused = []
        async with db.engine.begin() as conn:
            await conn.execute(text("INSERT INTO published_leaves (sequence, leaf_hash) VALUES (1, :h)"), {"h": "a" * 64})
        for sql in ("UPDATE published_leaves SET leaf_hash = :h", "DELETE FROM published_leaves"):
            try:
                async with db.engine.begin() as conn:
                    await conn.execute(text(sql), {"h": "b" * 64})
            except DBAPIError as exc:
                assert "append-only" in str(exc), exc
                refused.append(sql)
        async with db.engine.connect() as conn:
            left = (await conn.execute(text("SELECT leaf_hash FROM published_leaves"))).scalars().all()
        await db.dispose()
        assert left == ["a" * 64]
        return refused

    assert len(asyncio.run(check())) == 2
