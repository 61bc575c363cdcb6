"""Who may read which party, written once as a query: get, list and every domain's party check use it."""

from __future__ import annotations

from sqlalchemy import Select, false, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.actor import Actor
from service.auth.models import Role
from service.db import fetch_one
from service.parties.models import PERSONAL_KINDS, Party
from service.trusts.models import Trust, TrustAllocation, TrustBeneficiary, TrustSettlor


def trust_party_ids(trust_id: int | None):
    """The parties of a trust: its trustee, settlors, beneficiaries and the recipients of its purposes."""
    return union(
        select(Trust.trustee_party_id).where(Trust.id == trust_id),
        select(TrustSettlor.party_id).where(TrustSettlor.trust_id == trust_id),
        select(TrustBeneficiary.party_id).where(TrustBeneficiary.trust_id == trust_id),
        select(TrustAllocation.beneficiary_party_id).where(TrustAllocation.trust_id == trust_id,
                                                           TrustAllocation.beneficiary_party_id.is_not(None)),
    )


def readable(actor: Actor) -> Select[tuple[Party]]:
    """Admins and auditors read every party; officials and approvers their county's, and organisations
    and villages with no county; a trustee the parties of its own trust; a community user itself."""
    q = select(Party)
    if actor.reads_everything:
        return q
    if actor.role == Role.COMMUNITY:
        return q.where(Party.id == actor.party_id)
    if actor.role == Role.TRUSTEE:
        return q.where(Party.id.in_(trust_party_ids(actor.trust_id)))
    if actor.role in (Role.OFFICIAL, Role.APPROVER):
        return q.where((Party.county_code == actor.county_code)
                       | (Party.county_code.is_(None) & Party.kind.not_in(PERSONAL_KINDS)))
    return q.where(false())


async def find_readable(session: AsyncSession, actor: Actor, party_id: int) -> Party | None:
    return await fetch_one(session, readable(actor).where(Party.id == party_id))
