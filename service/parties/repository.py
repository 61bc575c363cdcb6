"""Who may read which party, written once as a query: get, list and every domain's party check use it."""

from __future__ import annotations

from sqlalchemy import Select, bindparam, column, false, select, table, union
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.actor import Actor
from service.auth.models import Role
from service.driver import load_one
from service.parties.models import PERSONAL_KINDS, Party

# The trusts' link tables by name: the parties package sits below the trusts domain (which imports
# parties), so the trustee's rule names the columns it reads instead of importing the models.
# tests/test_access_rules.py checks the rule against the trusts' own models.
Trust = table("trusts", column("id"), column("trustee_party_id"))
TrustSettlor = table("trust_settlors", column("trust_id"), column("party_id"))
TrustBeneficiary = table("trust_beneficiaries", column("trust_id"), column("party_id"))
TrustAllocation = table("trust_allocations", column("trust_id"), column("beneficiary_party_id"))


def trust_party_ids(trust_id: int | None):
    """The parties of a trust: its trustee, settlors, beneficiaries and the recipients of its purposes."""
    return union(
        select(Trust.c.trustee_party_id).where(Trust.c.id == trust_id),
        select(TrustSettlor.c.party_id).where(TrustSettlor.c.trust_id == trust_id),
        select(TrustBeneficiary.c.party_id).where(TrustBeneficiary.c.trust_id == trust_id),
        select(TrustAllocation.c.beneficiary_party_id).where(TrustAllocation.c.trust_id == trust_id,
                                                             TrustAllocation.c.beneficiary_party_id.is_not(None)),
    )


def readable(actor: Actor) -> Select[Party]:
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
    return await load_one(session, Party, ("readable", actor.scope),
                          lambda: readable(actor).where(Party.id == bindparam("v_id")), {"v_id": party_id})
