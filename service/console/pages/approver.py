"""The approver's queue: payments, batches and stipend runs entered by others, each beside what the rule
says it should be; approve, or reject with a reason. One's own entries are listed but cannot be
approved (the domain's four-eyes rule refuses them; the page says so first)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.actor import Actor
from service.auth.guards import requires
from service.auth.models import Role
from service.compensation import service as comp
from service.compensation.models import Program
from service.compensation.schemas import PaymentOut, ReasonIn
from service.console import audit, forms
from service.console.i18n import LABELS, lang_of, register
from service.console.pages import approver_checks as checks
from service.console.pages.roles_common import parse_form, party_names, user_names
from service.console.pages.signin import START
from service.console.render import add_nav, page
from service.ledger import service as ledger
from service.pagination import Id
from service.patrols.models import StipendRule

QUEUE = "/console/approvals"
add_nav(QUEUE, "ap_queue", Role.APPROVER)
START[Role.APPROVER] = QUEUE


async def queue_context(session: AsyncSession, actor: Actor) -> dict[str, Any]:
    payments = await checks.single_payments(session, actor)
    batches = await checks.open_batches(session, actor)
    runs = await checks.open_runs(session, actor)
    fundings = await checks.pending_fundings(session, actor)
    progs = await checks.programs(session, {p.program_id for p in payments} | {b.program_id for b in batches}
                                  | {f.program_id for f in fundings if f.program_id})
    rules = {r.rule_id: await session.get(StipendRule, r.rule_id) for r in runs}
    run_ok = {r.id: all(checks.stipend_check(rules[r.rule_id], line).ok  # type: ignore[arg-type]
                        for line in await checks.run_lines(session, r.id)) for r in runs}
    return {
        "payments": [(p, progs[p.program_id], checks.payment_check(progs[p.program_id], p)) for p in payments],
        "batches": [(b, progs[b.program_id], await checks.batch_check(session, b, progs[b.program_id], shown=0))
                    for b in batches],
        "runs": [(r, rules[r.rule_id], run_ok[r.id]) for r in runs],
        "fundings": [(f, progs.get(f.program_id) if f.program_id is not None else None) for f in fundings],
        "names": await user_names(session, [p.entered_by for p in payments] + [b.created_by for b in batches]
                                  + [r.created_by for r in runs] + [f.entered_by for f in fundings]),
        "payees": await party_names(session, [p.payee_party_id for p in payments]),
    }


@get("/approvals", guards=[requires(Role.APPROVER)])
async def approval_queue(request: Request, session: AsyncSession, actor: Actor) -> Response:
    return page(request, "approver/queue.html", title=LABELS[lang_of(request)]["ap_queue"],
                **await queue_context(session, actor))


async def _payment_page(request: Request, session: AsyncSession, actor: Actor, payment_id: int,
                        errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
                        status: int = 200) -> Response:
    payment = await comp.visible_payment(session, actor, payment_id)
    program = await session.get_one(Program, payment.program_id)
    trail = (await comp.payment_with_events(session, payment)).events or []
    fund = await ledger.get_account(session, program.fund_account_id)
    t = LABELS[lang_of(request)]
    return page(request, "approver/payment.html", status=status, title=t["ap_payment_title"].format(id=payment.id),
                p=payment, program=program, check=checks.payment_check(program, payment), fund=fund, trail=trail,
                names=await user_names(session, [payment.entered_by, *(e.actor_id for e in trail)]),
                payee=(await party_names(session, [payment.payee_party_id])).get(payment.payee_party_id, ""),
                own=payment.entered_by == actor.user_id, errors=errors or {}, values=values or {})


@get("/approvals/payments/{payment_id:int}", guards=[requires(Role.APPROVER)])
async def payment_detail(request: Request, session: AsyncSession, actor: Actor, payment_id: Id) -> Response:
    return await _payment_page(request, session, actor, payment_id)


def done(request: Request, outcome: forms.Outcome, label: str, event: str, **fields: Any) -> Response:
    audit.event(request, event, by=request.user.user_id, **fields)
    return Redirect(path=f"{QUEUE}?ok={'already_submitted' if outcome.replayed else label}", status_code=303)


@post("/approvals/payments/{payment_id:int}/approve", guards=[requires(Role.APPROVER)], status_code=200)
async def approve_payment(request: Request, session: AsyncSession, actor: Actor, payment_id: Id) -> Response:
    values = await forms.read(request)

    async def op(s: AsyncSession, a: Actor) -> PaymentOut:
        return comp.payment_out(await comp.approve(s, a, payment_id))

    outcome = await forms.submit(request, values, {"payment_id": payment_id, "action": "approve"}, op)
    if not outcome.ok:
        return await _payment_page(request, session, actor, payment_id, outcome.errors, status=outcome.status)
    return done(request, outcome, "ap_approved", "console_payment_approved", payment_id=payment_id)


@post("/approvals/payments/{payment_id:int}/reject", guards=[requires(Role.APPROVER)], status_code=200)
async def reject_payment(request: Request, session: AsyncSession, actor: Actor, payment_id: Id) -> Response:
    values = await forms.read(request)
    data, errors = parse_form(ReasonIn, values)
    if data is None:
        return await _payment_page(request, session, actor, payment_id, errors, forms.fields(values), 422)

    async def op(s: AsyncSession, a: Actor) -> PaymentOut:
        return comp.payment_out(await comp.reject(s, a, payment_id, data.reason))

    outcome = await forms.submit(request, values, {"payment_id": payment_id, "reject": data.reason}, op)
    if not outcome.ok:
        return await _payment_page(request, session, actor, payment_id, outcome.errors, forms.fields(values),
                                   outcome.status)
    return done(request, outcome, "ap_rejected", "console_payment_rejected", payment_id=payment_id)


register({
    "en": {
        "ap_queue": "Approvals", "ap_payments": "Payments waiting for approval", "ap_batches": "Payment batches",
        "ap_runs": "Patrol stipend runs", "ap_payment_title": "Payment No. {id}", "ap_batch_title": "Batch No. {id}",
        "ap_run_title": "Stipend run No. {id}", "ap_approved": "Approved: the money is posted in the ledger.",
        "ap_rejected": "Rejected: the reserved money is released.", "ap_fund": "Program fund",
        "ap_fund_available": "available after this reservation", "ap_fund_posted": "posted balance",
        "ap_basis": "Basis", "ap_area": "{area} mu", "ap_persons": "{n} persons", "ap_months": "{n} months",
        "ap_category": "category {c}", "ap_trail": "Trail", "ap_action": "Action", "ap_by": "By", "ap_when": "When",
        "ap_rows": "Rows", "ap_pending_rows": "Pending payments", "ap_rule_total": "The rule gives",
        "ap_mismatches": "Rows that differ from the rule", "ap_approve_batch": "Approve every pending payment",
        "ap_reject_batch": "Reject every pending payment", "ap_file": "File", "ap_shown_rows":
        "The first {n} rows are shown; the totals cover all of them.", "ap_row": "Row",
        "ap_stipend_rule": "Stipend rule", "ap_rate": "Rate", "ap_cap": "Monthly cap", "ap_member": "Member",
        "ap_patrol_days": "Patrol days", "ap_hours": "Hours", "ap_uncapped": "Before the cap",
        "ap_all_match": "every line matches the rule", "ap_some_differ": "some lines differ from the rule",
        "ap_nothing_waiting": "Nothing is waiting for your decision.", "ap_basis_day": "per verified patrol-day",
        "ap_basis_hour": "per verified hour", "ap_decided": "This entry has already been decided.",
    },
    "zh": {
        "ap_queue": "待审批", "ap_payments": "待审批的补偿款", "ap_batches": "批量发放", "ap_runs": "巡护补贴发放",
        "ap_payment_title": "补偿款第 {id} 号", "ap_batch_title": "批次第 {id} 号", "ap_run_title": "补贴发放第 {id} 号",
        "ap_approved": "已批准：款项已记入账本。", "ap_rejected": "已驳回：预留资金已释放。", "ap_fund": "项目资金",
        "ap_fund_available": "扣除本笔预留后可用", "ap_fund_posted": "入账余额", "ap_basis": "计算基数",
        "ap_area": "{area} 亩", "ap_persons": "{n} 人", "ap_months": "{n} 个月", "ap_category": "类别 {c}",
        "ap_trail": "处理记录", "ap_action": "操作", "ap_by": "操作人", "ap_when": "时间", "ap_rows": "行数",
        "ap_pending_rows": "待审批笔数", "ap_rule_total": "按规则合计", "ap_mismatches": "与规则不符的行",
        "ap_approve_batch": "批准全部待审批款项", "ap_reject_batch": "驳回全部待审批款项", "ap_file": "文件",
        "ap_shown_rows": "仅显示前 {n} 行；合计覆盖全部行。", "ap_row": "行",
        "ap_stipend_rule": "补贴规则", "ap_rate": "标准", "ap_cap": "每月上限", "ap_member": "队员",
        "ap_patrol_days": "巡护天数", "ap_hours": "时长", "ap_uncapped": "封顶前",
        "ap_all_match": "各行均与规则相符", "ap_some_differ": "有行与规则不符",
        "ap_nothing_waiting": "没有等待您审批的事项。", "ap_basis_day": "每个核实巡护日",
        "ap_basis_hour": "每核实小时", "ap_decided": "此事项已处理。",
    },
})

routes: list[Any] = [approval_queue, payment_detail, approve_payment, reject_payment]
