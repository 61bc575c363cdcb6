from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.actor import Actor
from service.auth.guards import ENTERERS, READERS, requires
from service.auth.models import Role
from service.pagination import Id, Limit, Offset, OptionalId, Page
from service.parties import service
from service.parties.models import PartyKind
from service.parties.schemas import PartyIn, PartyOut
from service.writes import perform


async def party_out(session: AsyncSession, party) -> PartyOut:
    out = PartyOut.model_validate(party)
    out.benefit_account_id = await service.benefit_account_id(session, party.id)
    return out


class PartyController(Controller):
    path = "/api/v1/parties"
    tags = ["parties"]

    @post("/", guards=[requires(*ENTERERS)], status_code=201)
    async def create_party(self, request: Request, data: PartyIn) -> Response[PartyOut]:
        """Register an organisation, village, household or person; it gets a benefits account."""
        secret = request.app.state.settings.secret

        async def op(session: AsyncSession, actor: Actor) -> PartyOut:
            return await party_out(session, await service.create(session, actor, data, secret))

        return await perform(request, data, op)

    @get("/", guards=[requires(*READERS, Role.COMMUNITY)])
    async def list_parties(
        self, session: AsyncSession, actor: Actor, kind: PartyKind | None = None, county_code: str | None = None,
        parent_id: OptionalId = None, q: str | None = None, limit: Limit = 100, offset: Offset = 0,
    ) -> Page[PartyOut]:
        """Parties in the caller's scope, filtered by kind, county, parent or a name search."""
        parties = await service.list_visible(session, actor, kind=kind, county_code=county_code,
                                             parent_id=parent_id, q=q, limit=limit, offset=offset)
        return Page(items=[PartyOut.model_validate(p) for p in parties], limit=limit, offset=offset)

    @get("/{party_id:int}", guards=[requires(*READERS, Role.COMMUNITY)])
    async def get_party(self, session: AsyncSession, actor: Actor, party_id: Id) -> PartyOut:
        """One party in the caller's scope, with its benefits account."""
        return await party_out(session, await service.get_visible(session, actor, party_id))
