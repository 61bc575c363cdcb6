"""Who may read which patrol log, written once as a query (get, list and review use it)."""

from __future__ import annotations

from sqlalchemy import Select, false, select

from service.auth.actor import Actor
from service.auth.models import Role
from service.patrols.models import PatrolLog, PatrolLogMember


def readable_logs(actor: Actor) -> Select[PatrolLog]:
    """Admins and auditors read every log, officials and approvers their county's, a community user
    the logs it patrolled in."""
    q = select(PatrolLog)
    if actor.reads_everything:
        return q
    if actor.role in (Role.OFFICIAL, Role.APPROVER):
        return q.where(PatrolLog.county_code == actor.county_code)
    if actor.role == Role.COMMUNITY:
        return q.where(PatrolLog.id.in_(
            select(PatrolLogMember.log_id).where(PatrolLogMember.member_party_id == actor.party_id)))
    return q.where(false())
