"""The approver's decisions on money coming into funds: a program's funding from a county fund and a
county's budget receipt from its province. The funding service holds the four-eyes rule; these pages
show the entry beside the source and the fund, and approve or reject it."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.actor import Actor
from service.auth.guards import requires
from service.auth.models import Role
from service.compensation import funding
from service.compensation.models import Program
from service.compensation.schemas import FundingOut, ReasonIn
from service.console import forms
from service.console.i18n import LABELS, lang_of, register
from service.console.pages.approver import done
from service.console.pages.roles_common import parse_form, user_names
from service.console.render import page
from service.ledger import service as ledger
from service.pagination import Id


async def _funding_page(request: Request, session: AsyncSession, actor: Actor, funding_id: int,
                        errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
                        status: int = 200) -> Response:
    f = await funding.visible(session, actor, funding_id)
    source = await ledger.get_account(session, f.source_account_id)
    fund = await ledger.get_account(session, f.fund_account_id)
    program = await session.get(Program, f.program_id) if f.program_id else None
    t = LABELS[lang_of(request)]
    return page(request, "approver/funding.html", status=status, title=t["ap_funding_title"].format(id=f.id),
                f=f, source=source, fund=fund, program=program,
                names=await user_names(session, [f.entered_by, f.decided_by]),
                own=f.entered_by == actor.user_id, errors=errors or {}, values=values or {})


@get("/approvals/fundings/{funding_id:int}", guards=[requires(Role.APPROVER)])
async def funding_detail(request: Request, session: AsyncSession, actor: Actor, funding_id: Id) -> Response:
    return await _funding_page(request, session, actor, funding_id)


@post("/approvals/fundings/{funding_id:int}/approve", guards=[requires(Role.APPROVER)], status_code=200)
async def approve_funding(request: Request, session: AsyncSession, actor: Actor, funding_id: Id) -> Response:
    values = await forms.read(request)

    async def op(s: AsyncSession, a: Actor) -> FundingOut:
        return await funding.funding_out(s, await funding.approve(s, a, funding_id))

    outcome = await forms.submit(request, values, {"funding_id": funding_id, "action": "approve"}, op)
    if not outcome.ok:
        return await _funding_page(request, session, actor, funding_id, outcome.errors, status=outcome.status)
    return done(request, outcome, "ap_approved", "console_funding_approved", funding_id=funding_id)


@post("/approvals/fundings/{funding_id:int}/reject", guards=[requires(Role.APPROVER)], status_code=200)
async def reject_funding(request: Request, session: AsyncSession, actor: Actor, funding_id: Id) -> Response:
    values = await forms.read(request)
    data, errors = parse_form(ReasonIn, values)
    if data is None:
        return await _funding_page(request, session, actor, funding_id, errors, forms.fields(values), 422)

    async def op(s: AsyncSession, a: Actor) -> FundingOut:
        return await funding.funding_out(s, await funding.reject(s, a, funding_id, data.reason))

    outcome = await forms.submit(request, values, {"funding_id": funding_id, "reject": data.reason}, op)
    if not outcome.ok:
        return await _funding_page(request, session, actor, funding_id, outcome.errors, forms.fields(values),
                                   outcome.status)
    return done(request, outcome, "ap_rejected", "console_funding_rejected", funding_id=funding_id)


register({
    "en": {
        "ap_fundings": "Money into funds", "ap_funding_title": "Funding No. {id}", "ap_funding_kind": "Kind",
        "ap_kind_program": "program funding", "ap_kind_budget_receipt": "county budget receipt",
        "ap_from": "From", "ap_to": "Into", "ap_source_available": "available at the source",
        "ap_funding_effect": "Approving posts the money into the fund; rejecting releases the reservation at the source.",
    },
    "zh": {
        "ap_fundings": "资金拨入", "ap_funding_title": "拨款第 {id} 号", "ap_funding_kind": "类型",
        "ap_kind_program": "项目拨款", "ap_kind_budget_receipt": "县级预算收入",
        "ap_from": "来源", "ap_to": "拨入", "ap_source_available": "来源账户可用余额",
        "ap_funding_effect": "批准后款项记入资金账户；驳回则释放来源账户的预留。",
    },
})

routes: list[Any] = [funding_detail, approve_funding, reject_funding]
