"""The approver's decisions on whole batches of payments and on monthly patrol stipend runs."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.actor import Actor
from service.auth.guards import requires
from service.auth.models import Role
from service.compensation import batches
from service.compensation import service as comp
from service.compensation.models import Payment, PaymentStatus, Program
from service.compensation.schemas import BatchOut, ReasonIn
from service.console import forms
from service.console.i18n import LABELS, lang_of
from service.console.pages import approver_checks as checks
from service.console.pages.approver import done
from service.console.pages.roles_common import (
    Decided,
    parse_form,
    party_names,
    user_names,
)
from service.console.render import page
from service.ledger import service as ledger
from service.pagination import Id
from service.patrols import stipends
from service.patrols.models import StipendRule
from service.patrols.schemas import ReviewIn, StipendRunOut


async def _batch_page(request: Request, session: AsyncSession, actor: Actor, batch_id: int,
                      errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
                      status: int = 200) -> Response:
    batch = await batches.visible_batch(session, actor, batch_id)
    program = await session.get(Program, batch.program_id)
    check = await checks.batch_check(session, batch, program)  # type: ignore[arg-type]
    t = LABELS[lang_of(request)]
    return page(request, "approver/batch.html", status=status, title=t["ap_batch_title"].format(id=batch.id),
                b=batch, out=await batches.batch_out(session, batch), program=program, check=check,
                fund=await ledger.get_account(session, program.fund_account_id),  # type: ignore[union-attr]
                payees=await party_names(session, [row.payee_party_id for row, _ in check.lines]),
                names=await user_names(session, [batch.created_by, batch.approved_by]),
                own=batch.created_by == actor.user_id, errors=errors or {}, values=values or {})


@get("/approvals/batches/{batch_id:int}", guards=[requires(Role.APPROVER)])
async def batch_detail(request: Request, session: AsyncSession, actor: Actor, batch_id: Id) -> Response:
    return await _batch_page(request, session, actor, batch_id)


@post("/approvals/batches/{batch_id:int}/approve", guards=[requires(Role.APPROVER)], status_code=200)
async def approve_batch(request: Request, session: AsyncSession, actor: Actor, batch_id: Id) -> Response:
    values = await forms.read(request)

    async def op(s: AsyncSession, a: Actor) -> BatchOut:
        return await batches.batch_out(s, await batches.approve_batch(s, a, batch_id))

    outcome = await forms.submit(request, values, {"batch_id": batch_id, "action": "approve"}, op)
    if not outcome.ok:
        return await _batch_page(request, session, actor, batch_id, outcome.errors, status=outcome.status)
    return done(request, outcome, "ap_approved", "console_batch_approved", batch_id=batch_id)


@post("/approvals/batches/{batch_id:int}/reject", guards=[requires(Role.APPROVER)], status_code=200)
async def reject_batch(request: Request, session: AsyncSession, actor: Actor, batch_id: Id) -> Response:
    """Each pending payment of the batch is rejected by the payment service, with the one reason."""
    values = await forms.read(request)
    data, errors = parse_form(ReasonIn, values)
    if data is None:
        return await _batch_page(request, session, actor, batch_id, errors, forms.fields(values), 422)

    async def op(s: AsyncSession, a: Actor) -> Decided:
        batch = await batches.visible_batch(s, a, batch_id)
        pending = (await s.execute(select(Payment.id).where(
            Payment.batch_id == batch.id, Payment.status == PaymentStatus.PENDING).order_by(Payment.id))).scalars()
        for payment_id in list(pending):
            await comp.reject(s, a, payment_id, data.reason)
        return Decided(id=batch.id, status="rejected")

    outcome = await forms.submit(request, values, {"batch_id": batch_id, "reject": data.reason}, op)
    if not outcome.ok:
        return await _batch_page(request, session, actor, batch_id, outcome.errors, forms.fields(values),
                                 outcome.status)
    return done(request, outcome, "ap_rejected", "console_batch_rejected", batch_id=batch_id)


# --- stipend runs -----------------------------------------------------------------------------------


async def _run_page(request: Request, session: AsyncSession, actor: Actor, run_id: int,
                    errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
                    status: int = 200) -> Response:
    run = await stipends.get_run(session, actor, run_id)
    rule = await session.get(StipendRule, run.rule_id)
    lines = [(line, checks.stipend_check(rule, line))  # type: ignore[arg-type]
             for line in await checks.run_lines(session, run.id)]
    t = LABELS[lang_of(request)]
    return page(request, "approver/run.html", status=status, title=t["ap_run_title"].format(id=run.id),
                run=run, rule=rule, lines=lines,
                members=await party_names(session, [line.member_party_id for line, _ in lines]),
                names=await user_names(session, [run.created_by, run.decided_by]),
                own=run.created_by == actor.user_id, errors=errors or {}, values=values or {})


@get("/approvals/stipend-runs/{run_id:int}", guards=[requires(Role.APPROVER)])
async def run_detail(request: Request, session: AsyncSession, actor: Actor, run_id: Id) -> Response:
    return await _run_page(request, session, actor, run_id)


@post("/approvals/stipend-runs/{run_id:int}/approve", guards=[requires(Role.APPROVER)], status_code=200)
async def approve_run(request: Request, session: AsyncSession, actor: Actor, run_id: Id) -> Response:
    values = await forms.read(request)

    async def op(s: AsyncSession, a: Actor) -> StipendRunOut:
        return await stipends.run_out(s, await stipends.approve(s, a, run_id))

    outcome = await forms.submit(request, values, {"run_id": run_id, "action": "approve"}, op)
    if not outcome.ok:
        return await _run_page(request, session, actor, run_id, outcome.errors, status=outcome.status)
    return done(request, outcome, "ap_approved", "console_stipend_run_approved", run_id=run_id)


@post("/approvals/stipend-runs/{run_id:int}/reject", guards=[requires(Role.APPROVER)], status_code=200)
async def reject_run(request: Request, session: AsyncSession, actor: Actor, run_id: Id) -> Response:
    values = await forms.read(request)
    data, errors = parse_form(ReviewIn, values)
    if data is None:
        return await _run_page(request, session, actor, run_id, errors, forms.fields(values), 422)

    async def op(s: AsyncSession, a: Actor) -> StipendRunOut:
        return await stipends.run_out(s, await stipends.reject(s, a, run_id, data.reason))

    outcome = await forms.submit(request, values, {"run_id": run_id, "reject": data.reason}, op)
    if not outcome.ok:
        return await _run_page(request, session, actor, run_id, outcome.errors, forms.fields(values), outcome.status)
    return done(request, outcome, "ap_rejected", "console_stipend_run_rejected", run_id=run_id)


routes: list[Any] = [batch_detail, approve_batch, reject_batch, run_detail, approve_run, reject_run]
