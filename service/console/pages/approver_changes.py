"""The approver's change requests: each beside the enrollment's basis today; approve (it takes effect on
its effective date) or reject with a reason. One's own requests are shown but cannot be approved."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.actor import Actor
from service.auth.guards import requires
from service.auth.models import Role
from service.compensation.schemas import ReasonIn
from service.console import audit, forms
from service.console.i18n import LABELS, lang_of, register
from service.console.pages.roles_common import parse_form, user_names
from service.console.render import add_nav, page
from service.enrollments import service as enr
from service.enrollments.models import ChangeStatus
from service.enrollments.schemas import ChangeRequestOut
from service.pagination import Id

CHANGES = "/console/approvals/changes"
add_nav(CHANGES, "ap_changes", Role.APPROVER)
register({
    "en": {"ap_changes": "Change requests", "ap_change_approved": "Change request approved: the basis changes "
           "from its effective date.", "ap_change_rejected": "Change request rejected: the basis stays as it is.",
           "ap_change_own": "You entered this change request: another approver decides it.",
           "ap_no_changes": "No change request is waiting."},
    "zh": {"ap_changes": "变更申请审核", "ap_change_approved": "变更申请已批准：自生效日期起按新依据计算。",
           "ap_change_rejected": "变更申请已驳回：依据保持不变。",
           "ap_change_own": "此变更申请由您录入：须由另一位审核人决定。", "ap_no_changes": "没有待审核的变更申请。"},
})


async def _queue(request: Request, session: AsyncSession, actor: Actor, errors: dict[str, str] | None = None,
                 status: int = 200) -> Response:
    pending = await enr.list_changes(session, actor, limit=500, offset=0, status=ChangeStatus.PENDING)
    rows = []
    for c in pending:
        e = await enr.enrollment_out(session, await enr.visible_enrollment(session, actor, c.enrollment_id))
        rows.append((enr.change_out(c), e, c.entered_by == actor.user_id))
    return page(request, "approver/changes.html", status=status, title=LABELS[lang_of(request)]["ap_changes"],
                rows=rows, names=await user_names(session, [c.entered_by for c in pending]), errors=errors or {})


@get("/approvals/changes", guards=[requires(Role.APPROVER)])
async def change_queue(request: Request, session: AsyncSession, actor: Actor) -> Response:
    return await _queue(request, session, actor)


def _done(request: Request, outcome: forms.Outcome, label: str, event: str, change_id: int) -> Response:
    audit.event(request, event, by=request.user.user_id, change_id=change_id)
    return Redirect(path=f"{CHANGES}?ok={'already_submitted' if outcome.replayed else label}", status_code=303)


@post("/approvals/changes/{change_id:int}/approve", guards=[requires(Role.APPROVER)], status_code=200)
async def approve_change(request: Request, session: AsyncSession, actor: Actor, change_id: Id) -> Response:
    values = await forms.read(request)

    async def op(s: AsyncSession, a: Actor) -> ChangeRequestOut:
        return enr.change_out(await enr.decide(s, a, change_id, approve=True))

    outcome = await forms.submit(request, values, {"change_id": change_id, "action": "approve"}, op)
    if not outcome.ok:
        return await _queue(request, session, actor, outcome.errors, outcome.status)
    return _done(request, outcome, "ap_change_approved", "console_change_approved", change_id)


@post("/approvals/changes/{change_id:int}/reject", guards=[requires(Role.APPROVER)], status_code=200)
async def reject_change(request: Request, session: AsyncSession, actor: Actor, change_id: Id) -> Response:
    values = await forms.read(request)
    data, errors = parse_form(ReasonIn, values)
    if data is None:
        return await _queue(request, session, actor, errors, 422)

    async def op(s: AsyncSession, a: Actor) -> ChangeRequestOut:
        return enr.change_out(await enr.decide(s, a, change_id, approve=False, reason=data.reason))

    outcome = await forms.submit(request, values, {"change_id": change_id, "reject": data.reason}, op)
    if not outcome.ok:
        return await _queue(request, session, actor, outcome.errors, outcome.status)
    return _done(request, outcome, "ap_change_rejected", "console_change_rejected", change_id)


routes: list[Any] = [change_queue, approve_change, reject_change]
