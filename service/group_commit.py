"""Group commit: concurrent write requests in one process hand their work to one writer, which runs
them one after another in a single transaction and commits them together (one fsync for many).

Every rule still holds per request: each runs inside its own SAVEPOINT, so a refusal (insufficient
funds, a duplicate, a bad account, any error) rolls back that request alone and its client gets the
same problem as before, while the others go on. Each request sees the balances, chain head and
idempotency keys as the requests before it in the group left them, so funds are checked against the
balances after earlier commands. The group commits whole or not at all: a crash loses only requests
that were never acknowledged, and their clients retry with their keys. A request the database aborted
for a deadlock or a serialization failure is run again on its own (see `writes.retrying`).

Requests that say how to run many of their kind at once (a `Batch`: entering payments) are run as
one command when a whole group is of that kind: the rows of all of them go in with a few multi-row
statements instead of a dozen statements each, which is most of the time a group holds the write
lock. That form is only for the case where every request of the group succeeds: if any of them would
be refused (or anything else goes wrong), its transaction rolls back whole and the group runs again
one request after another, as above, so each refusal still reaches its own client alone.

A single write locks its accounts in id order and the chain head last, so single writes cannot
deadlock; a group takes its requests' locks one request after another, in no global order. Two
processes' groups (`shanshui serve --workers 2` on PostgreSQL) would deadlock on each other's accounts,
each waiting the database's deadlock_timeout (1 s) before one is aborted. So every transaction of a
group writer first takes one PostgreSQL advisory lock: the groups of all processes run one at a time
(the chain head serialises their postings anyway), while each process parses, validates and answers
its requests in parallel. SQLite has one writer already (`Database.writing`).

A group written as one command (a `Batch`) takes that lock shared: such groups take their row locks
in one global order (payments, then entries, then accounts in one statement in id order, then the
chain head), so the groups of several processes may run at the same time; a group run request by
request waits until none of them runs, and they for it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from service.db import Database, retryable

Work = Callable[[AsyncSession], Awaitable[Any]]
MAX_GROUP = 256  # requests per transaction: bounds the time a group holds the write lock
GROUP_LOCK = 0x5348_4E47  # the advisory lock key every process's group writer takes first ("SHNG")
_TAKE_GROUP_LOCK = text("SELECT pg_advisory_xact_lock(:key)")
_SHARE_GROUP_LOCK = text("SELECT pg_advisory_xact_lock_shared(:key)")


@dataclass(frozen=True)
class Batch:
    """How to run a group of requests of one kind as one command: `run(session, items)` returns one
    result per item, in order, or raises (then the group runs one request at a time)."""

    run: Callable[[AsyncSession, list[Any]], Awaitable[list[Any]]]
    item: Any


class _Refused(Exception):
    """A request of a group run without savepoints failed; the group runs again, one savepoint each."""


def raise_or_fail(r: _Request, exc: Exception, *, alone: bool) -> None:
    """A group of one fails its transaction (`_run` answers it, or retries a deadlock on its own);
    in a larger group the request's savepoint rolled back and only its client is told."""
    if alone:
        raise exc
    r.done.set_exception(exc)


@dataclass
class _Request:
    work: Work
    batch: Batch | None = None
    done: asyncio.Future[Any] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class GroupWriter:
    """One per process and database; started on first use, stopped with `close`."""

    def __init__(self, db: Database, retry: Callable[[Database, Work], Awaitable[Any]]) -> None:
        self.db = db
        self.retry = retry
        self.queue: asyncio.Queue[_Request] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None
        self.groups = self.requests = 0  # committed so far (the bench reports the mean group size)
        self.aborted = 0  # transactions the database aborted (deadlock, serialization failure)
        self.batched = 0  # groups run as one command (`Batch`)

    @contextlib.asynccontextmanager
    async def _transaction(self, shared: bool = False) -> Any:
        async with self.db.writing() as session:
            await _group_lock(session, self.db, shared)
            yield session

    async def submit(self, work: Work, batch: Batch | None = None) -> Any:
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._run())
        request = _Request(work, batch)
        await self.queue.put(request)
        return await request.done

    async def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task

    async def _run(self) -> None:
        while True:
            group = [await self.queue.get()]
            await asyncio.sleep(0)  # let requests already on their way join this group
            while len(group) < MAX_GROUP and not self.queue.empty():
                group.append(self.queue.get_nowait())
            try:
                await self._commit(group)
            except Exception as exc:  # the group's transaction failed whole: nothing of it was written
                self._note(exc)
                for r in group:
                    if r.done.done():
                        continue
                    if isinstance(exc, DBAPIError) and retryable(exc):
                        asyncio.get_running_loop().create_task(self._alone(r))
                    else:
                        r.done.set_exception(exc)

    async def _commit(self, group: list[_Request]) -> None:
        live = [r for r in group if not r.done.cancelled()]  # a client that went away before its turn
        if len(live) > 1 and _one_kind(live):
            try:
                await self._as_one(live)
                return
            except Exception as exc:  # rolled back whole: the requests run one by one instead
                self._note(exc)
        if len(live) > 1:
            try:
                await self._together(live)
                return
            except _Refused:  # one request failed: the transaction rolled back, nothing of the group was written
                pass
        await self._isolated(live)

    async def _together(self, group: list[_Request]) -> None:
        """The common case, every request succeeds: run them one after another, no savepoints."""
        results: list[Any] = []
        async with self._transaction() as session:
            for r in group:
                try:
                    results.append(await r.work(session))
                    await session.flush()  # the ORM changes it made, before they are let go
                except Exception as exc:
                    self._note(exc)
                    raise _Refused from exc
                session.expunge_all()  # the next request starts as in a session of its own
        self._acknowledge(list(zip(group, results, strict=True)))

    async def _as_one(self, group: list[_Request]) -> None:
        """A group whose requests are all of one `Batch` kind, run as one command."""
        run = group[0].batch.run  # type: ignore[union-attr]  # `_one_kind` checked
        async with self._transaction(shared=True) as session:
            results = await run(session, [r.batch.item for r in group])  # type: ignore[union-attr]
            if len(results) != len(group):  # before the commit: a result for every request, or none
                raise AssertionError(f"a batch of {len(group)} gave {len(results)} results")
        self.batched += 1
        self._acknowledge(list(zip(group, results, strict=True)))

    async def _isolated(self, group: list[_Request]) -> None:
        """Each request in a savepoint of its own, so that a refusal rolls back that request alone."""
        results: list[tuple[_Request, Any]] = []
        again: list[_Request] = []
        async with self._transaction() as session:
            for r in group:
                try:
                    if len(group) == 1:  # its own transaction is its savepoint
                        results.append((r, await r.work(session)))
                        await session.flush()
                    else:
                        async with session.begin_nested():
                            results.append((r, await r.work(session)))
                except DBAPIError as exc:
                    if retryable(exc) and len(group) > 1:
                        self.aborted += 1  # its savepoint; alone, `_run` counts it
                        again.append(r)  # run again on its own, after this group
                    else:
                        raise_or_fail(r, exc, alone=len(group) == 1)
                except Exception as exc:
                    raise_or_fail(r, exc, alone=len(group) == 1)
                session.expunge_all()
        self._acknowledge(results)
        for r in again:
            asyncio.get_running_loop().create_task(self._alone(r))

    def _note(self, exc: Exception) -> None:
        if isinstance(exc, DBAPIError) and retryable(exc):
            self.aborted += 1

    def _acknowledge(self, results: list[tuple[_Request, Any]]) -> None:
        """Answer the group's requests: only once the group is durable."""
        self.groups += 1
        self.requests += len(results)
        for r, result in results:
            if not r.done.done():
                r.done.set_result(result)

    async def _alone(self, r: _Request) -> None:
        async def locked(session: AsyncSession) -> Any:
            await _group_lock(session, self.db)
            return await r.work(session)

        try:
            r.done.set_result(await self.retry(self.db, locked))
        except Exception as exc:
            if not r.done.done():
                r.done.set_exception(exc)


def _one_kind(group: list[_Request]) -> bool:
    first = group[0].batch
    return first is not None and all(r.batch is not None and r.batch.run is first.run for r in group)


async def _group_lock(session: AsyncSession, db: Database, shared: bool = False) -> None:
    """Wait for the other processes' groups (PostgreSQL; released when the transaction ends)."""
    if not db.is_sqlite:
        await session.execute(_SHARE_GROUP_LOCK if shared else _TAKE_GROUP_LOCK, {"key": GROUP_LOCK})
