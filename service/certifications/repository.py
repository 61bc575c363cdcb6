"""Who may read which certificate, written once as a query (get and list use it)."""

from __future__ import annotations

from sqlalchemy import Select, false, select

from service.auth.actor import Actor
from service.auth.models import Role
from service.certifications.models import Certification


def readable(actor: Actor) -> Select[Certification]:
    """Admins and auditors read every certificate, officials and approvers their county's, a community
    user those its own party holds."""
    q = select(Certification)
    if actor.reads_everything:
        return q
    if actor.role in (Role.OFFICIAL, Role.APPROVER):
        return q.where(Certification.county_code == actor.county_code)
    if actor.role == Role.COMMUNITY:
        return q.where(Certification.holder_party_id == actor.party_id)
    return q.where(false())
