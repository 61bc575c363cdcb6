"""The household's own statement (a community user sees nothing else), the village committee's printout
of a household's statement with a QR code, and the signed, expiring link that QR code opens."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.datastructures import State
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.actor import Actor
from service.auth.guards import PUBLIC, requires
from service.auth.models import Role
from service.console import audit
from service.console.i18n import LABELS, lang_of, register
from service.console.pages import community_statement as cs
from service.console.pages.signin import START
from service.console.render import add_nav, page
from service.errors import NotFound
from service.pagination import Id
from service.parties import service as parties
from service.parties.models import Party
from service.ratelimit import RATE_LIMITED
from service.reports.routes import readable_party
from service.roots import proofs

OWN = "/console/statement"
PRINTERS = (Role.OFFICIAL,)  # the village committee works through the county official's account
add_nav(OWN, "cm_my_statement", Role.COMMUNITY)
add_nav("/console/statements", "cm_print_statements", *PRINTERS)
START[Role.COMMUNITY] = OWN
Period = Annotated[str | None, Parameter(pattern=r"^(|\d{4}(-(0[1-9]|1[0-2]))?)$", required=False)]
Days = Annotated[int, Parameter(ge=1, le=90)]
STATEMENT_KINDS = ("household", "person", "community")


async def _statement(request: Request, session: AsyncSession, party: Party, period: str | None, **extra: Any
                     ) -> Response:
    view = await cs.statement_view(session, party, request.app.state.settings.secret, period or None)
    t = LABELS[lang_of(request)]
    if extra.get("qr"):  # the printout also carries what is needed to check its lines offline
        extra["proof_qr"] = cs.qr_svg(proofs.qr_text(view.doc), t["cm_proof_qr_title"])
    return page(request, "community/statement.html", title=t["cm_statement_of"].format(name=party.name),
                party=party, view=view, period=period or "", **{"qr": None, "proof_qr": None, "link": None, "expires": None, **extra})


@get("/statement", guards=[requires(Role.COMMUNITY)])
async def own_statement(request: Request, session: AsyncSession, actor: Actor, period: Period = None) -> Response:
    if actor.party_id is None:
        raise NotFound("this account is not linked to a household or village")
    return await _statement(request, session, await readable_party(session, actor, actor.party_id), period)


@get("/statement/file", guards=[requires(Role.COMMUNITY)])
async def own_statement_file(request: Request, session: AsyncSession, actor: Actor, period: Period = None) -> Response:
    """The household's statement with its proofs as a JSON file, to keep and check offline."""
    if actor.party_id is None:
        raise NotFound("this account is not linked to a household or village")
    party = await readable_party(session, actor, actor.party_id)
    view = await cs.statement_view(session, party, request.app.state.settings.secret, period or None)
    body = json.dumps(view.doc, default=str, ensure_ascii=False, indent=1).encode()
    return Response(body, media_type="application/json", headers={
        "Content-Disposition": f'attachment; filename="statement-{party.id}-{period or "all"}.json"'})


@get("/statements", guards=[requires(*PRINTERS)])
async def find_statement(request: Request, session: AsyncSession, actor: Actor,
                         q: Annotated[str | None, Parameter(max_length=100, required=False)] = None) -> Response:
    found = []
    if q and q.strip():
        found = [p for p in await parties.list_visible(session, actor, kind=None, county_code=None, parent_id=None,
                                                       q=q.strip(), limit=100, offset=0) if p.kind in STATEMENT_KINDS]
    return page(request, "community/find.html", title=LABELS[lang_of(request)]["cm_print_statements"], q=q or "",
                found=found)


@get("/statements/{party_id:int}/print", guards=[requires(*PRINTERS)])
async def print_statement(request: Request, session: AsyncSession, actor: Actor, state: State, party_id: Id,
                          period: Period = None, days: Days = 30) -> Response:
    """The printout carries a QR code of a signed link that opens the same statement for `days` days."""
    party = await readable_party(session, actor, party_id)
    expires = int(time.time()) + days * 86400
    token = cs.link_token(state.settings.secret, party.id, period or None, expires)
    link = f"{str(request.base_url).rstrip('/')}/console/s/{token}"
    t = LABELS[lang_of(request)]
    audit.event(request, "console_statement_printed", party_id=party.id, days=days, by=actor.user_id)
    return await _statement(request, session, party, period, link=link, qr=cs.qr_svg(link, t["cm_qr_title"]),
                            expires=datetime.fromtimestamp(expires, timezone.utc), days=days)


@get("/s/{token:str}", opt={**PUBLIC, RATE_LIMITED: True})
async def linked_statement(request: Request, session: AsyncSession, state: State, token: str) -> Response:
    """Opened from the QR code: the signature and the expiry in the link are all it needs."""
    try:
        party_id, period = cs.read_token(state.settings.secret, token[:120], int(time.time()))
    except cs.LinkExpired:
        t = LABELS[lang_of(request)]
        return page(request, "community/expired.html", status=410, title=t["cm_link_expired"])
    party = await session.get(Party, party_id)
    if party is None:
        raise NotFound("no statement matches this link")
    return await _statement(request, session, party, period)


register({
    "en": {
        "cm_my_statement": "My statement", "cm_print_statements": "Print statements",
        "cm_statement_of": "Benefit statement: {name}", "cm_paid": "Paid to you", "cm_on_its_way": "On its way",
        "cm_total": "Total in the ledger", "cm_state_paid": "paid", "cm_state_on_its_way": "on its way",
        "cm_state_corrected": "corrected", "cm_note_credited": "credited to your benefits account",
        "cm_note_bank": "paid to your bank account on {date} (reference {reference})",
        "cm_note_approved": "approved; the bank transfer is on its way",
        "cm_note_waiting": "entered for {period}; waiting for a second official's approval",
        "cm_note_reversed": "later corrected by a reversal", "cm_note_correction": "a correction of an earlier line",
        "cm_waiting": "Waiting for approval", "cm_lines": "Every line", "cm_state": "State",
        "cm_description": "What it is for", "cm_running": "Running total", "cm_period": "Period",
        "cm_all_periods": "all periods", "cm_show": "Show", "cm_verification": "Verification code",
        "cm_verify_hint": "Anyone can check this statement is genuine at", "cm_qr_title": "Open this statement",
        "cm_qr_hint": "Scan to open this statement on a phone. The link works until {until}.",
        "cm_valid_days": "Link valid for (days)", "cm_print_link": "Print with QR code",
        "cm_find_hint": "Find a household or village by name, then print its statement with a QR code.",
        "cm_name": "Name", "cm_kind": "Kind", "cm_as_of": "Computed at ledger entry",
        "cm_kind_household": "household", "cm_kind_person": "person", "cm_kind_community": "village",
        "cm_link_expired": "This statement link has expired",
        "cm_link_expired_hint": "Ask the village committee for a new printout, or sign in to see your statement.",
        "cm_proof_qr_title": "Proofs of this statement",
        "cm_proof_qr_hint": "This code holds each line's leaf hash and the signed root it is in; check them against "
                            "the published roots with the offline checker.",
        "cm_proof": "Published proof", "cm_save_file": "Save with proofs (file)", "cm_proof_none": "not yet in a signed head",
    },
    "zh": {
        "cm_my_statement": "我的对账单", "cm_print_statements": "打印对账单", "cm_statement_of": "收益对账单：{name}",
        "cm_paid": "已到账", "cm_on_its_way": "在途", "cm_total": "账本合计", "cm_state_paid": "已到账",
        "cm_state_on_its_way": "在途", "cm_state_corrected": "已更正", "cm_note_credited": "已记入您的收益账户",
        "cm_note_bank": "已于 {date} 转入您的银行账户（凭证号 {reference}）", "cm_note_approved": "已批准，银行转账在途",
        "cm_note_waiting": "{period} 已录入，等待另一名工作人员审批", "cm_note_reversed": "此后已冲正更正",
        "cm_note_correction": "对之前一笔的更正", "cm_waiting": "等待审批", "cm_lines": "全部明细", "cm_state": "状态",
        "cm_description": "用途", "cm_running": "累计", "cm_period": "期间", "cm_all_periods": "全部期间",
        "cm_show": "显示", "cm_verification": "核验码", "cm_verify_hint": "任何人可在此核验本对账单真伪：",
        "cm_qr_title": "打开本对账单", "cm_qr_hint": "用手机扫码打开本对账单。链接有效期至 {until}。",
        "cm_valid_days": "链接有效天数", "cm_print_link": "打印（带二维码）",
        "cm_find_hint": "按名称查找农户或村，然后打印带二维码的对账单。", "cm_name": "名称", "cm_kind": "类型",
        "cm_as_of": "计算截至账本序号", "cm_kind_household": "农户", "cm_kind_person": "个人", "cm_kind_community": "村",
        "cm_link_expired": "此对账单链接已过期", "cm_link_expired_hint": "请向村委会索取新的打印件，或登录查看您的对账单。",
        "cm_proof_qr_title": "本对账单的证明", "cm_proof_qr_hint": "此码含每一笔的叶哈希及其所在的已签名根哈希；可用离线核验页与公布的根哈希对照。",
        "cm_proof": "公开证明", "cm_save_file": "保存（含证明的文件）", "cm_proof_none": "尚未纳入签名树头",
    },
})

routes: list[Any] = [own_statement, own_statement_file, find_statement, print_statement, linked_statement]
