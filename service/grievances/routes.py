"""HTTP routes of grievances: file, the county's queue, answer, evidence, resolve, escalate, and the
public tracking view by code."""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.actor import Actor
from service.auth.guards import PUBLIC, requires
from service.auth.models import Role
from service.grievances import service, views
from service.grievances.schemas import (
    AnswerIn,
    EscalatedOut,
    EvidenceIn,
    GrievanceIn,
    GrievanceOut,
    TrackingOut,
)
from service.ratelimit import RATE_BUCKET, RATE_LIMITED
from service.pagination import Id, Limit, Offset, Page
from service.writes import perform

READERS = (Role.OFFICIAL, Role.APPROVER, Role.AUDITOR, Role.COMMUNITY)
Code = Annotated[str, Parameter(pattern=r"^[A-Za-z0-9-]{1,16}$", description="a tracking code, G-XXXX-XXXX")]
County = Annotated[str | None, Parameter(pattern=r"^\d{6}$", required=False)]


class GrievanceController(Controller):
    path = "/api/v1/grievances"
    tags = ["grievances"]

    @post("/", guards=[requires(*service.FILERS)], status_code=201)
    async def file(self, request: Request, state: State, data: GrievanceIn) -> Response[GrievanceOut]:
        """File a grievance about a statement line (or a payment expected and not seen); it gets a tracking code."""

        async def op(session: AsyncSession, actor: Actor) -> GrievanceOut:
            g = await service.file(session, actor, data, state.settings.grievance_deadline_days)
            return await views.full(session, g)

        return await perform(request, data, op)

    @get("/", guards=[requires(*READERS)])
    async def list_grievances(
        self, session: AsyncSession, actor: Actor,
        status: Literal["open", "escalated", "resolved", "overdue"] | None = None, county_code: County = None,
        limit: Limit = 100, offset: Offset = 0,
    ) -> Page[GrievanceOut]:
        """The grievance queue: officials their county's, approvers the escalated and overdue ones,
        a household its own; soonest deadline first."""
        found = await service.list_visible(session, actor, status, county_code, limit, offset)
        return Page(items=[await views.full(session, g) for g in found], limit=limit, offset=offset)

    @get("/{grievance_id:int}", guards=[requires(*READERS)])
    async def get_grievance(self, session: AsyncSession, actor: Actor, grievance_id: Id) -> GrievanceOut:
        """One grievance with every step taken."""
        return await views.full(session, await service.get(session, actor, grievance_id))

    @post("/{grievance_id:int}/answers", guards=[requires(*service.HANDLERS)], status_code=201)
    async def answer(self, request: Request, grievance_id: Id, data: AnswerIn) -> Response[GrievanceOut]:
        """Answer the household (the answer is shown on the public tracking page)."""
        return await self._act(request, data, lambda s, a: service.answer(s, a, grievance_id, data))

    @post("/{grievance_id:int}/evidence", guards=[requires(*service.HANDLERS)], status_code=201)
    async def evidence(self, request: Request, grievance_id: Id, data: EvidenceIn) -> Response[GrievanceOut]:
        """Attach evidence: a bank reference, or a reversal or re-payment entry in the ledger."""
        return await self._act(request, data, lambda s, a: service.evidence(s, a, grievance_id, data))

    @post("/{grievance_id:int}/resolve", guards=[requires(*service.HANDLERS)], status_code=201)
    async def resolve(self, request: Request, grievance_id: Id, data: AnswerIn) -> Response[GrievanceOut]:
        """Resolve the grievance, saying how (shown on the public tracking page)."""
        return await self._act(request, data, lambda s, a: service.resolve(s, a, grievance_id, data))

    @post("/{grievance_id:int}/escalate", guards=[requires(Role.OFFICIAL)], status_code=201)
    async def escalate(self, request: Request, grievance_id: Id, data: AnswerIn) -> Response[GrievanceOut]:
        """Send the grievance to the county's approvers."""
        return await self._act(request, data, lambda s, a: service.escalate(s, a, grievance_id, data))

    @post("/escalate-overdue", guards=[requires()], status_code=201, opt={"problems": ["400", "422"]})  # a bad key
    async def escalate_overdue(self, request: Request) -> Response[EscalatedOut]:
        """Admin (or the scheduled `shanshui grievances escalate`): send every overdue grievance to the approvers."""

        async def op(session: AsyncSession, actor: Actor) -> EscalatedOut:
            return EscalatedOut(escalated=await service.escalate_overdue(session))

        return await perform(request, None, op)

    @get("/track/{code:str}", opt={**PUBLIC, RATE_LIMITED: True, RATE_BUCKET: "tracking"})
    async def track(self, request: Request, session: AsyncSession, state: State, code: Code) -> TrackingOut:
        """Public: a grievance's status and answers by its tracking code. Names nobody."""
        return await views.tracking(session, await service.by_code(session, code))

    async def _act(self, request: Request, data, action) -> Response[GrievanceOut]:
        async def op(session: AsyncSession, actor: Actor) -> GrievanceOut:
            return await views.full(session, await action(session, actor))

        return await perform(request, data, op)


routes = [GrievanceController]
