"""Who may read which share agreement, written once as a query: get, list and histories narrow it."""

from __future__ import annotations

from sqlalchemy import Select, false, select

from service.auth.actor import Actor
from service.auth.models import Role
from service.auth.scope import county_rule
from service.shares.models import ShareAgreement


def readable(actor: Actor) -> Select[ShareAgreement]:
    """Admins and auditors read every agreement, a trustee its trust's, officials and approvers their
    county's. (A household reads its own shares through its history, not the agreements.)"""
    if actor.role == Role.TRUSTEE:
        return select(ShareAgreement).where(
            ShareAgreement.trust_id == actor.trust_id if actor.trust_id is not None else false())
    return select(ShareAgreement).where(county_rule(actor, ShareAgreement.county_code))
