"""Benefit-sharing agreements: versions that never rewrite the past, pool revenue in, and
distribution runs that split an amount to every stakeholder in one ledger entry, exact to the fen.

Who manages an agreement: an admin; a county official for agreements in their county; the trustee
of a trust for that trust's trust-income pools. Auditors read all; approvers read their county's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import column, func, select, table
from sqlalchemy.ext.asyncio import AsyncSession

from service import money
from service.auth.actor import Actor
from service.auth.models import Role
from service.db import fetch_one, present
from service.errors import Conflict, Forbidden, InsufficientFunds, InvalidField, NotFound
from service.ledger import service as ledger
from service.ledger.models import AccountKind
from service.parties import service as parties
from service.parties.models import Party
from service import allocation
from service.shares import repository
from service.shares.models import Distribution, DistributionLine, PoolRevenue, ShareAgreement, ShareLine, ShareVersion
from service.shares.schemas import AgreementIn, DistributionIn, RevenueIn, VersionIn

TIE_BREAK = ("largest remainder: each stakeholder gets the floor of its exact share, the leftover fen go one "
             "each to the largest remainders; ties go to the larger share, then to the lower party id")
# The trusts table by name: domains do not import each other (docs/ARCHITECTURE.md), and an agreement
# only needs a trust's county.
_TRUSTS = table("trusts", column("id"), column("county_code"))

# --- access ----------------------------------------------------------------------------------


def pool_of(a: ShareAgreement) -> int:
    """The agreement's pool account (opened right after the agreement's row is inserted)."""
    return present(a.pool_account_id, "the agreement's pool account")


def can_manage(actor: Actor, a: ShareAgreement) -> bool:
    if actor.role == Role.ADMIN:
        return True
    if actor.role == Role.OFFICIAL:
        return a.county_code is not None and actor.in_county(a.county_code)
    return actor.role == Role.TRUSTEE and a.trust_id is not None and a.trust_id == actor.trust_id


async def get_visible(session: AsyncSession, actor: Actor, agreement_id: int, *, lock: bool = False) -> ShareAgreement:
    a = await fetch_one(session, repository.readable(actor).where(ShareAgreement.id == agreement_id), lock=lock)
    if a is None:
        raise NotFound(f"share agreement {agreement_id} not found")
    return a


async def get_managed(session: AsyncSession, actor: Actor, agreement_id: int) -> ShareAgreement:
    a = await get_visible(session, actor, agreement_id, lock=True)
    if not can_manage(actor, a):
        raise Forbidden("you may read this agreement but not change it or distribute from it")
    return a


async def list_visible(session: AsyncSession, actor: Actor, *, county_code: str | None, trust_id: int | None,
                       pool_kind: str | None, limit: int, offset: int) -> list[ShareAgreement]:
    q = repository.readable(actor).order_by(ShareAgreement.id)
    if county_code:
        q = q.where(ShareAgreement.county_code == county_code)
    if trust_id is not None:
        q = q.where(ShareAgreement.trust_id == trust_id)
    if pool_kind:
        q = q.where(ShareAgreement.pool_kind == pool_kind)
    return list((await session.execute(q.limit(limit).offset(offset))).scalars())


# --- agreements and versions -----------------------------------------------------------------


async def create_agreement(session: AsyncSession, actor: Actor, data: AgreementIn) -> ShareAgreement:
    county = data.county_code
    if data.trust_id is not None:
        trust = (await session.execute(  # a trust-income pool belongs to its trust, and to its county
            select(_TRUSTS.c.county_code).where(_TRUSTS.c.id == data.trust_id))).first()
        if trust is None:
            raise InvalidField("trust_id", f"unknown trust {data.trust_id}")
        county = county or trust.county_code
    draft = ShareAgreement(county_code=county, trust_id=data.trust_id)
    if actor.role != Role.ADMIN and not can_manage(actor, draft):
        field = "trust_id" if actor.role == Role.TRUSTEE else "county_code"
        raise Forbidden("you may create agreements only for your own county (officials) or trust (trustees)",
                        field=field)
    money.exponent(data.currency)
    a = ShareAgreement(name=data.name, pool_kind=data.pool_kind, description=data.description, reference=data.reference,
                       county_code=county, trust_id=data.trust_id, currency=data.currency, created_by=actor.user_id)
    session.add(a)
    await session.flush()
    pool = await ledger.open_account(session, code=f"pool:agreement:{a.id}", name=f"{a.name} pool",
                                     kind=AccountKind.POOL, currency=a.currency, county_code=county,
                                     trust_id=a.trust_id)
    revenue = await ledger.open_account(session, code=f"pool:agreement:{a.id}:revenue",
                                        name=f"{a.name} revenue received", kind=AccountKind.SOURCE,
                                        currency=a.currency, county_code=county, trust_id=a.trust_id)
    a.pool_account_id, a.revenue_account_id = pool.id, revenue.id
    await add_version(session, actor, a, data.first_version, first=True)
    return a


async def versions(session: AsyncSession, agreement_id: int) -> list[ShareVersion]:
    return list((await session.execute(select(ShareVersion).where(ShareVersion.agreement_id == agreement_id)
                                       .order_by(ShareVersion.version))).scalars())


async def lines_of(session: AsyncSession, version_ids: list[int]) -> dict[int, list[ShareLine]]:
    out: dict[int, list[ShareLine]] = {v: [] for v in version_ids}
    if version_ids:
        for line in (await session.execute(select(ShareLine).where(ShareLine.version_id.in_(version_ids))
                                           .order_by(ShareLine.party_id))).scalars():
            out[line.version_id].append(line)
    return out


async def add_version(session: AsyncSession, actor: Actor, a: ShareAgreement, data: VersionIn,
                      first: bool = False) -> ShareVersion:
    """A new set of shares from a date on. Earlier versions and past distributions stay as they were."""
    existing = await versions(session, a.id)
    if existing and data.effective_from <= existing[-1].effective_from:
        raise Conflict(f"version {existing[-1].version} already applies from {existing[-1].effective_from}; a new "
                       f"version must start after it (the past is never rewritten)", field="effective_from")
    last_run = await session.scalar(select(func.max(Distribution.effective_date)).where(Distribution.agreement_id == a.id))
    if last_run is not None and data.effective_from <= last_run:
        raise Conflict(f"a distribution was already made on {last_run}; a new version must start after it",
                       field="effective_from", last_distribution=last_run.isoformat())
    for i, s in enumerate(data.stakeholders):
        if await session.get(Party, s.party_id) is None:
            raise InvalidField(f"{'first_version.' if first else ''}stakeholders[{i}].party_id", f"unknown party {s.party_id}")
    v = ShareVersion(agreement_id=a.id, version=len(existing) + 1, effective_from=data.effective_from, note=data.note,
                     created_by=actor.user_id)
    session.add(v)
    await session.flush()
    session.add_all(ShareLine(version_id=v.id, party_id=s.party_id, share_bps=s.share_bps, role=s.role)
                    for s in data.stakeholders)
    await session.flush()
    return v


def version_on(vs: list[ShareVersion], day: date) -> ShareVersion | None:
    """The version in force on `day`: the latest one that started on or before it."""
    current = None
    for v in vs:
        if v.effective_from <= day:
            current = v
    return current


def effective_to(vs: list[ShareVersion], v: ShareVersion) -> date | None:
    later = [x.effective_from for x in vs if x.version == v.version + 1]
    return later[0] - timedelta(days=1) if later else None


# --- money in and out ------------------------------------------------------------------------


async def add_revenue(session: AsyncSession, actor: Actor, agreement_id: int, data: RevenueIn) -> PoolRevenue:
    a = await get_managed(session, actor, agreement_id)
    amount = money.parse_positive(data.amount, a.currency)
    if data.payer_party_id is not None and await session.get(Party, data.payer_party_id) is None:
        raise InvalidField("payer_party_id", f"unknown party {data.payer_party_id}")
    entry = await ledger.record_entry(
        session, kind="funding", legs=ledger.transfer(present(a.revenue_account_id, "revenue account"), pool_of(a), amount, a.currency),
        actor=actor, effective_date=data.received_on, memo=data.memo or f"{a.pool_kind} revenue into {a.name}",
        metadata={"agreement_id": a.id, "county_code": a.county_code, "period": data.received_on.strftime("%Y-%m"),
                  "payer_party_id": data.payer_party_id, "reference": data.reference, "trust_id": a.trust_id},
    )
    r = PoolRevenue(agreement_id=a.id, amount=amount, received_on=data.received_on, payer_party_id=data.payer_party_id,
                    reference=data.reference, memo=data.memo, entry_id=entry.id, created_by=actor.user_id)
    session.add(r)
    await session.flush()
    return r


@dataclass(frozen=True)
class Plan:
    agreement: ShareAgreement
    version: ShareVersion
    amount: int
    parts: list[allocation.Part]
    roles: dict[int, str]
    available_before: int


def exact_share(part: allocation.Part, currency: str) -> str:
    """The unrounded share as a decimal string (display only; Decimal, never float)."""
    exact = Decimal(part.exact_numerator) / Decimal(allocation.BASIS_POINTS) / (Decimal(10) ** money.exponent(currency))
    return format(exact.normalize(), "f")


async def plan(session: AsyncSession, a: ShareAgreement, data: DistributionIn) -> Plan:
    """Work out the split without writing: used by the dry run and by the commit alike."""
    vs = await versions(session, a.id)
    v = version_on(vs, data.effective_date)
    if v is None:
        raise InvalidField("effective_date", f"no version of the agreement applies on {data.effective_date}; the first "
                                             f"starts on {vs[0].effective_from}")
    available = (await ledger.balance(session, pool_of(a))).available
    amount = money.parse_positive(data.amount, a.currency) if data.amount is not None else available
    if amount <= 0:
        raise InvalidField("amount", "the pool holds nothing to distribute")
    if amount > available:
        f = lambda m: money.format(m, a.currency)  # noqa: E731
        raise InsufficientFunds(f"the pool has {f(available)} available; {f(amount)} was asked for", field="amount",
                                available=f(available), requested=f(amount))
    lines = (await lines_of(session, [v.id]))[v.id]
    parts = allocation.split(amount, [(line.party_id, line.share_bps) for line in lines])
    return Plan(a, v, amount, parts, {line.party_id: line.role for line in lines}, available)


async def distribute(session: AsyncSession, actor: Actor, agreement_id: int, data: DistributionIn) -> tuple[Plan, Distribution]:
    """One ledger entry: the pool pays every stakeholder's benefits account its part."""
    a = await get_managed(session, actor, agreement_id)
    p = await plan(session, a, data)
    legs = [ledger.Leg(pool_of(a), p.amount, a.currency)]
    for part in p.parts:
        if part.amount:  # a zero part is shown on the run but moves no money
            legs.append(ledger.Leg(await _benefits(session, part.stakeholder_id, a.currency), -part.amount, a.currency))
    d = Distribution(agreement_id=a.id, version_id=p.version.id, amount=p.amount, effective_date=data.effective_date,
                     period=data.period, memo=data.memo, created_by=actor.user_id)
    session.add(d)
    await session.flush()
    entry = await ledger.record_entry(
        session, kind="distribution", legs=legs, actor=actor, effective_date=data.effective_date,
        memo=data.memo or f"{a.name}: distribution under version {p.version.version}",
        metadata={"agreement_id": a.id, "agreement_version": p.version.version, "distribution_id": d.id,
                  "county_code": a.county_code, "trust_id": a.trust_id,
                  "period": data.period or data.effective_date.strftime("%Y-%m"),
                  "rule": f"shares of version {p.version.version} (from {p.version.effective_from}); {TIE_BREAK}"},
    )
    d.entry_id = entry.id
    session.add_all(DistributionLine(distribution_id=d.id, party_id=part.stakeholder_id, share_bps=part.weight,
                                     amount=part.amount, remainder_fen=part.remainder_fen) for part in p.parts)
    await session.flush()
    return p, d


async def _benefits(session: AsyncSession, party_id: int, currency: str) -> int:
    code = parties.benefit_account_code(party_id, currency)
    account = await ledger.account_by_code(session, code)
    if account is None:
        party = await session.get(Party, party_id)
        if party is None:
            raise NotFound(f"party {party_id} not found")
        account = await ledger.open_account(session, code=code, name=f"Benefits received by {party.name}",
                                            kind=AccountKind.BENEFICIARY, currency=currency, party_id=party_id,
                                            county_code=party.county_code)
    return account.id
