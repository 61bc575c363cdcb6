"""HTTP routes of benefit-sharing agreements: agreements, versions, pool revenue, distribution runs
(dry run first, then commit) and a stakeholder's share history."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.actor import Actor
from service.auth.guards import READERS, requires
from service.auth.models import Role
from service.errors import NotFound
from service.pagination import Id, OptionalId, Limit, Offset, Page
from service.parties import service as parties
from service.shares import service, views
from service.shares.models import Distribution, PoolKind, PoolRevenue
from service.shares.schemas import (
    AgreementIn, AgreementOut, DistributionIn, DistributionOut, RevenueIn, RevenueOut, StakeholderHistoryOut, VersionIn,
    VersionOut,
)
from service.writes import perform

MANAGERS = (Role.OFFICIAL, Role.TRUSTEE)


class ShareAgreementController(Controller):
    path = "/api/v1/share-agreements"
    tags = ["shares"]

    @post("/", guards=[requires(*MANAGERS)], status_code=201)
    async def create_agreement(self, request: Request, data: AgreementIn) -> Response[AgreementOut]:
        """A benefit-sharing agreement over a pool, with its first version of shares (10000 bp in all)."""

        async def op(session: AsyncSession, actor: Actor) -> AgreementOut:
            return await views.agreement_out(session, await service.create_agreement(session, actor, data))

        return await perform(request, data, op)

    @get("/", guards=[requires(*READERS)])
    async def list_agreements(self, session: AsyncSession, actor: Actor, county_code: str | None = None,
                              trust_id: OptionalId = None, pool_kind: PoolKind | None = None, limit: Limit = 100,
                              offset: Offset = 0) -> Page[AgreementOut]:
        """Benefit-sharing agreements the caller may read."""
        rows = await service.list_visible(session, actor, county_code=county_code, trust_id=trust_id,
                                          pool_kind=pool_kind, limit=limit, offset=offset)
        return Page(items=[await views.agreement_out(session, a) for a in rows], limit=limit, offset=offset)

    @get("/{agreement_id:int}", guards=[requires(*READERS)])
    async def get_agreement(self, session: AsyncSession, actor: Actor, agreement_id: Id) -> AgreementOut:
        """One agreement with its current shares."""
        return await views.agreement_out(session, await service.get_visible(session, actor, agreement_id))

    @get("/{agreement_id:int}/versions", guards=[requires(*READERS)])
    async def list_versions(self, session: AsyncSession, actor: Actor, agreement_id: Id) -> list[VersionOut]:
        """Every version of the agreement's shares, oldest first."""
        return await views.version_outs(session, await service.get_visible(session, actor, agreement_id))

    @post("/{agreement_id:int}/versions", guards=[requires(*MANAGERS)], status_code=201)
    async def add_version(self, request: Request, agreement_id: Id, data: VersionIn) -> Response[VersionOut]:
        """New shares from a future date on; refused if it would start on or before a past version or run."""

        async def op(session: AsyncSession, actor: Actor) -> VersionOut:
            a = await service.get_managed(session, actor, agreement_id)
            v = await service.add_version(session, actor, a, data)
            return next(x for x in await views.version_outs(session, a) if x.id == v.id)

        return await perform(request, data, op)

    @post("/{agreement_id:int}/revenue", guards=[requires(*MANAGERS)], status_code=201)
    async def add_revenue(self, request: Request, agreement_id: Id, data: RevenueIn) -> Response[RevenueOut]:
        """Money into the pool (ticket sales, carbon-credit proceeds, a levy)."""

        async def op(session: AsyncSession, actor: Actor) -> RevenueOut:
            r = await service.add_revenue(session, actor, agreement_id, data)
            return views.revenue_out(await service.get_visible(session, actor, agreement_id), r)

        return await perform(request, data, op)

    @get("/{agreement_id:int}/revenue", guards=[requires(*READERS)])
    async def list_revenue(self, session: AsyncSession, actor: Actor, agreement_id: Id, limit: Limit = 100,
                           offset: Offset = 0) -> Page[RevenueOut]:
        """Money paid into the agreement's pool."""
        a = await service.get_visible(session, actor, agreement_id)
        rows = (await session.execute(select(PoolRevenue).where(PoolRevenue.agreement_id == a.id)
                                      .order_by(PoolRevenue.id).limit(limit).offset(offset))).scalars()
        return Page(items=[views.revenue_out(a, r) for r in rows], limit=limit, offset=offset)

    @post("/{agreement_id:int}/distributions", guards=[requires(*MANAGERS)], status_code=201)
    async def distribute(self, request: Request, agreement_id: Id, data: DistributionIn,
                         dry_run: bool = False) -> Response[DistributionOut]:
        """Split an amount from the pool to every stakeholder. `?dry_run=true` (or `"dry_run": true` in the
        body) shows the split (200) and writes nothing; otherwise one ledger entry pays everyone (201)."""
        if dry_run or data.dry_run:
            async with request.app.state.db.reading() as session:
                a = await service.get_managed(session, request.user, agreement_id)
                out = await views.plan_out(session, await service.plan(session, a, data), data, None)
            return Response(out, status_code=200)

        async def op(session: AsyncSession, actor: Actor) -> DistributionOut:
            p, d = await service.distribute(session, actor, agreement_id, data)
            return await views.plan_out(session, p, data, d)

        return await perform(request, data, op)

    @get("/{agreement_id:int}/distributions", guards=[requires(*READERS)])
    async def list_distributions(self, session: AsyncSession, actor: Actor, agreement_id: Id, limit: Limit = 100,
                                 offset: Offset = 0) -> Page[DistributionOut]:
        """The agreement's distribution runs."""
        a = await service.get_visible(session, actor, agreement_id)
        rows = (await session.execute(select(Distribution).where(Distribution.agreement_id == a.id)
                                      .order_by(Distribution.id).limit(limit).offset(offset))).scalars()
        return Page(items=[await views.distribution_out(session, a, d) for d in rows], limit=limit, offset=offset)

    @get("/{agreement_id:int}/distributions/{distribution_id:int}", guards=[requires(*READERS)])
    async def get_distribution(self, session: AsyncSession, actor: Actor, agreement_id: Id,
                               distribution_id: Id) -> DistributionOut:
        """One distribution run, stakeholder by stakeholder."""
        a = await service.get_visible(session, actor, agreement_id)
        d = await session.get(Distribution, distribution_id)
        if d is None or d.agreement_id != a.id:
            raise NotFound(f"distribution {distribution_id} not found")
        return await views.distribution_out(session, a, d)

    @get("/stakeholders/{party_id:int}/history", guards=[requires(*READERS, Role.COMMUNITY)])
    async def stakeholder_history(self, session: AsyncSession, actor: Actor, party_id: Id) -> StakeholderHistoryOut:
        """Every share the party held, version by version, and every distribution it received."""
        await parties.get_visible(session, actor, party_id)
        return await views.history_out(session, actor, party_id)


routes = [ShareAgreementController]
