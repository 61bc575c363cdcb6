"""The patrol supervisor's work (the approver of the county, as on the API): patrol logs waiting for
verification, each with its route drawn from its GeoJSON, verified or rejected with a reason."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.actor import Actor
from service.auth.guards import requires
from service.auth.models import Role
from service.console import audit, forms
from service.console.i18n import LABELS, lang_of, register
from service.console.pages.patrol_outline import outline_svg
from service.console.pages.roles_common import parse_form, party_names, user_names
from service.console.render import add_nav, page
from service.pagination import Id
from service.patrols import service as patrols
from service.patrols.models import LogStatus, PatrolTeam
from service.patrols.schemas import LogOut, ReviewIn

LOGS = "/console/patrol-logs"
SUPERVISORS = (Role.APPROVER,)  # the roles service/patrols/routes.py lets verify and reject logs
add_nav(LOGS, "pt_logs", *SUPERVISORS)


@get("/patrol-logs", guards=[requires(*SUPERVISORS)])
async def waiting_logs(request: Request, session: AsyncSession, actor: Actor) -> Response:
    logs = await patrols.list_logs(session, actor, team_id=None, status=LogStatus.SUBMITTED, member_party_id=None,
                                   date_from=None, date_to=None, limit=200, offset=0)
    outs = [await patrols.log_out(session, log) for log in logs]
    teams = {t: await session.get(PatrolTeam, t) for t in {log.team_id for log in logs}}
    t = LABELS[lang_of(request)]
    return page(request, "patrols/logs.html", title=t["pt_logs"], logs=outs, teams=teams,
                names=await user_names(session, [log.entered_by for log in outs]),
                members=await party_names(session, [m for log in outs for m in log.member_party_ids]),
                outlines={log.id: outline_svg(log.route_geojson, t["pt_route_of"].format(id=log.id), 160, 110, 10)
                          for log in outs})


async def _log_page(request: Request, session: AsyncSession, actor: Actor, log_id: int,
                    errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
                    status: int = 200) -> Response:
    log = await patrols.log_out(session, await patrols.get_log(session, actor, log_id))
    t = LABELS[lang_of(request)]
    if errors and "reviewed_by" in errors:  # the domain refuses a supervisor's own log; say it in their language
        errors = {"reviewed_by": t["pt_own_refused"]}
    return page(request, "patrols/log.html", status=status, title=t["pt_log_title"].format(id=log.id), log=log,
                team=await session.get(PatrolTeam, log.team_id),
                members=await party_names(session, log.member_party_ids),
                names=await user_names(session, [log.entered_by, log.reviewed_by]),
                outline=outline_svg(log.route_geojson, t["pt_route_of"].format(id=log.id)),
                own=log.entered_by == actor.user_id, errors=errors or {}, values=values or {})


@get("/patrol-logs/{log_id:int}", guards=[requires(*SUPERVISORS)])
async def log_detail(request: Request, session: AsyncSession, actor: Actor, log_id: Id) -> Response:
    return await _log_page(request, session, actor, log_id)


def _done(request: Request, outcome: forms.Outcome, label: str, log_id: int) -> Response:
    audit.event(request, f"console_patrol_log_{label}", log_id=log_id, by=request.user.user_id)
    ok = "already_submitted" if outcome.replayed else f"pt_{label}"
    return Redirect(path=f"{LOGS}?ok={ok}", status_code=303)


@post("/patrol-logs/{log_id:int}/verify", guards=[requires(*SUPERVISORS)], status_code=200)
async def verify_log(request: Request, session: AsyncSession, actor: Actor, log_id: Id) -> Response:
    values = await forms.read(request)

    async def op(s: AsyncSession, a: Actor) -> LogOut:
        return await patrols.log_out(s, await patrols.verify_log(s, a, log_id))

    outcome = await forms.submit(request, values, {"log_id": log_id, "action": "verify"}, op)
    if not outcome.ok:
        return await _log_page(request, session, actor, log_id, outcome.errors, status=outcome.status)
    return _done(request, outcome, "verified", log_id)


@post("/patrol-logs/{log_id:int}/reject", guards=[requires(*SUPERVISORS)], status_code=200)
async def reject_log(request: Request, session: AsyncSession, actor: Actor, log_id: Id) -> Response:
    values = await forms.read(request)
    data, errors = parse_form(ReviewIn, values)
    if data is None:
        return await _log_page(request, session, actor, log_id, errors, forms.fields(values), 422)

    async def op(s: AsyncSession, a: Actor) -> LogOut:
        return await patrols.log_out(s, await patrols.reject_log(s, a, log_id, data.reason))

    outcome = await forms.submit(request, values, {"log_id": log_id, "reject": data.reason}, op)
    if not outcome.ok:
        return await _log_page(request, session, actor, log_id, outcome.errors, forms.fields(values), outcome.status)
    return _done(request, outcome, "rejected", log_id)


register({
    "en": {
        "pt_logs": "Patrol logs", "pt_log_title": "Patrol log No. {id}", "pt_route_of": "Route of patrol log {id}",
        "pt_verified": "Verified: the log now counts towards stipends.",
        "pt_rejected": "Rejected: the log earns nothing and frees its members' time.",
        "pt_verify": "Verify", "pt_reject": "Reject", "pt_date": "Patrol date", "pt_time": "Time",
        "pt_duration": "Duration", "pt_route": "Route", "pt_distance": "Distance", "pt_observations": "Observations",
        "pt_incidents": "Incidents", "pt_nets": "nets removed", "pt_traps": "traps removed",
        "pt_poaching": "poaching reported", "pt_wildlife": "wildlife sighted", "pt_source": "Source",
        "pt_no_route": "No route was recorded for this log.", "pt_waiting": "Logs waiting for verification",
        "pt_own_refused": "You entered this log yourself; another supervisor must review it.",
        "pt_legend": "Start ● green, end ■ red, north up.", "pt_hours": "{h} h {m:02d} min",
    },
    "zh": {
        "pt_logs": "巡护日志", "pt_log_title": "巡护日志第 {id} 号", "pt_route_of": "巡护日志 {id} 的路线",
        "pt_verified": "已核实：该日志计入巡护补贴。", "pt_rejected": "已驳回：该日志不计补贴，队员时间释放。",
        "pt_verify": "核实", "pt_reject": "驳回", "pt_date": "巡护日期", "pt_time": "时间", "pt_duration": "时长",
        "pt_route": "路线", "pt_distance": "里程", "pt_observations": "观察记录", "pt_incidents": "事件",
        "pt_nets": "清除网具", "pt_traps": "清除陷阱", "pt_poaching": "举报盗猎", "pt_wildlife": "发现野生动物",
        "pt_source": "来源", "pt_no_route": "本日志没有记录路线。", "pt_waiting": "待核实的巡护日志",
        "pt_own_refused": "这是您本人录入的日志，须由其他负责人核实。",
        "pt_legend": "起点 ● 绿色，终点 ■ 红色，上北下南。", "pt_hours": "{h} 小时 {m:02d} 分",
    },
})

routes: list[Any] = [waiting_logs, log_detail, verify_log, reject_log]
