"""Turning trust rows and ledger figures into API outputs."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service import money
from service.ledger import service as ledger
from service.parties.models import Party
from service.schemas import with_fields
from service.trusts import rules
from service.trusts import service as trusts
from service.trusts.models import Contribution, Disbursement, Trust, TrustAllocation, TrustBeneficiary, TrustSettlor
from service.trusts.schemas import (
    AllocationOut, ContributionOut, DisbursementOut, PartyRef, PurposeLine, SettlorLine, SettlorOut, StatementLine,
    StatementTotals, TrustOut, TrustStatementOut,
)
from service.trusts.statement import summarize


async def _names(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict((await session.execute(select(Party.id, Party.name).where(Party.id.in_(ids)))).all())


async def _settlors(session: AsyncSession, trust_id: int) -> list[TrustSettlor]:
    return list((await session.execute(
        select(TrustSettlor).where(TrustSettlor.trust_id == trust_id).order_by(TrustSettlor.id))).scalars())


async def trust_out(session: AsyncSession, trust: Trust) -> TrustOut:
    settlors = await _settlors(session, trust.id)
    beneficiaries = list((await session.execute(select(TrustBeneficiary.party_id).where(
        TrustBeneficiary.trust_id == trust.id).order_by(TrustBeneficiary.id))).scalars())
    allocs = await trusts.allocations(session, trust.id)
    names = await _names(session, {trust.trustee_party_id, *beneficiaries, *(s.party_id for s in settlors)})
    account = await ledger.get_account(session, trusts.account_of(trust))
    return TrustOut.model_validate(with_fields(
        trust, trustee_name=names.get(trust.trustee_party_id, ""), balance=account.posted_balance,
        available=account.available_balance,
        settlors=[SettlorOut.model_validate(with_fields(s, name=names.get(s.party_id, ""))) for s in settlors],
        beneficiaries=[PartyRef(party_id=p, name=names.get(p, "")) for p in beneficiaries],
        allocations=[AllocationOut.model_validate(a) for a in allocs]))


def contribution_out(trust: Trust, c: Contribution) -> ContributionOut:
    return ContributionOut.model_validate(with_fields(
        c, net=c.amount - c.fee, fee_rule=rules.fee_rule(c.amount, trust.fee_bps, trust.fee_minimum, c.currency)))


def disbursement_out(trust: Trust, d: Disbursement, alloc: TrustAllocation) -> DisbursementOut:
    return DisbursementOut.model_validate(with_fields(d, purpose=alloc.key, currency=trust.currency))


async def statement_out(session: AsyncSession, trust: Trust, as_of_date: date | None) -> TrustStatementOut:
    flows = await trusts.load_flows(session, trust, as_of_date)
    s = summarize(flows)
    allocs = await trusts.allocations(session, trust.id)
    by_id = {a.id: a for a in allocs}
    room = rules.headroom(s.net_contributions, [(a.id, a.share_bps) for a in allocs], s.by_allocation)
    settlors = await _settlors(session, trust.id)
    names = await _names(session, {x.party_id for x in settlors})
    ledger_balance = (await ledger.balance(session, trusts.account_of(trust), as_of_date=as_of_date)).posted
    fee_balance = (await ledger.balance(session, trusts.fee_account_of(trust), as_of_date=as_of_date)).posted
    sequence, hash_ = await ledger.head(session)
    f = lambda m: money.format(m, trust.currency)  # noqa: E731
    settlor_lines = []
    for x in settlors:
        got = s.by_settlor.get(x.party_id, {"contributed": 0, "fees": 0})
        paid_in = (await ledger.balance(session, x.source_account_id, as_of_date=as_of_date)).posted
        settlor_lines.append(SettlorLine(
            party_id=x.party_id, name=names.get(x.party_id, ""), category=x.category, contributed=f(got["contributed"]),
            fees=f(got["fees"]), net=f(got["contributed"] - got["fees"]), source_account_id=x.source_account_id,
            source_account_paid_in=f(paid_in)))
    return TrustStatementOut(
        trust_id=trust.id, name=trust.name, currency=trust.currency, trustee_party_id=trust.trustee_party_id,
        agreement_reference=trust.agreement_reference, as_of_date=as_of_date, ledger_sequence=sequence,
        ledger_hash=hash_, account_id=trusts.account_of(trust), ledger_balance=f(ledger_balance),
        fee_account_balance=f(fee_balance), ties_to_ledger=s.balance == ledger_balance,
        totals=StatementTotals(contributions=f(s.contributions), fees=f(s.fees), net_contributions=f(s.net_contributions),
                               disbursements=f(s.disbursements), other_adjustments=f(s.other), balance=f(s.balance)),
        settlors=settlor_lines,
        purposes=[PurposeLine(key=a.key, name=a.name, share_bps=a.share_bps, beneficiary_party_id=a.beneficiary_party_id,
                              entitlement=f(room[a.id].entitlement), disbursed=f(room[a.id].disbursed),
                              remaining=f(room[a.id].remaining)) for a in allocs],
        lines=[StatementLine(sequence=fl.sequence, entry_id=fl.entry_id, effective_date=fl.effective_date, kind=fl.kind,
                             reversal=fl.reversal, amount=f(fl.amount), balance_after=f(run),
                             settlor_party_id=fl.settlor_party_id,
                             purpose=by_id[fl.allocation_id].key if fl.allocation_id in by_id else None, memo=fl.memo)
               for fl, run in s.running],
    )
