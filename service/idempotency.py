"""Idempotency keys: the first response to a write, kept with the write itself so that a retry with
the same key gets it again and never writes twice (`service.writes.perform` is the only user)."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timedelta

from litestar import Response
from sqlalchemy import (
    BigInteger, Integer, Select, String, Text, UniqueConstraint, and_, bindparam, delete, func, insert, select, text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, BigId, Database, IdMixin, utcnow
from service.driver import Driver, all_rows, fixed, insert_rows
from service.errors import Conflict

IDEMPOTENCY_HEADER = "Idempotency-Key"
log = logging.getLogger(__name__)


class IdempotencyRecord(IdMixin, Base):
    """The first response to a write, kept so that a retry with the same key gets it again."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    user_id: Mapped[int] = mapped_column(BigId)
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


def busy() -> Conflict:
    return Conflict("a request with this Idempotency-Key is still being processed; retry shortly",
                    field=IDEMPOTENCY_HEADER)


async def replay(session: AsyncSession, db: Database, user_id: int, key: str, fp: str) -> Response | None:
    """The stored first response for this key, or None when the key is new (then held until commit)."""
    driver = await Driver.of(session)
    if not db.is_sqlite:
        got = await driver.rows(fixed(driver.dialect, "key_lock", lambda: select(func.pg_try_advisory_xact_lock(
            bindparam("u"), func.hashtext(bindparam("k", type_=String))))), {"u": user_id, "k": key})
        if not got[0][0]:
            raise busy()
    table = IdempotencyRecord.__table__
    stmt = fixed(driver.dialect, "key_replay", lambda: select(table.c.fingerprint, table.c.status_code, table.c.response)
                 .where(table.c.user_id == bindparam("u"), table.c.key == bindparam("k")))
    row = next(iter(await driver.rows(stmt, {"u": user_id, "k": key})), None)
    if row is None:
        return None
    fingerprint, status_code, response = row
    if fingerprint != fp:
        raise Conflict("this Idempotency-Key was already used for a different request", field=IDEMPOTENCY_HEADER)
    return Response(content=response.encode(), status_code=status_code, media_type="application/json",
                    headers={"Idempotent-Replayed": "true"})


_TRY_LOCKS = text("SELECT bool_and(pg_try_advisory_xact_lock(u, hashtext(k))) "
                  "FROM unnest(CAST(:u AS INTEGER[]), CAST(:k AS TEXT[])) AS t(u, k)")


async def all_new(session: AsyncSession, keys: list[tuple[int, str]]) -> bool:
    """`replay` for a group of requests run as one (service/group_commit.py): True when no (user, key)
    was stored before and none is held by another process (each is then held until commit)."""
    if session.get_bind().dialect.name != "sqlite":
        held = await session.scalar(_TRY_LOCKS, {"u": [u for u, _ in keys], "k": [k for _, k in keys]})
        if not held:
            return False
    sqlite = session.get_bind().dialect.name == "sqlite"
    values = ({"v_pairs": json.dumps(keys)} if sqlite else {"v_users": [u for u, _ in keys], "v_keys": [k for _, k in keys]})
    seen = await all_rows(session, "idempotency_keys", lambda: _stored(sqlite), values)
    return not seen


def _stored(sqlite: bool) -> Select:
    """The (user, key) pairs given that are stored: one index look-up per pair, whatever their number
    (the unique index is on (user_id, key); asking for the keys alone would scan it)."""
    table = IdempotencyRecord.__table__
    if sqlite:
        given = func.json_each(bindparam("v_pairs", type_=String())).table_valued("value").alias("given")
        user, key = func.json_extract(given.c.value, "$[0]"), func.json_extract(given.c.value, "$[1]")
    else:
        given = func.unnest(bindparam("v_users", type_=ARRAY(BigInteger())), bindparam("v_keys", type_=ARRAY(Text()))
                            ).table_valued("u", "k").render_derived(name="given")
        user, key = given.c.u, given.c.k
    return select(table.c.user_id, table.c.key).select_from(
        given.join(table, and_(table.c.user_id == user, table.c.key == key)))


async def remember_all(session: AsyncSession, rows: list[dict[str, object]]) -> None:
    """`remember` for a group of requests run as one: one multi-row insert."""
    await insert_rows(session, IdempotencyRecord, rows)


def record_row(user_id: int, key: str, fp: str, status_code: int, body: bytes) -> dict[str, object]:
    return dict(user_id=user_id, key=key, fingerprint=fp, status_code=status_code, response=body.decode(),
                created_at=utcnow())


async def remember(session: AsyncSession, user_id: int, key: str, fp: str, status_code: int, body: bytes) -> None:
    """Store the first response in the write's own transaction (a Core insert: no unit of work needed)."""
    driver = await Driver.of(session)
    table = IdempotencyRecord.__table__
    stmt = fixed(driver.dialect, "key_remember", lambda: insert(table).values(
        {c: bindparam(f"v_{c}") for c in _RECORD_COLUMNS}))
    await driver.rows(stmt, {f"v_{k}": v for k, v in record_row(user_id, key, fp, status_code, body).items()})


_RECORD_COLUMNS = ("user_id", "key", "fingerprint", "status_code", "response", "created_at")


async def prune_keys(db: Database, retention_hours: int) -> int:
    """Forget idempotency keys older than the retention period (at least 24 hours)."""
    cutoff = utcnow() - timedelta(hours=max(24, retention_hours))
    async with db.writing() as session:
        result = await session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < cutoff))
        return result.rowcount or 0


async def prune_keys_every(db: Database, retention_hours: int, period_seconds: float) -> None:
    """Prune every `period_seconds` until cancelled (the app starts this at start-up, cancels it at shutdown):
    a server that runs for weeks would otherwise keep every key it ever stored."""
    while True:
        await asyncio.sleep(period_seconds)
        try:
            await prune_keys(db, retention_hours)
        except Exception:  # a busy or briefly unreachable database: try again next period
            log.exception("pruning idempotency keys failed; retrying in %s s", period_seconds)
