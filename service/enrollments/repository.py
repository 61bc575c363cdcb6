"""Who may read which enrollment and change request, written once as a query."""

from __future__ import annotations

from sqlalchemy import Select, false, select

from service.auth.actor import Actor
from service.auth.models import Role
from service.enrollments.models import ChangeRequest, Cycle, Enrollment

COUNTY_ROLES = (Role.OFFICIAL, Role.APPROVER)


def readable(actor: Actor) -> Select[Enrollment]:
    """Admins and auditors read every enrollment; officials and approvers their county's; nobody else."""
    return _scoped(select(Enrollment), Enrollment.county_code, actor)


def readable_changes(actor: Actor) -> Select[ChangeRequest]:
    return _scoped(select(ChangeRequest), ChangeRequest.county_code, actor)


def readable_cycles(actor: Actor) -> Select[Cycle]:
    return _scoped(select(Cycle), Cycle.county_code, actor)


def _scoped(q: Select, county_column, actor: Actor) -> Select:
    if actor.reads_everything:
        return q
    if actor.role in COUNTY_ROLES:  # an official without a county acts everywhere, as Actor.in_county says
        return q if actor.county_code is None else q.where(county_column == actor.county_code)
    return q.where(false())
