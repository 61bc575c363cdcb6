"""The official's enrollments: the register (households, parcels, basis in force), one enrollment with its
full history and its change requests, a form to enter a change; and the payment cycle: dry run as a
table with its exceptions, then commit as one batch (which the approver approves like any batch)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.actor import Actor
from service.auth.guards import requires
from service.console import county, forms
from service.console.i18n import LABELS, lang_of, register
from service.console.pages.official import OFFICIAL
from service.console.render import add_nav, page
from service.enrollments import cycles
from service.enrollments import service as enr
from service.enrollments.models import ChangeAction, Cycle
from service.enrollments.repository import readable_cycles
from service.enrollments.schemas import (
    ChangeRequestIn,
    ChangeRequestOut,
    CycleIn,
    CycleReport,
)
from service.errors import DomainError
from service.pagination import Id

add_nav("/console/enrollments", "enrollments", *OFFICIAL)
add_nav("/console/cycles", "cycles", *OFFICIAL)
ACTIONS = [a.value for a in ChangeAction]

register({
    "en": {"enrollments": "Enrollments", "enrollment": "Enrollment", "cycles": "Payment cycles",
           "basis": "Basis in force", "parcels": "Parcels", "parcel_code": "Parcel code", "land_class": "Land class", "valid_from": "From", "valid_until": "Until", "history": "History",
           "change_requests": "Change requests", "new_change": "Enter a change request",
           "to_enrollment_id": "To enrollment #", "change_entered": "Change request entered: it takes effect when an approver approves it.",
           "flags": "To look at", "start_date": "Enrolled from",
           "cycle_dry_run": "Dry run of the cycle", "commit_cycle": "Commit the cycle as one batch",
           "exceptions": "Exceptions", "held": "Held back", "noted": "Paid, noted", "enrolled": "Enrolled",
           "payable": "Payable", "cycle_has_no_payable": "Nothing can be committed: see the exceptions.",
           "basis_date": "Basis on", "cycle_committed": "Cycle committed as one batch: an approver approves it next."},
    "zh": {"enrollments": "登记名册", "enrollment": "登记", "cycles": "发放周期",
           "basis": "现行依据", "parcels": "地块", "parcel_code": "小班号", "land_class": "地类", "valid_from": "起", "valid_until": "止", "history": "变更历史",
           "change_requests": "变更申请", "new_change": "录入变更申请",
           "to_enrollment_id": "转入登记号", "change_entered": "变更申请已录入：审核人批准后生效。",
           "flags": "需核查", "start_date": "纳入日期",
           "cycle_dry_run": "周期试算", "commit_cycle": "提交本周期（一个批次）",
           "exceptions": "异常", "held": "暂缓发放", "noted": "照发，已标注", "enrolled": "登记户数",
           "payable": "可发户数", "cycle_has_no_payable": "没有可提交的发放：请查看异常。",
           "basis_date": "依据日期", "cycle_committed": "本周期已提交为一个批次：下一步由审核人批准。"},
})


@get("/enrollments", guards=[requires(*OFFICIAL)])
async def enrollment_list(request: Request, session: AsyncSession, actor: Actor) -> Response:
    program = request.query_params.get("program_id")
    rows = await enr.list_enrollments(session, actor, limit=500, offset=0,
                                      program_id=int(program) if program and program.isascii() and program.isdigit() else None)
    items = [await enr.enrollment_out(session, e) for e in rows]
    return page(request, "official/enrollments.html", title=LABELS[lang_of(request)]["enrollments"], items=items,
                programs=[(p.id, f"{p.id} · {p.name}") for p in await county.programs(session, actor)],
                values={"program_id": program or ""})


async def _detail(request: Request, session: AsyncSession, actor: Actor, enrollment_id: int,
                  errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
                  status: int = 200) -> Response:
    e = await enr.enrollment_out(session, await enr.visible_enrollment(session, actor, enrollment_id), history=True)
    changes = [enr.change_out(c) for c in await enr.list_changes(session, actor, limit=200, offset=0,
                                                                 enrollment_id=enrollment_id)]
    t = LABELS[lang_of(request)]
    return page(request, "official/enrollment.html", status=status, title=f"{t['enrollment']} #{e.id}", e=e,
                changes=changes, actions=[(a, a) for a in ACTIONS], errors=errors or {}, values=values or {})


@get("/enrollments/{enrollment_id:int}", guards=[requires(*OFFICIAL)])
async def enrollment_detail(request: Request, session: AsyncSession, actor: Actor, enrollment_id: Id) -> Response:
    return await _detail(request, session, actor, enrollment_id)


@post("/enrollments/{enrollment_id:int}/changes", guards=[requires(*OFFICIAL)], status_code=200)
async def enter_change(request: Request, session: AsyncSession, actor: Actor, enrollment_id: Id) -> Response:
    values = await forms.read(request)
    data, errors = forms.parse(ChangeRequestIn, values, lang_of(request), enrollment_id=enrollment_id)
    if data is None:
        return await _detail(request, session, actor, enrollment_id, errors, forms.fields(values), 422)
    secret = request.app.state.settings.secret

    async def op(s: AsyncSession, a: Actor) -> ChangeRequestOut:
        return enr.change_out(await enr.enter_change(s, a, data, secret))

    outcome = await forms.submit(request, values, data, op)
    if not outcome.ok:
        return await _detail(request, session, actor, enrollment_id, outcome.errors, forms.fields(values),
                             outcome.status)
    return Redirect(path=f"/console/enrollments/{enrollment_id}?ok=change_entered", status_code=303)


async def _cycle_page(request: Request, session: AsyncSession, actor: Actor, values: dict[str, Any],
                      errors: dict[str, str], report: CycleReport | None = None, status: int = 200) -> Response:
    committed = list((await session.execute(readable_cycles(actor).order_by(Cycle.id.desc()).limit(50))).scalars())
    return page(request, "official/cycles.html", status=status, title=LABELS[lang_of(request)]["cycles"],
                programs=[(p.id, f"{p.id} · {p.name}") for p in await county.programs(session, actor)],
                values=forms.fields(values), errors=errors, report=report,
                cycles=[cycles.cycle_out(c) for c in committed])


@get("/cycles", guards=[requires(*OFFICIAL)])
async def cycle_page(request: Request, session: AsyncSession, actor: Actor) -> Response:
    return await _cycle_page(request, session, actor, dict(request.query_params), {})


@post("/cycles/dry-run", guards=[requires(*OFFICIAL)], status_code=200)
async def cycle_dry_run(request: Request, session: AsyncSession, actor: Actor) -> Response:
    values = await forms.read(request)
    data, errors = forms.parse(CycleIn, values, lang_of(request))
    if data is None:
        return await _cycle_page(request, session, actor, values, errors, status=422)
    try:
        report = await cycles.dry_run(session, actor, data, with_lines=True)
    except DomainError as exc:
        return await _cycle_page(request, session, actor, values, forms.as_errors(exc, lang_of(request)),
                                 status=exc.status)
    return await _cycle_page(request, session, actor, values, {}, report, 200 if report.ok else 422)


@post("/cycles/commit", guards=[requires(*OFFICIAL)], status_code=200)
async def cycle_commit(request: Request, session: AsyncSession, actor: Actor) -> Response:
    values = await forms.read(request)
    data, errors = forms.parse(CycleIn, values, lang_of(request))
    if data is None:
        return await _cycle_page(request, session, actor, values, errors, status=422)

    async def op(s: AsyncSession, a: Actor) -> CycleReport:
        return await cycles.commit(s, a, data)

    outcome = await forms.submit(request, values, data, op)
    if not outcome.ok:
        return await _cycle_page(request, session, actor, values, outcome.errors, status=outcome.status)
    return Redirect(path=f"/console/batches/{outcome.saved['batch_id']}?ok=cycle_committed", status_code=303)


routes: list[Any] = [enrollment_list, enrollment_detail, enter_change, cycle_page, cycle_dry_run, cycle_commit]
