"""Run Alembic from code (CLI, tests) and compare the models with the migrated schema."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from service import resources
from service.db import Database
from service.models import Base


def alembic_config(database_url: str) -> Config:
    config = Config(str(resources.alembic_ini()))
    config.set_main_option("script_location", str(resources.alembic_dir()))
    config.attributes["database_url"] = database_url
    return config


@dataclass(frozen=True)
class Upgraded:
    before: str | None  # the database's revision before (None: an empty database)
    after: str | None
    applied: list[tuple[str, str]]  # (revision, what it does), oldest first


def upgrade(database_url: str, revision: str = "head") -> Upgraded:
    """Apply the migrations up to `revision` and say which ran."""
    config = alembic_config(database_url)
    before = current_revision(database_url)
    command.upgrade(config, revision)
    after = current_revision(database_url)
    return Upgraded(before, after, _between(ScriptDirectory.from_config(config), before, after))


def current_revision(database_url: str) -> str | None:
    async def read() -> str | None:
        db = Database(database_url)
        try:
            async with db.engine.connect() as conn:
                return await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())
        finally:
            await db.dispose()

    return asyncio.run(read())


def _between(script: ScriptDirectory, before: str | None, after: str | None) -> list[tuple[str, str]]:
    applied: list[tuple[str, str]] = []
    if after is None:
        return applied
    for rev in script.walk_revisions(head=after):  # newest first
        if rev.revision == before:
            break
        applied.append((rev.revision, (rev.doc or "").strip().split("\n")[0]))
    return applied[::-1]


def differences(sync_connection) -> list:
    """What the models have that the database lacks, or the other way round (empty when in step)."""
    context = MigrationContext.configure(sync_connection, opts={"compare_type": True})
    return compare_metadata(context, Base.metadata)
