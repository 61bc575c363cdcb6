"""HTTP routes: certificates (+ suspend/revoke/reinstate), public code verification, sales and levy rules."""

from __future__ import annotations

from datetime import date

from litestar import Controller, Request, Response, get, post
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.actor import Actor
from service.auth.guards import ENTERERS, PUBLIC, requires
from service.auth.models import Role
from service.certifications import sales, service
from service.ratelimit import RATE_LIMITED
from service.certifications.models import Scheme, Status
from service.certifications.schemas import (
    ActionIn, CertificationIn, CertificationOut, LevyRuleIn, LevyRuleOut, PublicVerification, SaleIn, SaleOut,
)
from service.pagination import Id, OptionalId, Limit, Offset, Page
from service.writes import perform

COUNTY_READERS = (Role.OFFICIAL, Role.APPROVER, Role.AUDITOR)
OWN_READERS = (*COUNTY_READERS, Role.COMMUNITY)  # a household reads the certificates it holds


class CertificationController(Controller):
    path = "/api/v1/certifications"
    tags = ["certifications"]

    @post("/", guards=[requires(*ENTERERS)], status_code=201)
    async def create(self, request: Request, data: CertificationIn) -> Response[CertificationOut]:
        """Register a certificate held by a producer or cooperative of your county."""

        async def op(session: AsyncSession, actor: Actor) -> CertificationOut:
            return service.cert_out(await service.create(session, actor, data))

        return await perform(request, data, op)

    @get("/", guards=[requires(*OWN_READERS)])
    async def list_certifications(
        self, session: AsyncSession, actor: Actor, holder_party_id: OptionalId = None, scheme: Scheme | None = None,
        limit: Limit = 100, offset: Offset = 0,
    ) -> Page[CertificationOut]:
        """Certificates of the caller's county, with their status today."""
        items = await service.list_visible(session, actor, holder_party_id=holder_party_id, scheme=scheme,
                                           limit=limit, offset=offset)
        return Page(items=[service.cert_out(c) for c in items], limit=limit, offset=offset)

    @get("/{cert_id:int}", guards=[requires(*OWN_READERS)])
    async def get_certification(self, session: AsyncSession, actor: Actor, cert_id: Id,
                                as_of: date | None = None) -> CertificationOut:
        """The certificate with its status today, or on `as_of`."""
        return service.cert_out(await service.get(session, actor, cert_id), as_of)

    async def _act(self, request: Request, cert_id: Id, action: Status | None, data: ActionIn) -> Response:
        async def op(session: AsyncSession, actor: Actor) -> CertificationOut:
            return service.cert_out(await service.act(session, actor, cert_id, action, data))

        return await perform(request, data, op, status_code=200)

    @post("/{cert_id:int}/suspend", guards=[requires(*ENTERERS)], status_code=200)
    async def suspend(self, request: Request, cert_id: Id, data: ActionIn) -> Response[CertificationOut]:
        """Suspend from `effective_on` (default today), with the issuing body's reason."""
        return await self._act(request, cert_id, Status.SUSPENDED, data)

    @post("/{cert_id:int}/revoke", guards=[requires(*ENTERERS)], status_code=200)
    async def revoke(self, request: Request, cert_id: Id, data: ActionIn) -> Response[CertificationOut]:
        """Revoke from `effective_on` (default today). Final."""
        return await self._act(request, cert_id, Status.REVOKED, data)

    @post("/{cert_id:int}/reinstate", guards=[requires(*ENTERERS)], status_code=200)
    async def reinstate(self, request: Request, cert_id: Id, data: ActionIn) -> Response[CertificationOut]:
        """Lift a suspension."""
        return await self._act(request, cert_id, None, data)

    @get("/verify/{code:str}", opt={**PUBLIC, RATE_LIMITED: True}, security=[{}], tags=["public"])
    async def verify(
        self, request: Request, session: AsyncSession,
        code: str = Parameter(max_length=64, description="the traceability code printed on the product"),
    ) -> PublicVerification:
        """Public, no token: is this traceability code genuine, and is its certificate active today?
        Rate-limited per client; never shows a person's name."""
        return await service.verify_code(session, code)


class SaleController(Controller):
    path = "/api/v1/eco-product-sales"
    tags = ["certifications"]

    @post("/", guards=[requires(*ENTERERS)], status_code=201)
    async def record(self, request: Request, data: SaleIn) -> Response[SaleOut]:
        """Record a sale under a certificate (refused unless active on the sale date); the county's
        levy rule moves its share into the village pool as a posted `levy` entry."""

        async def op(session: AsyncSession, actor: Actor) -> SaleOut:
            return SaleOut.model_validate(await sales.record_sale(session, actor, data))

        return await perform(request, data, op)

    @get("/", guards=[requires(*COUNTY_READERS)])
    async def list_sales(self, session: AsyncSession, actor: Actor, certification_id: OptionalId = None,
                         limit: Limit = 100, offset: Offset = 0) -> Page[SaleOut]:
        """Certified sales of the caller's county, optionally under one certificate."""
        items = await sales.list_sales(session, actor, certification_id, limit, offset)
        return Page(items=[SaleOut.model_validate(s) for s in items], limit=limit, offset=offset)

    @get("/{sale_id:int}", guards=[requires(*COUNTY_READERS)])
    async def get_sale(self, session: AsyncSession, actor: Actor, sale_id: Id) -> SaleOut:
        """One certified sale with the levy it paid."""
        return SaleOut.model_validate(await sales.get_sale(session, actor, sale_id))

    @post("/levy-rules", guards=[requires(*ENTERERS)], status_code=201)
    async def create_levy_rule(self, request: Request, data: LevyRuleIn) -> Response[LevyRuleOut]:
        """A share (basis points) of certified sales in the county, paid into a village's benefit pool."""

        async def op(session: AsyncSession, actor: Actor) -> LevyRuleOut:
            return LevyRuleOut.model_validate(await sales.create_levy_rule(session, actor, data))

        return await perform(request, data, op)

    @get("/levy-rules", guards=[requires(*COUNTY_READERS)])
    async def list_levy_rules(self, session: AsyncSession, actor: Actor, limit: Limit = 100,
                              offset: Offset = 0) -> Page[LevyRuleOut]:
        """Levy rules of the caller's county."""
        items = await sales.list_levy_rules(session, actor, limit, offset)
        return Page(items=[LevyRuleOut.model_validate(r) for r in items], limit=limit, offset=offset)


routes = [CertificationController, SaleController]
