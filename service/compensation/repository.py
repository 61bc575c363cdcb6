"""Who may read which program, payment, batch, funding and reconciliation, written once as queries:
get (`fetch_one(session, readable_x(actor).where(X.id == ...))`), list, export and console narrow these."""

from __future__ import annotations

from sqlalchemy import Select, select

from service.auth.actor import Actor
from service.auth.models import Role
from service.auth.scope import county_rule
from service.compensation.models import (
    Funding,
    Payment,
    PaymentBatch,
    Program,
    Reconciliation,
)


def readable_programs(actor: Actor) -> Select[Program]:
    return select(Program).where(county_rule(actor, Program.county_code))


def readable_payments(actor: Actor) -> Select[Payment]:
    """A community user reads the payments made to itself; officials and approvers their county's."""
    if actor.role == Role.COMMUNITY:
        return select(Payment).where(Payment.payee_party_id == actor.party_id)
    return select(Payment).where(county_rule(actor, Payment.county_code))


def readable_batches(actor: Actor) -> Select[PaymentBatch]:
    return select(PaymentBatch).where(county_rule(actor, PaymentBatch.county_code))


def readable_fundings(actor: Actor) -> Select[Funding]:
    return select(Funding).where(county_rule(actor, Funding.county_code))


def readable_reconciliations(actor: Actor) -> Select[Reconciliation]:
    """A run entered by an admin has no county: only those who read everything see it."""
    return select(Reconciliation).where(county_rule(actor, Reconciliation.county_code))
