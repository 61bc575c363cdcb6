"""Request dependencies shared by every domain's routes."""

from __future__ import annotations

from collections.abc import AsyncIterator

from litestar import Request
from litestar.datastructures import State
from litestar.di import Provide
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.actor import Actor


async def provide_session(state: State) -> AsyncIterator[AsyncSession]:
    """A read session. Writes go through `service.writes.perform` instead."""
    async with state.db.reading() as session:
        yield session


def provide_actor(request: Request) -> Actor:
    return request.user


dependencies = {"session": Provide(provide_session), "actor": Provide(provide_actor, sync_to_thread=False)}
