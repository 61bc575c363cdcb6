"""Who may read which trust, written once as a query: get, list and the console narrow it."""

from __future__ import annotations

from sqlalchemy import Select, false, select

from service.auth.actor import Actor
from service.auth.models import Role
from service.auth.scope import county_rule
from service.trusts.models import Trust


def readable(actor: Actor) -> Select[Trust]:
    """Admins and auditors read every trust, a trustee its own, officials and approvers their county's."""
    if actor.role == Role.TRUSTEE:
        return select(Trust).where(Trust.id == actor.trust_id if actor.trust_id is not None else false())
    return select(Trust).where(county_rule(actor, Trust.county_code))
