"""File a grievance, answer it, attach evidence, resolve or escalate it; escalate the overdue ones.

A grievance belongs to a household or village (its `party_id`) and the county it lives in. It is
open until an official resolves it; past its deadline (GRIEVANCE_DEADLINE_DAYS, 15 by default) it
goes to the county's approvers, and the audit report flags it.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.actor import Actor
from service.auth.models import Role
from service.db import fetch_one, utcnow
from service.errors import Conflict, Forbidden, InvalidField, NotFound
from service.grievances.models import (
    EventKind,
    Grievance,
    GrievanceEvent,
    GrievanceStatus,
)
from service.grievances.repository import readable
from service.grievances.schemas import AnswerIn, EvidenceIn, GrievanceIn
from service.ledger.models import EntryStatus, JournalEntry, Posting
from service.parties.service import benefit_account_id, get_visible

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed from paper
FILERS = (Role.COMMUNITY, Role.OFFICIAL)
HANDLERS = (Role.OFFICIAL, Role.APPROVER)


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"G-{raw[:4]}-{raw[4:]}"


async def entry_of(session: AsyncSession, sequence: int, field: str) -> JournalEntry:
    entry = await session.scalar(select(JournalEntry).where(JournalEntry.sequence == sequence,
                                                            JournalEntry.status == EntryStatus.POSTED))
    if entry is None:
        raise InvalidField(field, f"no posted entry has sequence {sequence}")
    return entry


async def file(session: AsyncSession, actor: Actor, data: GrievanceIn, deadline_days: int) -> Grievance:
    party_id = data.party_id or actor.party_id
    if party_id is None:
        raise InvalidField("party_id", "say which household or village the grievance is for")
    party = await get_visible(session, actor, party_id)
    if party.county_code is None:
        raise InvalidField("party_id", "the party has no county to answer the grievance")
    entry_id = None
    if data.entry_sequence is not None:
        entry = await entry_of(session, data.entry_sequence, "entry_sequence")
        account = await benefit_account_id(session, party.id)
        on_statement = await session.scalar(select(Posting.id).where(Posting.entry_id == entry.id,
                                                                     Posting.account_id == account).limit(1))
        if on_statement is None:
            raise InvalidField("entry_sequence", f"entry {data.entry_sequence} is not on this party's statement")
        entry_id = entry.id
    elif data.expected is None and data.kind != "other":
        raise InvalidField("entry_sequence", "name the statement line, or describe the expected payment in `expected`")
    now = utcnow()
    g = Grievance(code=new_code(), county_code=party.county_code, party_id=party.id, entry_id=entry_id,
                  kind=data.kind, text=data.text, expected=data.expected, status=GrievanceStatus.OPEN,
                  filed_by=actor.user_id, filed_at=now, deadline_at=now + timedelta(days=deadline_days))
    session.add(g)
    await session.flush()
    session.add(GrievanceEvent(grievance_id=g.id, kind=EventKind.FILED, by_user=actor.user_id, at=now))
    await session.flush()
    return g


async def get(session: AsyncSession, actor: Actor, grievance_id: int, *, lock: bool = False) -> Grievance:
    g = await fetch_one(session, readable(actor, utcnow()).where(Grievance.id == grievance_id), lock=lock)
    if g is None:
        raise NotFound(f"grievance {grievance_id} not found")
    return g


async def list_visible(session: AsyncSession, actor: Actor, status: str | None, county_code: str | None,
                       limit: int, offset: int) -> list[Grievance]:
    q = readable(actor, utcnow())
    if status == "overdue":
        q = q.where(Grievance.status != GrievanceStatus.RESOLVED, Grievance.deadline_at < utcnow())
    elif status:
        q = q.where(Grievance.status == status)
    if county_code:
        q = q.where(Grievance.county_code == county_code)
    return list(await session.scalars(q.order_by(Grievance.deadline_at, Grievance.id).limit(limit).offset(offset)))


async def _open_for(session: AsyncSession, actor: Actor, grievance_id: int) -> Grievance:
    if actor.role not in (Role.ADMIN, *HANDLERS):
        raise Forbidden("only the county's officials and approvers act on grievances")
    g = await get(session, actor, grievance_id, lock=True)
    if g.status == GrievanceStatus.RESOLVED:
        raise Conflict(f"grievance {g.code} is already resolved")
    return g


async def answer(session: AsyncSession, actor: Actor, grievance_id: int, data: AnswerIn) -> Grievance:
    g = await _open_for(session, actor, grievance_id)
    session.add(GrievanceEvent(grievance_id=g.id, kind=EventKind.ANSWER, text=data.text, by_user=actor.user_id))
    await session.flush()
    return g


async def evidence(session: AsyncSession, actor: Actor, grievance_id: int, data: EvidenceIn) -> Grievance:
    if data.bank_reference is None and data.entry_sequence is None:
        raise InvalidField("bank_reference", "give a bank reference or the sequence of a reversal or re-payment")
    g = await _open_for(session, actor, grievance_id)
    entry_id = (await entry_of(session, data.entry_sequence, "entry_sequence")).id if data.entry_sequence else None
    session.add(GrievanceEvent(grievance_id=g.id, kind=EventKind.EVIDENCE, text=data.text,
                               bank_reference=data.bank_reference, entry_id=entry_id, by_user=actor.user_id))
    await session.flush()
    return g


async def resolve(session: AsyncSession, actor: Actor, grievance_id: int, data: AnswerIn) -> Grievance:
    g = await _open_for(session, actor, grievance_id)
    g.status, g.resolved_at = GrievanceStatus.RESOLVED, utcnow()
    session.add(GrievanceEvent(grievance_id=g.id, kind=EventKind.RESOLVED, text=data.text, by_user=actor.user_id))
    await session.flush()
    return g


async def escalate(session: AsyncSession, actor: Actor, grievance_id: int, data: AnswerIn) -> Grievance:
    g = await _open_for(session, actor, grievance_id)
    if g.status == GrievanceStatus.ESCALATED:
        raise Conflict(f"grievance {g.code} is already with the approvers")
    g.status, g.escalated_at = GrievanceStatus.ESCALATED, utcnow()
    session.add(GrievanceEvent(grievance_id=g.id, kind=EventKind.ESCALATED, text=data.text, by_user=actor.user_id))
    await session.flush()
    return g


async def escalate_overdue(session: AsyncSession, now: datetime | None = None) -> int:
    """Send every open grievance past its deadline to the approvers; returns how many."""
    now = now or utcnow()
    ids = list(await session.scalars(select(Grievance.id).where(
        Grievance.status == GrievanceStatus.OPEN, Grievance.deadline_at < now)))
    if ids:
        await session.execute(update(Grievance).where(Grievance.id.in_(ids))
                              .values(status=GrievanceStatus.ESCALATED, escalated_at=now))
        session.add_all([GrievanceEvent(grievance_id=i, kind=EventKind.ESCALATED, at=now,
                                        text="past its deadline: sent to the county's approvers") for i in ids])
        await session.flush()
    return len(ids)


async def by_code(session: AsyncSession, code: str) -> Grievance:
    g = await session.scalar(select(Grievance).where(Grievance.code == code.strip().upper()[:16]))
    if g is None:
        raise NotFound("no grievance has this tracking code")
    return g


async def events(session: AsyncSession, grievance_id: int) -> list[tuple[GrievanceEvent, int | None]]:
    """The grievance's steps, oldest first, with the sequence of any entry they name."""
    q = (select(GrievanceEvent, JournalEntry.sequence)
         .outerjoin(JournalEntry, JournalEntry.id == GrievanceEvent.entry_id)
         .where(GrievanceEvent.grievance_id == grievance_id).order_by(GrievanceEvent.at, GrievanceEvent.id))
    return [(e, s) for e, s in (await session.execute(q)).all()]
