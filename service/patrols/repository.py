"""Who may read which patrol log, team, stipend rule and run, each written once as a query (get, list
and review use it)."""

from __future__ import annotations

from sqlalchemy import Select, false, select

from service.auth.actor import Actor
from service.auth.models import Role
from service.auth.scope import county_rule
from service.patrols.models import PatrolLog, PatrolLogMember, PatrolTeam, StipendRule, StipendRun


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


def readable_teams(actor: Actor) -> Select[PatrolTeam]:
    """Teams of the actor's county (every team for admins and auditors)."""
    return select(PatrolTeam).where(county_rule(actor, PatrolTeam.county_code))


def readable_rules(actor: Actor) -> Select[StipendRule]:
    return select(StipendRule).where(county_rule(actor, StipendRule.county_code))


def readable_runs(actor: Actor) -> Select[StipendRun]:
    return select(StipendRun).where(county_rule(actor, StipendRun.county_code))
