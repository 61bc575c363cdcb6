"""Programs: list, create (with its rule), see rule and balance, fund."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.actor import Actor
from service.auth.guards import requires
from service.compensation import funding
from service.compensation import service as comp
from service.compensation.models import RuleKind
from service.compensation.schemas import FundingIn, FundingOut, ProgramIn, ProgramOut
from service.console import county, forms
from service.console.i18n import LABELS, lang_of
from service.console.pages.official import OFFICIAL
from service.console.render import page
from service.pagination import Id


def _program_data(values: dict[str, Any], actor: Actor) -> dict[str, Any]:
    """The form's text fields as ProgramIn wants them (lists and the rate table from plain text)."""
    extra: dict[str, Any] = {"county_code": values.get("county_code") or actor.county_code or ""}
    if values.get("scope_codes"):
        extra["scope_codes"] = [c.strip() for c in str(values["scope_codes"]).split(",") if c.strip()]
    if values.get("rate_table"):
        pairs = [line.partition("=") for line in str(values["rate_table"]).splitlines() if line.strip()]
        extra["rate_table"] = {k.strip(): v.strip() for k, _, v in pairs}
    return extra


async def _list(request: Request, session: AsyncSession, actor: Actor, values: dict[str, Any],
                errors: dict[str, str], status: int = 200) -> Response:
    t = LABELS[lang_of(request)]
    rows = [await comp.program_out(session, p) for p in await county.programs(session, actor)]
    return page(request, "official/programs.html", status=status, title=t["programs"], rows=rows,
                kinds=[(k.value, t[f"rk_{k.value}"]) for k in RuleKind], values=forms.fields(values), errors=errors)


@get("/programs", guards=[requires(*OFFICIAL)])
async def program_list(request: Request, session: AsyncSession, actor: Actor) -> Response:
    return await _list(request, session, actor, {"rule_kind": "per_area_year"}, {})


@post("/programs", guards=[requires(*OFFICIAL)], status_code=200)
async def program_create(request: Request, session: AsyncSession, actor: Actor) -> Response:
    values = await forms.read(request)
    text = {k: v for k, v in values.items() if k not in ("scope_codes", "rate_table")}
    data, errors = forms.parse(ProgramIn, text, lang_of(request), **_program_data(values, actor))
    if data is None:
        return await _list(request, session, actor, values, errors, 422)

    async def op(s: AsyncSession, a: Actor) -> ProgramOut:
        return await comp.program_out(s, await comp.create_program(s, a, data))

    outcome = await forms.submit(request, values, data, op)
    if not outcome.ok:
        return await _list(request, session, actor, values, outcome.errors, outcome.status)
    return Redirect(path=f"/console/programs/{outcome.saved['id']}?ok=program_created", status_code=303)


async def _detail(request: Request, session: AsyncSession, actor: Actor, program_id: int,
                  values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                  status: int = 200) -> Response:
    program = await comp.visible_program(session, actor, program_id)
    out = await comp.program_out(session, program)
    t = LABELS[lang_of(request)]
    sources = [(a.id, f"{a.name} ({a.code})") for a in
               await county.source_accounts(session, actor, exclude=program.fund_account_id)]
    fund = next((f for f in (await county.funds(session, actor))[0] if f.id == program.fund_account_id), None)
    return page(request, "official/program.html", status=status, title=program.name, p=out, fund=fund,
                kind=t[f"rk_{program.rule_kind}"], sources=sources, values=values or {}, errors=errors or {},
                payments=await county.payments(session, actor, program_id=program_id, limit=50))


@get("/programs/{program_id:int}", guards=[requires(*OFFICIAL)])
async def program_detail(request: Request, session: AsyncSession, actor: Actor, program_id: Id) -> Response:
    return await _detail(request, session, actor, program_id)


@post("/programs/{program_id:int}/funding", guards=[requires(*OFFICIAL)], status_code=200)
async def program_fund(request: Request, session: AsyncSession, actor: Actor, program_id: Id) -> Response:
    values = await forms.read(request)
    data, errors = forms.parse(FundingIn, values, lang_of(request))
    if data is None:
        return await _detail(request, session, actor, program_id, forms.fields(values), errors, 422)

    async def op(s: AsyncSession, a: Actor) -> FundingOut:
        program = await comp.visible_program(s, a, program_id)
        return await funding.funding_out(s, await funding.fund_program(s, a, program, data))

    outcome = await forms.submit(request, values, {"program_id": program_id, **data.model_dump(mode="json")}, op)
    if not outcome.ok:
        return await _detail(request, session, actor, program_id, forms.fields(values), outcome.errors,
                             outcome.status)
    return Redirect(path=f"/console/programs/{program_id}?ok=funding_entered", status_code=303)


routes: list[Any] = [program_list, program_create, program_detail, program_fund]
