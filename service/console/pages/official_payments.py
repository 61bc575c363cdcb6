"""Payments: enter one (priced from the program's rule first), list and export, mark paid, reverse."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from litestar import Request, Response, get, post
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.actor import Actor
from service.auth.guards import requires
from service.compensation import batches
from service.compensation import service as comp
from service.compensation.models import PaymentStatus
from service.compensation.schemas import MarkPaidIn, PaymentIn, PaymentOut, ReasonIn
from service.console import county, forms, pricing
from service.console.i18n import LABELS, lang_of
from service.console.pages.official import OFFICIAL
from service.console.render import page
from service.errors import DomainError
from service.pagination import Id
from service.parties.models import Party

STATUSES = [s.value for s in PaymentStatus]


async def _entry_form(request: Request, session: AsyncSession, actor: Actor, values: dict[str, Any],
                      errors: dict[str, str], priced: pricing.Priced | None = None, status: int = 200) -> Response:
    t = LABELS[lang_of(request)]
    programs = [(p.id, f"{p.id} · {p.name}") for p in await county.programs(session, actor)]
    extra = {"form_key": values["_form_key"]} if values.get("_form_key") else {}
    return page(request, "official/payment_new.html", status=status, title=t["enter_payment"], programs=programs,
                values=values, errors=errors, priced=priced, **extra)


@get("/payments/new", guards=[requires(*OFFICIAL)])
async def new_payment(request: Request, session: AsyncSession, actor: Actor) -> Response:
    values = {k: v for k, v in request.query_params.items() if k in ("program_id", "payee_party_id", "period")}
    return await _entry_form(request, session, actor, values, {})


@post("/payments/price", guards=[requires(*OFFICIAL)], status_code=200)
async def price_payment(request: Request, session: AsyncSession, actor: Actor) -> Response:
    """Writes nothing: shows what the rule gives and why, and keeps the form (and its key) for submitting."""
    values = await forms.read(request)
    data, errors = forms.parse(PaymentIn, values, lang_of(request))
    priced = None
    if data is not None:
        try:
            priced = await pricing.price(session, actor, data, lang_of(request))
        except DomainError as exc:
            errors = forms.as_errors(exc, lang_of(request))
    return await _entry_form(request, session, actor, values, errors, priced, 200 if not errors else 422)


@post("/payments", guards=[requires(*OFFICIAL)], status_code=200)
async def enter_payment(request: Request, session: AsyncSession, actor: Actor) -> Response:
    values = await forms.read(request)
    data, errors = forms.parse(PaymentIn, values, lang_of(request))
    if data is None:
        return await _entry_form(request, session, actor, values, errors, status=422)

    async def op(s: AsyncSession, a: Actor) -> PaymentOut:
        return await comp.enter_payment(s, a, data)

    outcome = await forms.submit(request, values, data, op)
    if not outcome.ok:
        return await _entry_form(request, session, actor, values, outcome.errors, status=outcome.status)
    return Redirect(path=f"/console/payments/{outcome.saved['id']}?ok=payment_entered", status_code=303)


def _filters(request: Request) -> dict[str, Any]:
    q = request.query_params
    out: dict[str, Any] = {}
    if q.get("status") in STATUSES:
        out["status"] = q["status"]
    for name in ("program_id", "batch_id"):
        if (q.get(name) or "").isdigit() and len(q[name]) < 18:
            out[name] = int(q[name])
    if q.get("period"):
        out["period"] = q["period"][:7]
    return out


@get("/payments", guards=[requires(*OFFICIAL)])
async def payment_list(request: Request, session: AsyncSession, actor: Actor) -> Response:
    filters = _filters(request)
    rows = await county.payments(session, actor, limit=500, **filters)
    export = "&".join(f"{k}={v}" for k, v in filters.items())
    return page(request, "official/payments.html", title=LABELS[lang_of(request)]["payments"], rows=rows,
                values={k: str(v) for k, v in filters.items()}, statuses=STATUSES, export=export,
                programs=[(p.id, f"{p.id} · {p.name}") for p in await county.programs(session, actor)])


@get("/payments/export", guards=[requires(*OFFICIAL)])
async def payment_export(request: Request, session: AsyncSession, actor: Actor,
                         format: Literal["csv", "xlsx"] = "csv") -> Response:
    content, media_type = await batches.export(session, actor, format, **_filters(request))
    return Response(content=content, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="payments.{format}"'})


async def _detail(request: Request, session: AsyncSession, actor: Actor, payment_id: int,
                  values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                  status: int = 200) -> Response:
    payment = await comp.visible_payment(session, actor, payment_id)
    out = await comp.payment_with_events(session, payment)
    program = await comp.visible_program(session, actor, payment.program_id)
    payee = await session.get(Party, payment.payee_party_id)
    t = LABELS[lang_of(request)]
    return page(request, "official/payment.html", status=status, title=f"{t['payment']} #{payment_id}", p=out,
                program=program, payee=payee, values=values or {"paid_on": date.today().isoformat()},
                errors=errors or {})


@get("/payments/{payment_id:int}", guards=[requires(*OFFICIAL)])
async def payment_detail(request: Request, session: AsyncSession, actor: Actor, payment_id: Id) -> Response:
    return await _detail(request, session, actor, payment_id)


async def _transition(request: Request, session: AsyncSession, actor: Actor, payment_id: int, model: type,
                      action, ok: str) -> Response:
    values = await forms.read(request)
    data, errors = forms.parse(model, values, lang_of(request))
    if data is None:
        return await _detail(request, session, actor, payment_id, forms.fields(values), errors, 422)

    async def op(s: AsyncSession, a: Actor) -> PaymentOut:
        return comp.payment_out(await action(s, a, data))

    outcome = await forms.submit(request, values, {"payment_id": payment_id, **data.model_dump(mode="json")}, op)
    if not outcome.ok:
        return await _detail(request, session, actor, payment_id, forms.fields(values), outcome.errors, outcome.status)
    return Redirect(path=f"/console/payments/{payment_id}?ok={ok}", status_code=303)


@post("/payments/{payment_id:int}/mark-paid", guards=[requires(*OFFICIAL)], status_code=200)
async def mark_paid(request: Request, session: AsyncSession, actor: Actor, payment_id: Id) -> Response:
    return await _transition(request, session, actor, payment_id, MarkPaidIn,
                             lambda s, a, d: comp.mark_paid(s, a, payment_id, d), "paid_ok")


@post("/payments/{payment_id:int}/reverse", guards=[requires(*OFFICIAL)], status_code=200)
async def reverse(request: Request, session: AsyncSession, actor: Actor, payment_id: Id) -> Response:
    return await _transition(request, session, actor, payment_id, ReasonIn,
                             lambda s, a, d: comp.reverse(s, a, payment_id, d.reason), "reversed_ok")


routes: list[Any] = [new_payment, price_payment, enter_payment, payment_list, payment_export, payment_detail,
                     mark_paid, reverse]
