"""Every write request goes through `perform`: one transaction, an optional Idempotency-Key, and
the first response stored with the write itself, so a retry can never write twice.

- same key, same request  -> the stored first response (header `Idempotent-Replayed: true`)
- same key, other request -> 409
- same key while the first request is still running -> 409
A failed request stores nothing, so the client may correct it and retry with the same key.
With group commit on (the default), concurrent requests share one transaction, each in a savepoint
of its own (service/group_commit.py). A transaction the database aborted for a deadlock or a serialization failure is run again, a bounded
number of times; if it still cannot commit the client gets a 409 saying nothing was written.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from litestar import Request, Response
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from service import idempotency
from service.auth.actor import Actor
from service.db import Database, retryable
from service.errors import Conflict, InvalidField
from service.group_commit import Batch
from service.idempotency import IDEMPOTENCY_HEADER

__all__ = ["IDEMPOTENCY_HEADER", "fingerprint", "perform", "retryable", "retrying"]

T = TypeVar("T")
ATTEMPTS = 5
# Many requests of one kind written as one command: (actor, validated body) each -> one output each
Together = Callable[[AsyncSession, list[tuple[Actor, Any]]], Awaitable[Sequence[BaseModel]]]


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


async def retrying(db: Database, work: Callable[[AsyncSession], Awaitable[T]], attempts: int = ATTEMPTS) -> T:
    """Run `work` in one write transaction; again (after a short random pause) if the database
    aborted it for a deadlock or a serialization failure. `work` must only touch the session."""
    for attempt in range(1, attempts + 1):
        try:
            async with db.writing() as session:
                return await work(session)
        except DBAPIError as exc:
            if not retryable(exc):
                raise
            if attempt == attempts:
                raise Conflict(f"the database could not serialise this write with concurrent ones after {attempts} "
                               "attempts; nothing was written, retry", reason="busy") from None
            await asyncio.sleep(random.uniform(0, 0.005 * 2**attempt))
    raise AssertionError("unreachable")


async def perform(
    request: Request,
    data: Any,
    operation: Callable[[AsyncSession, Actor], Awaitable[BaseModel]],
    *,
    status_code: int = 201,
    remember: bool = True,
    key: str | None = None,
    together: Together | None = None,
    item: Any = None,
) -> Response:
    """Run `operation` in one write transaction, idempotently when the client sent a key.

    `remember=False` is for responses that carry a secret (a new token): they are never stored.
    `key` replaces the header's key: the console's one-time form key (a form cannot send a header).
    `together`: how to write many such requests as one command, when a group commit holds only
    requests of this kind (service/group_commit.py); `operation` stays the definition of one request.
    Each request gives it `item` (default: `data`) with its actor.
    """
    db: Database = request.app.state.db
    # (user, key) pairs this app (worker) is running now: a second request with the key answers 409 at
    # once instead of waiting for the first one's transaction. Per app, like the token cache.
    in_flight: set[tuple[int, str]] = request.app.state.in_flight
    actor: Actor = request.user
    header_key = _key(request)  # checked even where the response is not kept (a new token): the contract says so
    key = (key or header_key) if remember else None
    slot = (actor.user_id, key) if key else None
    if slot and slot in in_flight:
        raise idempotency.busy()
    fp = fingerprint(request, data) if key else ""

    async def work(session: AsyncSession) -> Response:
        if key:
            replay = await idempotency.replay(session, db, actor.user_id, key, fp)
            if replay is not None:
                return replay
        body = (await operation(session, actor)).model_dump_json().encode()
        if key:
            await idempotency.remember(session, actor.user_id, key, fp, status_code, body)
        return Response(content=body, status_code=status_code, media_type="application/json")

    if slot:
        in_flight.add(slot)
    try:
        if db.group_commit:
            batch = Batch(_as_one(together), _Item(actor, key, fp, status_code, data if item is None else item)) if together else None
            return await db.group_writer(retrying).submit(work, batch)  # type: ignore[no-any-return]
        return await retrying(db, work)
    except IntegrityError as exc:
        raise Conflict("the write conflicted with another one; nothing was written, retry",
                       constraint=str(exc.orig.__class__.__name__)) from None
    finally:
        if slot:
            in_flight.discard(slot)


@dataclass(frozen=True)
class _Item:
    """One request of a group run as one command."""

    actor: Actor
    key: str | None
    fingerprint: str
    status_code: int
    data: Any


class _SeenKey(Exception):
    """A key of the group was used before (or is held elsewhere): the group runs request by request,
    where that request gets its replay or its 409."""


@functools.cache
def _as_one(together: Together) -> Callable[[AsyncSession, list[_Item]], Awaitable[list[Response]]]:
    """`perform`'s `work` for many requests at once: the same idempotency records and responses."""

    async def run(session: AsyncSession, items: list[_Item]) -> list[Response]:
        keyed = [(i.actor.user_id, i.key) for i in items if i.key]
        if keyed and not await idempotency.all_new(session, keyed):
            raise _SeenKey()
        bodies = [out.model_dump_json().encode() for out in await together(session, [(i.actor, i.data) for i in items])]
        await idempotency.remember_all(session, [
            idempotency.record_row(i.actor.user_id, i.key, i.fingerprint, i.status_code, body)
            for i, body in zip(items, bodies, strict=True) if i.key])
        return [Response(content=body, status_code=i.status_code, media_type="application/json")
                for i, body in zip(items, bodies, strict=True)]

    return run
