"""Who may read which ledger account, written once as a query (the account list, one account and its
balance all narrow it)."""

from __future__ import annotations

from sqlalchemy import Select, false, select

from service.auth.actor import Actor
from service.auth.models import Role
from service.auth.scope import county_rule
from service.ledger.models import Account


def readable_accounts(actor: Actor) -> Select[Account]:
    """Admins and auditors read every account, a household or village its own, a trustee its trust's,
    officials and approvers their county's (none without a county)."""
    q = select(Account)
    if actor.reads_everything:
        return q
    if actor.role == Role.COMMUNITY:
        return q.where(Account.party_id == actor.party_id) if actor.party_id is not None else q.where(false())
    if actor.role == Role.TRUSTEE:
        return q.where(Account.trust_id == actor.trust_id) if actor.trust_id is not None else q.where(false())
    return q.where(county_rule(actor, Account.county_code))
