"""Turning agreements, versions and runs into API outputs."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service import money
from service.auth.actor import Actor
from service.auth.models import Role
from service.db import present, utcnow
from service.ledger import service as ledger
from service.ledger.models import JournalEntry
from service.parties.models import Party
from service.schemas import with_fields
from service.shares import repository, service
from service.shares.models import Distribution, DistributionLine, PoolRevenue, ShareAgreement, ShareLine, ShareVersion
from service.shares.schemas import (
    AgreementOut, DistributionLineOut, DistributionOut, ReceiptItem, RevenueOut, ShareHistoryItem,
    StakeholderHistoryOut, StakeholderOut, VersionOut,
)


async def names(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict((await session.execute(select(Party.id, Party.name).where(Party.id.in_(ids)))).all())


async def version_outs(session: AsyncSession, a: ShareAgreement) -> list[VersionOut]:
    vs = await service.versions(session, a.id)
    lines = await service.lines_of(session, [v.id for v in vs])
    who = await names(session, {line.party_id for ls in lines.values() for line in ls})
    return [
        VersionOut(id=v.id, version=v.version, effective_from=v.effective_from, effective_to=service.effective_to(vs, v),
                   note=v.note, created_at=v.created_at,
                   stakeholders=[StakeholderOut(party_id=x.party_id, name=who.get(x.party_id, ""), share_bps=x.share_bps,
                                                role=x.role) for x in lines[v.id]])
        for v in vs
    ]


async def agreement_out(session: AsyncSession, a: ShareAgreement) -> AgreementOut:
    vs = await version_outs(session, a)
    today = utcnow().date()
    current = next((v for v in reversed(vs) if v.effective_from <= today), None)
    pool = await ledger.get_account(session, service.pool_of(a))
    return AgreementOut.model_validate(with_fields(
        a, pool_balance=pool.posted_balance, pool_available=pool.available_balance, current_version=current,
        versions=vs))


def revenue_out(a: ShareAgreement, r: PoolRevenue) -> RevenueOut:
    return RevenueOut.model_validate(with_fields(r, agreement_id=a.id, currency=a.currency))


async def plan_out(session: AsyncSession, p: service.Plan, data, d: Distribution | None) -> DistributionOut:
    a, cur = p.agreement, p.agreement.currency
    who = await names(session, {part.stakeholder_id for part in p.parts})
    sequence = None
    if d is not None:
        sequence = await session.scalar(select(JournalEntry.sequence).where(JournalEntry.id == d.entry_id))
    return DistributionOut(
        id=d.id if d else None, dry_run=d is None, agreement_id=a.id, version=p.version.version, version_id=p.version.id,
        amount=money.format(p.amount, cur), currency=cur, effective_date=data.effective_date, period=data.period,
        memo=data.memo, rule=service.TIE_BREAK,
        lines=[DistributionLineOut(party_id=x.stakeholder_id, name=who.get(x.stakeholder_id, ""), share_bps=x.weight,
                                   exact_share=service.exact_share(x, cur), amount=money.format(x.amount, cur),
                                   remainder_fen=x.remainder_fen) for x in p.parts],
        pool_available_before=money.format(p.available_before, cur),
        pool_available_after=money.format(p.available_before - p.amount, cur),
        entry_id=d.entry_id if d else None, sequence=sequence, created_at=d.created_at if d else None,
    )


async def distribution_out(session: AsyncSession, a: ShareAgreement, d: Distribution) -> DistributionOut:
    """A committed run, read back from its stored lines."""
    from service.allocation import Part

    v = await session.get_one(ShareVersion, d.version_id)
    lines = list((await session.execute(select(DistributionLine).where(DistributionLine.distribution_id == d.id)
                                        .order_by(DistributionLine.party_id))).scalars())
    parts = [Part(x.party_id, x.share_bps, x.amount, d.amount * x.share_bps, x.remainder_fen) for x in lines]
    p = service.Plan(a, v, d.amount, parts, {}, 0)
    out = await plan_out(session, p, d, d)
    out.pool_available_before = out.pool_available_after = None  # not kept for past runs
    return out


async def history_out(session: AsyncSession, actor: Actor, party_id: int) -> StakeholderHistoryOut:
    """Every share a party held (by version) and every distribution it received, in agreements the actor may see."""
    party = await session.get(Party, party_id)
    rows = (await session.execute(
        select(ShareLine, ShareVersion, ShareAgreement)
        .join(ShareVersion, ShareVersion.id == ShareLine.version_id)
        .join(ShareAgreement, ShareAgreement.id == ShareVersion.agreement_id)
        .where(ShareLine.party_id == party_id).order_by(ShareAgreement.id, ShareVersion.version))).all()
    community_self = actor.role == Role.COMMUNITY and actor.party_id == party_id
    readable = set((await session.execute(repository.readable(actor).with_only_columns(ShareAgreement.id)
                                          .where(ShareAgreement.id.in_({a.id for _, _, a in rows})))).scalars())
    visible = {a.id: a for _, _, a in rows if community_self or a.id in readable}
    shares = []
    for line, v, a in rows:
        if a.id in visible:
            vs = await service.versions(session, a.id)
            shares.append(ShareHistoryItem(agreement_id=a.id, agreement_name=a.name, version=v.version,
                                           effective_from=v.effective_from, effective_to=service.effective_to(vs, v),
                                           share_bps=line.share_bps, role=line.role))
    receipts = (await session.execute(
        select(DistributionLine, Distribution, ShareVersion)
        .join(Distribution, Distribution.id == DistributionLine.distribution_id)
        .join(ShareVersion, ShareVersion.id == Distribution.version_id)
        .where(DistributionLine.party_id == party_id, Distribution.agreement_id.in_(list(visible) or [-1]))
        .order_by(Distribution.effective_date, Distribution.id))).all()
    totals: dict[str, int] = defaultdict(int)
    items = []
    for got, d, v in receipts:
        cur = visible[d.agreement_id].currency
        totals[cur] += got.amount
        items.append(ReceiptItem(agreement_id=d.agreement_id, distribution_id=d.id, effective_date=d.effective_date,
                                 period=d.period, version=v.version, share_bps=got.share_bps,
                                 amount=money.format(got.amount, cur), currency=cur,
                                 entry_id=present(d.entry_id, "a distribution's entry")))
    return StakeholderHistoryOut(party_id=party_id, name=party.name if party else "", shares=shares, distributions=items,
                                 total_received={c: money.format(m, c) for c, m in totals.items()})
