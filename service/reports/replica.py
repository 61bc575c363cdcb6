"""Where reports read from: the primary, or a PostgreSQL streaming replica (SHANSHUI_REPORTS_DATABASE_URL).

A replica may be a few entries behind. A report is always computed at one (sequence, hash) of the
chain, so a lagging replica still gives a correct, reproducible report "as of" its own head; the
response says that point and how far the primary has moved on since (X-Ledger-Behind-Primary, in
entries), so nobody mistakes an older head for the newest one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from litestar.datastructures import State
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.ledger.models import LedgerHead


def _reports_db(state: State):
    return getattr(state, "reports_db", None) or state.db


async def provide_report_session(state: State) -> AsyncIterator[AsyncSession]:
    """A read session on the reports database (the replica when one is configured)."""
    async with _reports_db(state).reading() as session:
        yield session


async def _head(session: AsyncSession) -> int:
    return int(await session.scalar(select(LedgerHead.sequence).where(LedgerHead.id == 1)) or 0)


async def lag_headers(state: State, session: AsyncSession) -> dict[str, str]:
    """How far the database the report was read from is behind the primary, in entries."""
    if _reports_db(state) is state.db:
        return {"X-Ledger-Behind-Primary": "0"}
    replica_head = await _head(session)
    async with state.db.reading() as primary:
        primary_head = await _head(primary)
    return {"X-Ledger-Behind-Primary": str(max(0, primary_head - replica_head)),
            "X-Ledger-Primary-Sequence": str(primary_head)}
