"""The household registry: search by name, village and ID tail; register one; its accounts and statement."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.response import Redirect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.actor import Actor
from service.auth.guards import requires
from service.console import county, forms
from service.console.i18n import LABELS, lang_of
from service.console.pages.official import OFFICIAL
from service.console.render import page
from service.errors import DomainError
from service.ledger.models import Account
from service.pagination import Id
from service.parties import service as parties
from service.parties.models import AgeBand, Gender, PartyKind
from service.parties.schemas import PartyIn, PartyOut
from service.reports import service as reports


@get("/households", guards=[requires(*OFFICIAL)])
async def household_search(request: Request, session: AsyncSession, actor: Actor) -> Response:
    q = request.query_params
    values = {k: (q.get(k) or "").strip()[:60] for k in ("name", "village", "tail")}
    found = await county.households(session, actor, name=values["name"], village=values["village"],
                                    tail=values["tail"])
    return page(request, "official/households.html", title=LABELS[lang_of(request)]["households"], values=values,
                found=found, searched=any(values.values()))


async def _new_form(request: Request, session: AsyncSession, actor: Actor, values: dict[str, Any],
                    errors: dict[str, str], status: int = 200) -> Response:
    t = LABELS[lang_of(request)]
    return page(request, "official/household_new.html", status=status, title=t["register_household"],
                villages=[(v.id, v.name) for v in await county.villages(session, actor)],
                genders=[("", "—")] + [(g.value, g.value) for g in Gender],
                age_bands=[("", "—")] + [(a.value, a.value.replace("_", "–")) for a in AgeBand],
                values=forms.fields(values), errors=errors)


@get("/households/new", guards=[requires(*OFFICIAL)])
async def household_new(request: Request, session: AsyncSession, actor: Actor) -> Response:
    return await _new_form(request, session, actor, {}, {})


@post("/households", guards=[requires(*OFFICIAL)], status_code=200)
async def household_create(request: Request, session: AsyncSession, actor: Actor, state: State) -> Response:
    values = await forms.read(request)
    data, errors = forms.parse(PartyIn, values, lang_of(request), kind=PartyKind.HOUSEHOLD)
    if data is None:
        return await _new_form(request, session, actor, values, errors, 422)

    async def op(s: AsyncSession, a: Actor) -> PartyOut:
        party = await parties.create(s, a, data, state.settings.secret)
        return PartyOut.model_validate(party, from_attributes=True)

    outcome = await forms.submit(request, values, data.model_dump(mode="json", exclude={"id_number"}), op)
    if not outcome.ok:
        return await _new_form(request, session, actor, values, outcome.errors, outcome.status)
    return Redirect(path=f"/console/households/{outcome.saved['id']}?ok=household_registered", status_code=303)


@get("/households/{party_id:int}", guards=[requires(*OFFICIAL)])
async def household(request: Request, session: AsyncSession, actor: Actor, state: State, party_id: Id,
                    period: str | None = None) -> Response:
    party = await parties.get_visible(session, actor, party_id)
    village = await session.get(parties.Party, party.parent_id) if party.parent_id else None
    accounts = list((await session.execute(select(Account).where(Account.party_id == party.id))).scalars())
    statement, statement_error = None, None
    try:
        statement = await reports.statement(session, party, secret=state.settings.secret, period=period or None)
    except DomainError as exc:
        statement_error = exc.detail
    return page(request, "official/household.html", title=party.name, party=party, village=village,
                accounts=accounts, statement=statement, statement_error=statement_error,
                payments=await county.payments(session, actor, payee_party_id=party.id), values={"period": period or ""})


routes: list[Any] = [household_search, household_new, household_create, household]
