"""The audit report's `overdue_grievance` finding: a grievance still open past its deadline (a property
of now, not of the report's ledger point)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db import utcnow
from service.grievances.models import Grievance, GrievanceStatus
from service.ledger.models import JournalEntry

CHECK = "overdue_grievance"


async def overdue_findings(session: AsyncSession) -> list[dict[str, Any]]:
    now = utcnow()
    q = (select(Grievance, JournalEntry.sequence).outerjoin(JournalEntry, JournalEntry.id == Grievance.entry_id)
         .where(Grievance.status != GrievanceStatus.RESOLVED, Grievance.deadline_at < now)
         .order_by(Grievance.deadline_at))
    return [{"check": CHECK,
             "detail": f"grievance {g.code} ({g.kind.replace('_', ' ')}) in county {g.county_code} is {g.status} "
                       f"{(now - g.deadline_at).days} days past its deadline of {g.deadline_at.date().isoformat()}",
             "sequences": [seq] if seq else [], "amount": None,
             "facts": {"grievance_id": g.id, "code": g.code, "county_code": g.county_code, "status": g.status,
                       "deadline": g.deadline_at.isoformat()}}
            for g, seq in (await session.execute(q)).all()]
