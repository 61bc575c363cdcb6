"""Who may read which grievance, written once as a query (get, list and every action use it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, false, or_, select

from service.auth.actor import Actor
from service.auth.models import Role
from service.grievances.models import Grievance, GrievanceStatus


def readable(actor: Actor, now: datetime) -> Select[Grievance]:
    """Admins and auditors read all; officials their county's; approvers their county's escalated or
    overdue ones; a household or village its own."""
    q = select(Grievance)
    if actor.reads_everything:
        return q
    if actor.role == Role.OFFICIAL:
        return q.where(Grievance.county_code == actor.county_code)
    if actor.role == Role.APPROVER:
        return q.where(Grievance.county_code == actor.county_code, or_(
            Grievance.status == GrievanceStatus.ESCALATED,
            (Grievance.status == GrievanceStatus.OPEN) & (Grievance.deadline_at < now)))
    if actor.role == Role.COMMUNITY:
        return q.where(Grievance.party_id == actor.party_id)
    return q.where(false())
