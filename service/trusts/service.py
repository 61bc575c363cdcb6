"""Trusts: creating them, contributions in (fee first), disbursements out (within each purpose's
share), and the statement. Money moves only through the ledger; these functions say why it moves."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service import money
from service.auth.actor import Actor
from service.auth.models import Role
from service.db import fetch_one, present
from service.errors import Conflict, Forbidden, InsufficientFunds, InvalidField, NotFound
from service.ledger import service as ledger
from service.ledger.models import AccountKind, EntryStatus, JournalEntry, Posting
from service.parties import service as parties
from service.parties.models import Party, PartyKind
from service.trusts import repository, rules
from service.trusts.models import (
    Contribution, Disbursement, Trust, TrustAllocation, TrustBeneficiary, TrustSettlor,
)
from service.trusts.schemas import ContributionIn, DisbursementIn, SettlorIn, TrustIn
from service.trusts.statement import Flow, summarize

# --- access ----------------------------------------------------------------------------------


def account_of(trust: Trust) -> int:
    """The trust's own account (opened right after the trust's row is inserted)."""
    return present(trust.account_id, "the trust's account")


def fee_account_of(trust: Trust) -> int:
    return present(trust.fee_account_id, "the trust's fee account")


def can_manage(actor: Actor, trust: Trust) -> bool:
    return actor.role == Role.ADMIN or (actor.role == Role.TRUSTEE and actor.trust_id == trust.id)


async def get_visible(session: AsyncSession, actor: Actor, trust_id: int, *, lock: bool = False) -> Trust:
    trust = await fetch_one(session, repository.readable(actor).where(Trust.id == trust_id), lock=lock)
    if trust is None:
        raise NotFound(f"trust {trust_id} not found")
    return trust


async def get_managed(session: AsyncSession, actor: Actor, trust_id: int) -> Trust:
    trust = await get_visible(session, actor, trust_id, lock=True)
    if not can_manage(actor, trust):
        raise Forbidden("only the trust's trustee (or an admin) may record money for it")
    return trust


async def list_visible(session: AsyncSession, actor: Actor, *, county_code: str | None, limit: int, offset: int) -> list[Trust]:
    q = repository.readable(actor).order_by(Trust.id)
    if county_code:
        q = q.where(Trust.county_code == county_code)
    return list((await session.execute(q.limit(limit).offset(offset))).scalars())


# --- creating a trust ------------------------------------------------------------------------


async def _party(session: AsyncSession, party_id: int, field: str) -> Party:
    party = await session.get(Party, party_id)
    if party is None:
        raise InvalidField(field, f"unknown party {party_id}")
    return party


async def create_trust(session: AsyncSession, actor: Actor, data: TrustIn) -> Trust:
    trustee = await _party(session, data.trustee_party_id, "trustee_party_id")
    if trustee.kind != PartyKind.ORGANISATION:
        raise InvalidField("trustee_party_id", "the trustee must be an organisation (a trust company or bank)")
    if await session.scalar(select(Trust.id).where(Trust.name == data.name)):
        raise Conflict(f"a trust named {data.name!r} already exists", field="name")
    money.exponent(data.currency)
    trust = Trust(
        name=data.name, purpose=data.purpose, trustee_party_id=trustee.id, division_code=data.division_code,
        county_code=(data.division_code or "")[:6] or trustee.county_code, currency=data.currency,
        agreement_reference=data.agreement_reference, agreement_signed_on=data.agreement_signed_on,
        starts_on=data.starts_on, ends_on=data.ends_on, fee_bps=data.fee_bps,
        fee_minimum=money.parse(data.fee_minimum, data.currency, "fee_minimum"), created_by=actor.user_id,
    )
    session.add(trust)
    await session.flush()
    trust.account_id = (await ledger.open_account(
        session, code=f"trust:{trust.id}:{trust.currency}", name=f"{trust.name} trust account", kind=AccountKind.TRUST,
        currency=trust.currency, party_id=trustee.id, county_code=trust.county_code, trust_id=trust.id)).id
    trust.fee_account_id = (await ledger.open_account(
        session, code=f"trust:{trust.id}:fee", name=f"{trustee.name} management fee ({trust.name})",
        kind=AccountKind.FEE, currency=trust.currency, party_id=trustee.id, county_code=trust.county_code,
        trust_id=trust.id)).id
    for i, s in enumerate(data.settlors):
        await add_settlor(session, trust, s, field=f"settlors[{i}].party_id")
    for i, party_id in enumerate(data.beneficiaries):
        await _add_beneficiary(session, trust, party_id, f"beneficiaries[{i}]")
    for i, a in enumerate(data.allocations):
        await _add_allocation(session, trust, a, i)
    await session.flush()
    return trust


async def add_settlor(session: AsyncSession, trust: Trust, data: SettlorIn, field: str = "party_id") -> TrustSettlor:
    party = await _party(session, data.party_id, field)
    if await session.scalar(select(TrustSettlor.id).where(TrustSettlor.trust_id == trust.id,
                                                          TrustSettlor.party_id == party.id)):
        raise Conflict(f"party {party.id} is already a settlor of this trust", field=field)
    source = await ledger.open_account(
        session, code=f"trust:{trust.id}:settlor:{party.id}", name=f"{party.name} contributions to {trust.name}",
        kind=AccountKind.SOURCE, currency=trust.currency, party_id=party.id, county_code=trust.county_code,
        trust_id=trust.id)
    settlor = TrustSettlor(trust_id=trust.id, party_id=party.id, category=data.category, source_account_id=source.id)
    session.add(settlor)
    await session.flush()
    return settlor


async def _add_beneficiary(session: AsyncSession, trust: Trust, party_id: int, field: str) -> None:
    await _party(session, party_id, field)
    exists = await session.scalar(select(TrustBeneficiary.id).where(
        TrustBeneficiary.trust_id == trust.id, TrustBeneficiary.party_id == party_id))
    if not exists:
        session.add(TrustBeneficiary(trust_id=trust.id, party_id=party_id))
        await session.flush()


async def _add_allocation(session: AsyncSession, trust: Trust, a, i: int) -> None:
    if a.beneficiary_party_id:
        await _add_beneficiary(session, trust, a.beneficiary_party_id, f"allocations[{i}].beneficiary_party_id")
        account_id = await _benefit_account(session, a.beneficiary_party_id, trust.currency)
    else:
        account_id = (await ledger.open_account(
            session, code=f"trust:{trust.id}:purpose:{a.key}", name=f"{trust.name}: {a.name}",
            kind=AccountKind.PROJECT, currency=trust.currency, county_code=trust.county_code, trust_id=trust.id)).id
    session.add(TrustAllocation(trust_id=trust.id, key=a.key, name=a.name, share_bps=a.share_bps,
                                beneficiary_party_id=a.beneficiary_party_id, account_id=account_id))


async def _benefit_account(session: AsyncSession, party_id: int, currency: str) -> int:
    code = parties.benefit_account_code(party_id, currency)
    account = await ledger.account_by_code(session, code)
    if account is None:
        party = await _party(session, party_id, "beneficiary_party_id")
        account = await ledger.open_account(session, code=code, name=f"Benefits received by {party.name}",
                                            kind=AccountKind.BENEFICIARY, currency=currency, party_id=party.id,
                                            county_code=party.county_code)
    return account.id


# --- money in and out ------------------------------------------------------------------------


def _within_term(trust: Trust, day: date, field: str) -> None:
    if day < trust.starts_on or (trust.ends_on and day > trust.ends_on):
        end = trust.ends_on.isoformat() if trust.ends_on else "open-ended"
        raise InvalidField(field, f"{day.isoformat()} is outside the trust's term ({trust.starts_on.isoformat()} to {end})")


def _meta(trust: Trust, day: date, **extra: object) -> dict[str, object]:
    return {"trust_id": trust.id, "county_code": trust.county_code, "period": day.strftime("%Y-%m"), **extra}


async def contribute(session: AsyncSession, actor: Actor, trust_id: int, data: ContributionIn) -> Contribution:
    """Money in from a settlor, and the trustee's fee on it, as two posted entries."""
    trust = await get_managed(session, actor, trust_id)
    if data.currency != trust.currency:
        raise InvalidField("currency", f"this trust holds {trust.currency}; a {data.currency} contribution must be "
                                       f"converted before it is recorded")
    amount = money.parse_positive(data.amount, trust.currency)
    _within_term(trust, data.received_on, "received_on")
    settlor = (await session.execute(select(TrustSettlor).where(
        TrustSettlor.trust_id == trust.id, TrustSettlor.party_id == data.settlor_party_id))).scalar_one_or_none()
    if settlor is None:
        raise InvalidField("settlor_party_id", f"party {data.settlor_party_id} is not a settlor of this trust")
    rule = f"contribution {data.reference}"
    entry = await ledger.record_entry(
        session, kind="contribution", legs=ledger.transfer(settlor.source_account_id, account_of(trust), amount, trust.currency),
        actor=actor, effective_date=data.received_on, memo=data.memo or f"contribution to {trust.name} ({data.reference})",
        metadata=_meta(trust, data.received_on, settlor_party_id=settlor.party_id, rule=rule, reference=data.reference),
    )
    fee = rules.management_fee(amount, trust.fee_bps, trust.fee_minimum)
    fee_text = rules.fee_rule(amount, trust.fee_bps, trust.fee_minimum, trust.currency)
    fee_entry = None
    if fee:
        fee_entry = await ledger.record_entry(
            session, kind="fee", legs=ledger.transfer(account_of(trust), fee_account_of(trust), fee,
                                             trust.currency),
            actor=actor, effective_date=data.received_on, memo=f"trustee fee on contribution {data.reference}",
            metadata=_meta(trust, data.received_on, settlor_party_id=settlor.party_id, rule=fee_text,
                           contribution_entry_id=entry.id),
        )
    c = Contribution(trust_id=trust.id, settlor_party_id=settlor.party_id, amount=amount, fee=fee,
                     currency=trust.currency, received_on=data.received_on, reference=data.reference, memo=data.memo,
                     entry_id=entry.id, fee_entry_id=fee_entry.id if fee_entry else None, created_by=actor.user_id)
    session.add(c)
    await session.flush()
    return c


async def allocations(session: AsyncSession, trust_id: int) -> list[TrustAllocation]:
    return list((await session.execute(
        select(TrustAllocation).where(TrustAllocation.trust_id == trust_id).order_by(TrustAllocation.id))).scalars())


async def disburse(session: AsyncSession, actor: Actor, trust_id: int, data: DisbursementIn) -> Disbursement:
    """Money out to a purpose or a beneficiary, within the purpose's share of the net contributions."""
    trust = await get_managed(session, actor, trust_id)
    amount = money.parse_positive(data.amount, trust.currency)
    _within_term(trust, data.paid_on, "paid_on")
    allocs = {a.key: a for a in await allocations(session, trust.id)}
    alloc = allocs.get(data.purpose)
    if alloc is None:
        raise InvalidField("purpose", f"{data.purpose!r} is not in the trust agreement; purposes: {', '.join(allocs)}")
    account_id = await _destination(session, trust, alloc, data.beneficiary_party_id)
    summary = summarize(await load_flows(session, trust))
    room = rules.headroom(summary.net_contributions, [(a.id, a.share_bps) for a in allocs.values()],
                          summary.by_allocation)[alloc.id]
    if amount > room.remaining:
        f = lambda m: money.format(m, trust.currency)  # noqa: E731
        raise InsufficientFunds(
            f"purpose {alloc.key!r} has {f(room.remaining)} left of its {alloc.share_bps} bp share "
            f"({f(room.entitlement)} of {f(summary.net_contributions)} net contributions, {f(room.disbursed)} "
            f"already disbursed); {f(amount)} was asked for",
            field="amount", purpose=alloc.key, share_bps=alloc.share_bps,
            net_contributions=f(summary.net_contributions), entitlement=f(room.entitlement),
            disbursed=f(room.disbursed), available=f(room.remaining), requested=f(amount),
        )
    payee = data.beneficiary_party_id or alloc.beneficiary_party_id
    entry = await ledger.record_entry(
        session, kind="disbursement", legs=ledger.transfer(account_of(trust), account_id, amount, trust.currency),
        actor=actor, effective_date=data.paid_on, memo=data.memo or f"{alloc.name} ({trust.name})",
        metadata=_meta(trust, data.paid_on, purpose=alloc.key, payee_party_id=payee, reference=data.reference,
                       rule=f"{alloc.name}: {alloc.share_bps} bp of net contributions",
                       share_limit=money.format(room.remaining, trust.currency)),
    )
    d = Disbursement(trust_id=trust.id, allocation_id=alloc.id, beneficiary_party_id=payee, account_id=account_id,
                     amount=amount, paid_on=data.paid_on, reference=data.reference, memo=data.memo,
                     entry_id=entry.id, created_by=actor.user_id)
    session.add(d)
    await session.flush()
    return d


async def _destination(session: AsyncSession, trust: Trust, alloc: TrustAllocation, party_id: int | None) -> int:
    if party_id is None or party_id == alloc.beneficiary_party_id:
        return alloc.account_id
    if alloc.beneficiary_party_id is not None:
        raise InvalidField("beneficiary_party_id", f"purpose {alloc.key!r} is paid only to party {alloc.beneficiary_party_id}")
    listed = await session.scalar(select(TrustBeneficiary.id).where(
        TrustBeneficiary.trust_id == trust.id, TrustBeneficiary.party_id == party_id))
    if not listed:
        raise InvalidField("beneficiary_party_id", f"party {party_id} is not a beneficiary of this trust")
    return await _benefit_account(session, party_id, trust.currency)


# --- reading the ledger back -----------------------------------------------------------------


async def load_flows(session: AsyncSession, trust: Trust, as_of_date: date | None = None) -> list[Flow]:
    """Every posted entry on the trust account, labelled with its settlor or purpose."""
    q = (
        select(Posting.amount, JournalEntry.id, JournalEntry.sequence, JournalEntry.effective_date, JournalEntry.kind,
               JournalEntry.memo, JournalEntry.reversal_of_id, JournalEntry.meta)
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .where(Posting.account_id == trust.account_id, JournalEntry.status == EntryStatus.POSTED)
        .order_by(JournalEntry.sequence)
    )
    if as_of_date is not None:
        q = q.where(JournalEntry.effective_date <= as_of_date)
    rows = (await session.execute(q)).all()
    settlor_of: dict[int, int] = {}
    for entry_id, fee_id, party in await session.execute(
        select(Contribution.entry_id, Contribution.fee_entry_id, Contribution.settlor_party_id)
        .where(Contribution.trust_id == trust.id)
    ):
        settlor_of[entry_id] = party
        if fee_id:
            settlor_of[fee_id] = party
    allocation_of = dict((await session.execute(
        select(Disbursement.entry_id, Disbursement.allocation_id).where(Disbursement.trust_id == trust.id))).all())
    flows = []
    for amount, entry_id, sequence, day, kind, memo, reversal_of, meta in rows:
        origin = reversal_of or entry_id
        flows.append(Flow(
            entry_id=entry_id, sequence=sequence, effective_date=day, amount=-amount, memo=memo,
            kind=(meta or {}).get("reverses_kind", kind) if reversal_of else kind,
            settlor_party_id=settlor_of.get(origin), allocation_id=allocation_of.get(origin),
            reversal=reversal_of is not None,
        ))
    return flows
