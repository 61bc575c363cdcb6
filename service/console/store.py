"""A Litestar session store on the service's own database, so that sessions work on SQLite and
PostgreSQL and are shared by every worker process (Litestar's MemoryStore is per process, its
FileStore per machine)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from litestar.stores.base import Store
from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from service.console.models import ConsoleSession
from service.db import Database, utcnow

# A renewal is written only when it pushes the expiry this much further: one page view, one read.
RENEW_STEP = timedelta(seconds=60)


def _seconds(value: int | timedelta | None) -> timedelta | None:
    if value is None:
        return None
    return value if isinstance(value, timedelta) else timedelta(seconds=value)


class DatabaseStore(Store):
    def __init__(self, db: Database) -> None:
        self.db = db

    async def set(self, key: str, value: str | bytes, expires_in: int | timedelta | None = None) -> None:
        data = value.encode() if isinstance(value, str) else value
        ttl = _seconds(expires_in)
        row = {"key": key, "value": data, "expires_at": utcnow() + ttl if ttl else None}
        insert = sqlite_insert if self.db.is_sqlite else pg_insert
        stmt = insert(ConsoleSession).values(**row)
        stmt = stmt.on_conflict_do_update(index_elements=["key"],
                                          set_={"value": stmt.excluded.value, "expires_at": stmt.excluded.expires_at})
        async with self.db.writing() as session:
            await session.execute(stmt)

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        async with self.db.reading() as session:
            row = (await session.execute(
                select(ConsoleSession.value, ConsoleSession.expires_at).where(ConsoleSession.key == key))).first()
        if row is None:
            return None
        value, expires_at = row
        now = utcnow()
        if expires_at is not None and expires_at <= now:
            await self.delete(key)
            return None
        renew = _seconds(renew_for)
        if renew and expires_at is not None and now + renew - expires_at >= RENEW_STEP:
            async with self.db.writing() as session:
                await session.execute(update(ConsoleSession).where(ConsoleSession.key == key)
                                      .values(expires_at=now + renew))
        return value

    async def delete(self, key: str) -> None:
        async with self.db.writing() as session:
            await session.execute(delete(ConsoleSession).where(ConsoleSession.key == key))

    async def delete_all(self) -> None:
        async with self.db.writing() as session:
            await session.execute(delete(ConsoleSession))

    async def delete_expired(self) -> int:
        async with self.db.writing() as session:
            result = await session.execute(delete(ConsoleSession).where(ConsoleSession.expires_at <= utcnow()))
            return cast("CursorResult[Any]", result).rowcount or 0  # a DELETE's result is a cursor result

    async def exists(self, key: str) -> bool:
        return await self.get(key) is not None

    async def expires_in(self, key: str) -> int | None:
        async with self.db.reading() as session:
            expires_at = await session.scalar(select(ConsoleSession.expires_at).where(ConsoleSession.key == key))
        if expires_at is None:
            return None
        return max(0, int((expires_at - utcnow()).total_seconds()))
