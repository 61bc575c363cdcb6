"""Fixtures of the reliability suite: a live server process on a clean database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from service.db import Database
from tests.conftest import empty_tables
from tests.reliability.server import Server, run


def clean(database_url: str) -> None:
    async def go() -> None:
        db = Database(database_url)
        await empty_tables(db)
        await db.dispose()

    run(go())


@pytest.fixture
def server(database_url: str, tmp_path) -> Iterator[Server]:
    """A running server on empty tables. Tests may kill and restart it."""
    clean(database_url)
    s = Server(database_url, tmp_path / "server.log")
    s.start()
    yield s
    s.stop()
