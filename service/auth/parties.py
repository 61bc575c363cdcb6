"""Whether a party exists, for the packages below the parties domain (auth's users, the ledger's
accounts): the parties table by name, so they need not import the domain that imports them."""

from __future__ import annotations

from sqlalchemy import column, select, table
from sqlalchemy.ext.asyncio import AsyncSession

PARTIES = table("parties", column("id"))  # tests/test_named_tables.py checks the names against the model


async def party_exists(session: AsyncSession, party_id: int) -> bool:
    return await session.scalar(select(PARTIES.c.id).where(PARTIES.c.id == party_id)) is not None
