"""HTTP routes of the trusts domain. Admins create trusts; a trustee records its own trust's money;
auditors read every trust; county officials and approvers read the trusts in their county."""

from __future__ import annotations

from datetime import date

from litestar import Controller, Request, Response, get, post
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.actor import Actor
from service.auth.guards import READERS, requires
from service.auth.models import Role
from service.pagination import Id, OptionalId, Limit, Offset, Page
from service.trusts import service, views
from service.trusts.models import Contribution, Disbursement, TrustAllocation
from service.trusts.schemas import (
    ContributionIn, ContributionOut, DisbursementIn, DisbursementOut, SettlorIn, TrustIn, TrustOut, TrustStatementOut,
)
from service.writes import perform


class TrustController(Controller):
    path = "/api/v1/trusts"
    tags = ["trusts"]

    @post("/", guards=[requires()], status_code=201)
    async def create_trust(self, request: Request, data: TrustIn) -> Response[TrustOut]:
        """Register a water-fund trust and its agreement (admin). Opens the trust, fee, purpose and settlor accounts."""

        async def op(session: AsyncSession, actor: Actor) -> TrustOut:
            return await views.trust_out(session, await service.create_trust(session, actor, data))

        return await perform(request, data, op)

    @get("/", guards=[requires(*READERS)])
    async def list_trusts(self, session: AsyncSession, actor: Actor, county_code: str | None = None,
                          limit: Limit = 100, offset: Offset = 0) -> Page[TrustOut]:
        """Trusts the caller may read: a trustee its own, officials those of their county."""
        trusts = await service.list_visible(session, actor, county_code=county_code, limit=limit, offset=offset)
        return Page(items=[await views.trust_out(session, t) for t in trusts], limit=limit, offset=offset)

    @get("/{trust_id:int}", guards=[requires(*READERS)])
    async def get_trust(self, session: AsyncSession, actor: Actor, trust_id: Id) -> TrustOut:
        """One trust with its trustee, terms, settlors and purposes."""
        return await views.trust_out(session, await service.get_visible(session, actor, trust_id))

    @post("/{trust_id:int}/settlors", guards=[requires(Role.TRUSTEE)], status_code=201)
    async def add_settlor(self, request: Request, trust_id: Id, data: SettlorIn) -> Response[TrustOut]:
        """Admit a new settlor (a donor joining the fund); it gets its own source account."""

        async def op(session: AsyncSession, actor: Actor) -> TrustOut:
            trust = await service.get_managed(session, actor, trust_id)
            await service.add_settlor(session, trust, data)
            return await views.trust_out(session, trust)

        return await perform(request, data, op)

    @post("/{trust_id:int}/contributions", guards=[requires(Role.TRUSTEE)], status_code=201)
    async def contribute(self, request: Request, trust_id: Id, data: ContributionIn) -> Response[ContributionOut]:
        """Record money received from a settlor. The trustee's fee on it is charged in the same transaction."""

        async def op(session: AsyncSession, actor: Actor) -> ContributionOut:
            c = await service.contribute(session, actor, trust_id, data)
            return views.contribution_out(await service.get_visible(session, actor, trust_id), c)

        return await perform(request, data, op)

    @get("/{trust_id:int}/contributions", guards=[requires(*READERS)])
    async def list_contributions(self, session: AsyncSession, actor: Actor, trust_id: Id,
                                 settlor_party_id: OptionalId = None, limit: Limit = 100,
                                 offset: Offset = 0) -> Page[ContributionOut]:
        """Money received by the trust, filtered by settlor."""
        trust = await service.get_visible(session, actor, trust_id)
        q = select(Contribution).where(Contribution.trust_id == trust.id).order_by(Contribution.id)
        if settlor_party_id is not None:
            q = q.where(Contribution.settlor_party_id == settlor_party_id)
        rows = (await session.execute(q.limit(limit).offset(offset))).scalars()
        return Page(items=[views.contribution_out(trust, c) for c in rows], limit=limit, offset=offset)

    @post("/{trust_id:int}/disbursements", guards=[requires(Role.TRUSTEE)], status_code=201)
    async def disburse(self, request: Request, trust_id: Id, data: DisbursementIn) -> Response[DisbursementOut]:
        """Pay a purpose or beneficiary. Refused beyond the purpose's share of the net contributions."""

        async def op(session: AsyncSession, actor: Actor) -> DisbursementOut:
            d = await service.disburse(session, actor, trust_id, data)
            trust = await service.get_visible(session, actor, trust_id)
            return views.disbursement_out(trust, d, await session.get_one(TrustAllocation, d.allocation_id))

        return await perform(request, data, op)

    @get("/{trust_id:int}/disbursements", guards=[requires(*READERS)])
    async def list_disbursements(self, session: AsyncSession, actor: Actor, trust_id: Id, purpose: str | None = None,
                                 limit: Limit = 100, offset: Offset = 0) -> Page[DisbursementOut]:
        """Money paid out by the trust, filtered by purpose."""
        trust = await service.get_visible(session, actor, trust_id)
        q = (select(Disbursement, TrustAllocation).join(TrustAllocation, TrustAllocation.id == Disbursement.allocation_id)
             .where(Disbursement.trust_id == trust.id).order_by(Disbursement.id))
        if purpose:
            q = q.where(TrustAllocation.key == purpose)
        rows = (await session.execute(q.limit(limit).offset(offset))).all()
        return Page(items=[views.disbursement_out(trust, d, a) for d, a in rows], limit=limit, offset=offset)

    @get("/{trust_id:int}/statement", guards=[requires(*READERS)])
    async def statement(self, session: AsyncSession, actor: Actor, trust_id: Id,
                        as_of_date: date | None = None) -> TrustStatementOut:
        """Contributions, fees, disbursements and balance, per settlor and per purpose, read from the ledger."""
        trust = await service.get_visible(session, actor, trust_id)
        return await views.statement_out(session, trust, as_of_date)


routes = [TrustController]
