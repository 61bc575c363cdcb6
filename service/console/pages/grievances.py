"""Grievance pages of the console: a household files one from a statement line; the county's queue
answers, attaches evidence, resolves and escalates; anyone follows a grievance by its tracking code."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.params import Parameter
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.actor import Actor
from service.auth.guards import PUBLIC, requires
from service.auth.models import Role
from service.console import forms
from service.console.i18n import LABELS, lang_of, register
from service.console.render import add_nav, page
from service.errors import NotFound
from service.grievances import service, views
from service.grievances.models import GrievanceKind, GrievanceStatus
from service.grievances.schemas import AnswerIn, EvidenceIn, GrievanceIn, GrievanceOut
from service.ratelimit import RATE_BUCKET, RATE_LIMITED, when_asked
from service.pagination import Id

READERS = (Role.OFFICIAL, Role.APPROVER, Role.AUDITOR, Role.COMMUNITY)
KINDS = [k.value for k in GrievanceKind]
add_nav("/console/grievances", "gr_queue", *READERS, order=150)
Seq = Annotated[int | None, Parameter(ge=1, le=2**62, required=False)]
Code = Annotated[str | None, Parameter(max_length=16, required=False)]


def _new_form(request: Request, values: dict[str, Any], errors: dict[str, str], status: int = 200) -> Response:
    t = LABELS[lang_of(request)]
    extra = {"form_key": values["_form_key"]} if values.get("_form_key") else {}
    return page(request, "grievances/new.html", status=status, title=t["gr_new"], values=values, errors=errors,
                kinds=[(k, t[f"gr_kind_{k}"]) for k in KINDS], **extra)


@get("/grievances/new", guards=[requires(*service.FILERS)])
async def new_grievance(request: Request, entry_sequence: Seq = None, party_id: Seq = None) -> Response:
    values = {"entry_sequence": str(entry_sequence or ""), "party_id": str(party_id or ""), "kind": "not_received"}
    return _new_form(request, values, {})


@post("/grievances", guards=[requires(*service.FILERS)], status_code=200)
async def file_grievance(request: Request) -> Response:
    values = await forms.read(request)
    data, errors = forms.parse(GrievanceIn, values, lang_of(request))
    if data is None:
        return _new_form(request, forms.fields(values) | {"_form_key": values.get("_form_key", "")}, errors, 422)
    days = request.app.state.settings.grievance_deadline_days

    async def op(s: AsyncSession, a: Actor) -> GrievanceOut:
        return await views.full(s, await service.file(s, a, data, days))

    outcome = await forms.submit(request, values, data, op)
    if not outcome.ok:
        return _new_form(request, forms.fields(values), outcome.errors, outcome.status)
    return Redirect(path=f"/console/grievances/{outcome.saved['id']}?ok=gr_filed", status_code=303)


@get("/grievances", guards=[requires(*READERS)])
async def queue(request: Request, session: AsyncSession, actor: Actor, status: str | None = None) -> Response:
    status = status if status in ("open", "escalated", "resolved", "overdue") else None
    rows = await service.list_visible(session, actor, status, None, 500, 0)
    return page(request, "grievances/queue.html", title=LABELS[lang_of(request)]["gr_queue"], selected=status or "",
                rows=[await views.full(session, g) for g in rows])


async def _detail(request: Request, session: AsyncSession, actor: Actor, grievance_id: int,
                  values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                  status: int = 200) -> Response:
    g = await views.full(session, await service.get(session, actor, grievance_id))
    t = LABELS[lang_of(request)]
    handles = actor.role in (Role.ADMIN, *service.HANDLERS) and g.status != GrievanceStatus.RESOLVED
    return page(request, "grievances/detail.html", status=status, title=f"{t['gr_grievance']} {g.code}", g=g,
                handles=handles, values=values or {}, errors=errors or {})


@get("/grievances/{grievance_id:int}", guards=[requires(*READERS)])
async def detail(request: Request, session: AsyncSession, actor: Actor, grievance_id: Id) -> Response:
    return await _detail(request, session, actor, grievance_id)


async def _act(request: Request, session: AsyncSession, actor: Actor, grievance_id: int, model: type, action,
               ok: str) -> Response:
    values = await forms.read(request)
    data, errors = forms.parse(model, values, lang_of(request))
    if data is None:
        return await _detail(request, session, actor, grievance_id, forms.fields(values), errors, 422)

    async def op(s: AsyncSession, a: Actor) -> GrievanceOut:
        return await views.full(s, await action(s, a, grievance_id, data))

    outcome = await forms.submit(request, values, {"grievance_id": grievance_id, **data.model_dump(mode="json")}, op)
    if not outcome.ok:
        return await _detail(request, session, actor, grievance_id, forms.fields(values), outcome.errors,
                             outcome.status)
    return Redirect(path=f"/console/grievances/{grievance_id}?ok={ok}", status_code=303)


@post("/grievances/{grievance_id:int}/answer", guards=[requires(*service.HANDLERS)], status_code=200)
async def answer(request: Request, session: AsyncSession, actor: Actor, grievance_id: Id) -> Response:
    return await _act(request, session, actor, grievance_id, AnswerIn, service.answer, "gr_answered")


@post("/grievances/{grievance_id:int}/evidence", guards=[requires(*service.HANDLERS)], status_code=200)
async def evidence(request: Request, session: AsyncSession, actor: Actor, grievance_id: Id) -> Response:
    return await _act(request, session, actor, grievance_id, EvidenceIn, service.evidence, "gr_evidence_added")


@post("/grievances/{grievance_id:int}/resolve", guards=[requires(*service.HANDLERS)], status_code=200)
async def resolve(request: Request, session: AsyncSession, actor: Actor, grievance_id: Id) -> Response:
    return await _act(request, session, actor, grievance_id, AnswerIn, service.resolve, "gr_resolved")


@post("/grievances/{grievance_id:int}/escalate", guards=[requires(Role.OFFICIAL)], status_code=200)
async def escalate(request: Request, session: AsyncSession, actor: Actor, grievance_id: Id) -> Response:
    return await _act(request, session, actor, grievance_id, AnswerIn, service.escalate, "gr_escalated_ok")


@get("/track", opt={**PUBLIC, RATE_LIMITED: when_asked("code"), RATE_BUCKET: "tracking"})
async def track(request: Request, session: AsyncSession, code: Code = None) -> Response:
    """Public: a grievance's status and answers by its tracking code; no personal data."""
    t = LABELS[lang_of(request)]
    found, missing = None, False
    if code and code.strip():
        try:
            found = await views.tracking(session, await service.by_code(session, code))
        except NotFound:
            missing = True
    return page(request, "grievances/track.html", status=404 if missing else 200, title=t["gr_track"],
                code=code or "", found=found, missing=missing)


register({
    "en": {
        "gr_queue": "Grievances", "gr_new": "Report a problem with a payment", "gr_grievance": "Grievance",
        "gr_kind": "What is wrong", "gr_kind_not_received": "Not received", "gr_kind_amount_wrong": "Amount wrong",
        "gr_kind_not_my_payment": "Not my payment", "gr_kind_other": "Other", "gr_text": "Tell us in a few words",
        "gr_expected": "A payment you expected and do not see (what, which period)",
        "gr_entry_sequence": "Statement line (entry number)", "gr_party_id": "Household or village (party id)",
        "gr_file": "Send", "gr_filed": "Your grievance was sent. Keep its tracking code.",
        "gr_code": "Tracking code", "gr_status": "Status", "gr_st_open": "open", "gr_st_escalated": "with the approvers",
        "gr_st_resolved": "resolved", "gr_overdue": "past its deadline", "gr_deadline": "Answer due by",
        "gr_filed_at": "Filed", "gr_steps": "What happened", "gr_ev_filed": "filed", "gr_ev_answer": "answer",
        "gr_ev_evidence": "evidence", "gr_ev_escalated": "sent to the approvers", "gr_ev_resolved": "resolved",
        "gr_answer": "Answer", "gr_answer_hint": "Answers are shown on the public tracking page: write no names.",
        "gr_evidence": "Attach evidence", "gr_bank_reference": "Bank reference",
        "gr_evidence_entry": "Reversal or re-payment (entry number)", "gr_resolve": "Resolve",
        "gr_escalate": "Send to the approvers", "gr_answered": "Answer saved.", "gr_evidence_added": "Evidence attached.",
        "gr_resolved": "Grievance resolved.", "gr_escalated_ok": "Sent to the county's approvers.",
        "gr_track": "Follow a grievance", "gr_track_hint": "Type the tracking code from your grievance (G-XXXX-XXXX).",
        "gr_track_none": "No grievance has this tracking code.", "gr_answers": "Answers",
        "gr_evidence_count": "Evidence attached: {n}", "gr_none": "No grievances.", "gr_report": "Report a problem",
        "gr_missing_payment": "A payment I expected is missing", "gr_all": "all", "gr_show": "Show",
        "gr_st_overdue": "overdue", "gr_household": "Household or village",
        "au_check_overdue_grievance": "Grievance past its deadline",
    },
    "zh": {
        "gr_queue": "申诉", "gr_new": "反映支付问题", "gr_grievance": "申诉", "gr_kind": "问题类型",
        "gr_kind_not_received": "未收到", "gr_kind_amount_wrong": "金额不对", "gr_kind_not_my_payment": "不是我的款项",
        "gr_kind_other": "其他", "gr_text": "简要说明", "gr_expected": "应收到但未见的款项（内容、期间）",
        "gr_entry_sequence": "对账单明细（账本序号）", "gr_party_id": "农户或村（主体编号）", "gr_file": "提交",
        "gr_filed": "申诉已提交，请保存查询码。", "gr_code": "查询码", "gr_status": "状态", "gr_st_open": "处理中",
        "gr_st_escalated": "已转审批人", "gr_st_resolved": "已解决", "gr_overdue": "已超期", "gr_deadline": "答复期限",
        "gr_filed_at": "提交时间", "gr_steps": "处理经过", "gr_ev_filed": "提交", "gr_ev_answer": "答复",
        "gr_ev_evidence": "证据", "gr_ev_escalated": "转审批人", "gr_ev_resolved": "解决", "gr_answer": "答复",
        "gr_answer_hint": "答复会显示在公开查询页上：请勿写姓名。", "gr_evidence": "附上证据", "gr_bank_reference": "银行凭证号",
        "gr_evidence_entry": "冲正或重新支付（账本序号）", "gr_resolve": "解决", "gr_escalate": "转交审批人",
        "gr_answered": "答复已保存。", "gr_evidence_added": "证据已附上。", "gr_resolved": "申诉已解决。",
        "gr_escalated_ok": "已转交县审批人。", "gr_track": "查询申诉", "gr_track_hint": "输入申诉查询码（G-XXXX-XXXX）。",
        "gr_track_none": "没有此查询码的申诉。", "gr_answers": "答复", "gr_evidence_count": "已附证据：{n} 项",
        "gr_none": "没有申诉。", "gr_report": "反映问题", "gr_missing_payment": "应收到的款项没有到",
        "gr_all": "全部", "gr_show": "显示", "gr_st_overdue": "已超期", "gr_household": "农户或村",
        "au_check_overdue_grievance": "申诉超期未处理",
    },
})

routes: list[Any] = [new_grievance, file_grievance, queue, detail, answer, evidence, resolve, escalate, track]
