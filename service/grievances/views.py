"""Grievances as the API shows them: in full to those who may read them, and by tracking code to anyone."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db import utcnow
from service.grievances import service
from service.grievances.models import EventKind, Grievance, GrievanceStatus
from service.grievances.schemas import (
    EventOut,
    GrievanceOut,
    PublicEventOut,
    TrackingOut,
)
from service.ledger.models import JournalEntry

PUBLIC_EVENTS = (EventKind.ANSWER, EventKind.ESCALATED, EventKind.RESOLVED)


def overdue(g: Grievance) -> bool:
    return g.status != GrievanceStatus.RESOLVED and g.deadline_at < utcnow()


async def full(session: AsyncSession, g: Grievance) -> GrievanceOut:
    sequence = await session.scalar(select(JournalEntry.sequence).where(JournalEntry.id == g.entry_id)) \
        if g.entry_id else None
    steps = [EventOut(kind=e.kind, text=e.text, bank_reference=e.bank_reference, entry_sequence=s, by_user=e.by_user,
                      at=e.at) for e, s in await service.events(session, g.id)]
    return GrievanceOut(id=g.id, code=g.code, county_code=g.county_code, party_id=g.party_id, entry_sequence=sequence,
                        kind=g.kind, text=g.text, expected=g.expected, status=g.status, overdue=overdue(g),
                        filed_at=g.filed_at, deadline_at=g.deadline_at, escalated_at=g.escalated_at,
                        resolved_at=g.resolved_at, events=steps)


async def tracking(session: AsyncSession, g: Grievance) -> TrackingOut:
    steps = [e for e, _ in await service.events(session, g.id)]
    return TrackingOut(code=g.code, kind=g.kind, status=g.status, overdue=overdue(g), filed_at=g.filed_at,
                       deadline_at=g.deadline_at, resolved_at=g.resolved_at,
                       answers=[PublicEventOut(kind=e.kind, text=e.text, at=e.at) for e in steps
                                if e.kind in PUBLIC_EVENTS],
                       evidence_attached=sum(e.kind == EventKind.EVIDENCE for e in steps))
