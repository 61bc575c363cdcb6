"""Shared fixtures: a real database (SQLite by default, PostgreSQL when SHANSHUI_TEST_DATABASE_URL says so),
the real Litestar app over HTTP, and tokens for every role.

Every test starts from empty tables. Nothing is mocked.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text

from service.app import create_app
from service.auth.actor import Actor
from service.auth.tokens import create_user_token
from service.db import Database
from service.models import Base
from service.settings import Settings
from tests.helpers import append_only_off

TEST_SECRET = "test-secret"


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("SHANSHUI_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The schema is created once per run, straight from the models."""
    url = _database_url(tmp_path_factory)

    async def create() -> None:
        db = Database(url)
        async with db.engine.begin() as conn:
            await conn.run_sync(Base.metadata.drop_all)
            await conn.run_sync(Base.metadata.create_all)
        await db.dispose()

    asyncio.run(create())
    return url


@pytest.fixture
def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


async def empty_tables(db: Database) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    async with db.engine.begin() as conn:
        if db.is_sqlite:
            async with append_only_off(conn, is_sqlite=True):  # the journal refuses DELETE
                for name in tables:
                    await conn.execute(text(f'DELETE FROM "{name}"'))
        else:
            await conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        await conn.execute(text("INSERT INTO ledger_head (id, sequence, hash) VALUES (1, 0, :h)"), {"h": "0" * 64})


@pytest.fixture
def settings(database_url: str, tmp_path) -> Settings:
    return Settings(database_url=database_url, secret=TEST_SECRET)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Litestar]:
    db = Database(settings.database_url)
    await empty_tables(db)
    await db.dispose()
    yield create_app(settings)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(app=app) as c:
        yield c


@pytest.fixture
async def db(settings: Settings, app: Litestar) -> AsyncIterator[Database]:
    """A database handle in the test's own event loop (the test client runs the app in another one).
    It does not start the app, so a test may serve the app itself (uvicorn) in another loop."""
    handle = Database(settings.database_url)
    yield handle
    await handle.dispose()


TokenFactory = Callable[..., Awaitable[dict[str, str]]]


@pytest.fixture
async def token_for(db: Database) -> TokenFactory:
    """`await token_for("official", county_code="360827")` -> Authorization headers for a new user."""

    async def make(role: str, name: str | None = None, **scope: Any) -> dict[str, str]:
        async with db.writing() as session:
            _, _, clear = await create_user_token(session, name=name or f"test {role}", role=role, **scope)
        return {"Authorization": f"Bearer {clear}"}

    return make


@pytest.fixture
async def admin(token_for: TokenFactory) -> dict[str, str]:
    return await token_for("admin")


@pytest.fixture
async def auditor(token_for: TokenFactory) -> dict[str, str]:
    return await token_for("auditor")


def actor(user_id: int = 1, role: str = "admin", **kw: Any) -> Actor:
    return Actor(user_id=user_id, name=f"user {user_id}", role=role, **kw)


@pytest.fixture
async def live_server(app: Litestar, client: AsyncTestClient) -> AsyncIterator[str]:
    """The real app served by uvicorn over TCP in this test's event loop, for concurrent clients.

    Started after `client` so that uvicorn's start-up runs last and the app's database (which start-up
    uses, to prune idempotency keys) belongs to this loop; otherwise PostgreSQL connections opened by
    the test client's start-up, in its own loop, would be reused here ("attached to a different loop")."""
    import socket

    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task
