"""Every write request goes through `perform`: one transaction, an optional Idempotency-Key, and
the first response stored with the write itself, so a retry can never write twice.

- same key, same request  -> the stored first response (header `Idempotent-Replayed: true`)
- same key, other request -> 409
- same key while the first request is still running -> 409
A failed request stores nothing, so the client may correct it and retry with the same key.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

from litestar import Request, Response
from pydantic import BaseModel
from sqlalchemy import delete, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.actor import Actor
from service.db import Database, utcnow
from service.errors import Conflict, InvalidField
from service.ledger.models import IdempotencyRecord

T = TypeVar("T", bound=BaseModel)
IDEMPOTENCY_HEADER = "Idempotency-Key"
_in_flight: set[tuple[int, str]] = set()
log = logging.getLogger(__name__)


def fingerprint(request: Request, data: Any) -> str:
    """What the request asks for: method, path, query and its validated body, canonically encoded."""
    if isinstance(data, BaseModel):
        data = data.model_dump(mode="json")
    body = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    raw = f"{request.method} {request.url.path}?{request.url.query}\n{body}"
    return hashlib.sha256(raw.encode()).hexdigest()


def _key(request: Request) -> str | None:
    key = request.headers.get(IDEMPOTENCY_HEADER.lower())
    if key is None:
        return None
    if not 1 <= len(key) <= 255 or not key.isprintable():
        raise InvalidField(IDEMPOTENCY_HEADER, "must be 1 to 255 printable characters")
    return key


async def perform(
    request: Request,
    data: Any,
    operation: Callable[[AsyncSession, Actor], Awaitable[BaseModel]],
    *,
    status_code: int = 201,
    remember: bool = True,
    key: str | None = None,
) -> Response:
    """Run `operation` in one write transaction, idempotently when the client sent a key.

    `remember=False` is for responses that carry a secret (a new token): they are never stored.
    `key` replaces the header's key: the console's one-time form key (a form cannot send a header).
    """
    db: Database = request.app.state.db
    actor: Actor = request.user
    header_key = _key(request)  # checked even where the response is not kept (a new token): the contract says so
    key = (key or header_key) if remember else None
    slot = (actor.user_id, key) if key else None
    if slot and slot in _in_flight:
        raise Conflict("a request with this Idempotency-Key is still being processed; retry shortly",
                       field=IDEMPOTENCY_HEADER)
    if slot:
        _in_flight.add(slot)
    try:
        async with db.writing() as session:
            if key:
                replay = await _replay(session, db, actor, key, fingerprint(request, data))
                if replay is not None:
                    return replay
            result = await operation(session, actor)
            body = result.model_dump_json().encode()
            if key:
                session.add(IdempotencyRecord(user_id=actor.user_id, key=key, fingerprint=fingerprint(request, data),
                                              status_code=status_code, response=body.decode()))
                await session.flush()
        return Response(content=body, status_code=status_code, media_type="application/json")
    except IntegrityError as exc:
        raise Conflict("the write conflicted with another one; nothing was written, retry",
                       constraint=str(exc.orig.__class__.__name__)) from None
    finally:
        if slot:
            _in_flight.discard(slot)


async def _replay(session: AsyncSession, db: Database, actor: Actor, key: str, fp: str) -> Response | None:
    if not db.is_sqlite:
        got = await session.scalar(text("SELECT pg_try_advisory_xact_lock(:u, hashtext(:k))"),
                                   {"u": actor.user_id, "k": key})
        if not got:
            raise Conflict("a request with this Idempotency-Key is still being processed; retry shortly",
                           field=IDEMPOTENCY_HEADER)
    record = (
        await session.execute(
            select(IdempotencyRecord).where(IdempotencyRecord.user_id == actor.user_id, IdempotencyRecord.key == key)
        )
    ).scalar_one_or_none()
    if record is None:
        return None
    if record.fingerprint != fp:
        raise Conflict("this Idempotency-Key was already used for a different request", field=IDEMPOTENCY_HEADER)
    return Response(content=record.response.encode(), status_code=record.status_code, media_type="application/json",
                    headers={"Idempotent-Replayed": "true"})


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
