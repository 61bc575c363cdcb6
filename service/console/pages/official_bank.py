"""Bank files: the transfer confirmation that marks payments paid, and statement reconciliations."""

from __future__ import annotations

import hashlib
from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.actor import Actor
from service.auth.guards import requires
from service.compensation import batches, reconcile
from service.compensation.models import Reconciliation
from service.compensation.repository import readable_reconciliations
from service.compensation.schemas import BulkPaidOut, ReconciliationOut
from service.console import forms
from service.console.i18n import LABELS, lang_of
from service.console.pages.official import OFFICIAL
from service.console.pages.official_batches import _file
from service.console.render import page
from service.db import fetch_one
from service.errors import DomainError, NotFound
from service.pagination import Id


async def _bank(request: Request, session: AsyncSession, actor: Actor, errors: dict[str, str] | None = None,
                marked: dict[str, Any] | None = None, status: int = 200) -> Response:
    q = readable_reconciliations(actor).order_by(Reconciliation.id.desc()).limit(50)
    return page(request, "official/bank.html", status=status, title=LABELS[lang_of(request)]["bank"],
                errors=errors or {}, marked=marked, runs=list((await session.execute(q)).scalars()))


@get("/bank", guards=[requires(*OFFICIAL)])
async def bank(request: Request, session: AsyncSession, actor: Actor) -> Response:
    return await _bank(request, session, actor)


async def _upload(request: Request, session: AsyncSession, op_for) -> tuple[dict[str, Any] | None, dict[str, str], int]:
    values = await forms.read(request)
    try:
        filename, content = await _file(values)
    except DomainError as exc:
        return None, forms.as_errors(exc, lang_of(request)), exc.status
    outcome = await forms.submit(request, values, {"file": hashlib.sha256(content).hexdigest(), "name": filename},
                                 op_for(filename, content))
    return outcome.result, outcome.errors, outcome.status


@post("/bank/mark-paid", guards=[requires(*OFFICIAL)], status_code=200)
async def mark_paid_file(request: Request, session: AsyncSession, actor: Actor) -> Response:
    def op_for(filename: str, content: bytes):
        async def op(s: AsyncSession, a: Actor) -> BulkPaidOut:
            ids, encoding = await batches.mark_paid_from_file(s, a, filename, content)
            return BulkPaidOut(marked_paid=len(ids), payment_ids=ids, encoding=encoding)
        return op

    result, errors, status = await _upload(request, session, op_for)
    return await _bank(request, session, actor, errors, result, status if errors else 200)


@post("/bank/reconciliations", guards=[requires(*OFFICIAL)], status_code=200)
async def reconcile_file(request: Request, session: AsyncSession, actor: Actor) -> Response:
    def op_for(filename: str, content: bytes):
        async def op(s: AsyncSession, a: Actor) -> ReconciliationOut:
            return reconcile.run_out(await reconcile.run(s, a, filename, content, None))
        return op

    result, errors, status = await _upload(request, session, op_for)
    if result is None:
        return await _bank(request, session, actor, errors, None, status)
    return Redirect(path=f"/console/bank/reconciliations/{result['id']}", status_code=303)


@get("/bank/reconciliations/{run_id:int}", guards=[requires(*OFFICIAL)])
async def reconciliation(request: Request, session: AsyncSession, actor: Actor, run_id: Id) -> Response:
    run = await fetch_one(session, readable_reconciliations(actor).where(Reconciliation.id == run_id))
    if run is None:
        raise NotFound(f"reconciliation {run_id} not found")
    t = LABELS[lang_of(request)]
    return page(request, "official/reconciliation.html", title=f"{t['reconcile']} #{run.id}", run=run,
                report=run.report or {})


routes: list[Any] = [bank, mark_paid_file, reconcile_file, reconciliation]
