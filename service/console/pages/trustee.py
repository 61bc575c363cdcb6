"""The trustee's pages: the trust (settlors, contributions, disbursements by purpose against the
agreement's shares, fee, balance), recording a contribution or a disbursement, and the trust statement.
Auditors may read them too; only the trust's trustee (or an admin) can record money, as on the API."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Redirect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.actor import Actor
from service.auth.guards import requires
from service.auth.models import Role
from service.console import audit, forms
from service.console.i18n import LABELS, fmt_money, lang_of, register
from service.console.pages.roles_common import parse_form, party_names
from service.console.pages.signin import START
from service.console.render import add_nav, page
from service.errors import InsufficientFunds
from service.pagination import Id
from service.trusts import service as trusts
from service.trusts import views
from service.trusts.models import Contribution, Disbursement, Trust, TrustAllocation
from service.trusts.schemas import (
    ContributionIn,
    ContributionOut,
    DisbursementIn,
    DisbursementOut,
)

TRUSTS = "/console/trusts"
READERS = (Role.TRUSTEE, Role.AUDITOR)
add_nav(TRUSTS, "tr_trusts", *READERS)
START[Role.TRUSTEE] = TRUSTS
RECENT = 50


@get("/trusts", guards=[requires(*READERS)])
async def trust_list(request: Request, session: AsyncSession, actor: Actor) -> Response:
    found = await trusts.list_visible(session, actor, county_code=None, limit=200, offset=0)
    if actor.role == Role.TRUSTEE and len(found) == 1:
        return Redirect(path=f"{TRUSTS}/{found[0].id}", status_code=303)
    return page(request, "trustee/list.html", title=LABELS[lang_of(request)]["tr_trusts"],
                trusts=[await views.trust_out(session, t) for t in found])


async def _recent(session: AsyncSession, trust: Trust) -> tuple[list[ContributionOut], list[DisbursementOut]]:
    contributions = (await session.execute(select(Contribution).where(Contribution.trust_id == trust.id)
                                           .order_by(Contribution.id.desc()).limit(RECENT))).scalars()
    paid = (await session.execute(
        select(Disbursement, TrustAllocation).join(TrustAllocation, TrustAllocation.id == Disbursement.allocation_id)
        .where(Disbursement.trust_id == trust.id).order_by(Disbursement.id.desc()).limit(RECENT))).all()
    return ([views.contribution_out(trust, c) for c in contributions],
            [views.disbursement_out(trust, d, a) for d, a in paid])


async def _trust_page(request: Request, session: AsyncSession, actor: Actor, trust_id: int, *,
                      form: str = "", values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                      refusal: dict[str, Any] | None = None, status: int = 200) -> Response:
    trust = await trusts.get_visible(session, actor, trust_id)
    out = await views.trust_out(session, trust)
    contributions, disbursements = await _recent(session, trust)
    empty: dict[str, Any] = {"values": {}, "errors": {}}
    state = {"contribution": dict(empty), "disbursement": dict(empty)}
    if form:
        state[form] = {"values": values or {}, "errors": errors or {}}
    return page(request, "trustee/trust.html", status=status, title=out.name, trust=out,
                s=await views.statement_out(session, trust, None), contributions=contributions,
                disbursements=disbursements, can_record=trusts.can_manage(actor, trust), form=state,
                refusal=refusal, options={
                    "settlors": [(x.party_id, x.name) for x in out.settlors],
                    "purposes": [(a.key, f"{a.name} ({a.share_bps / 100:.2f}%)") for a in out.allocations],
                    "beneficiaries": [(b.party_id, b.name) for b in out.beneficiaries]},
                parties=await party_names(session, [c.settlor_party_id for c in contributions]))


@get("/trusts/{trust_id:int}", guards=[requires(*READERS)])
async def trust_page(request: Request, session: AsyncSession, actor: Actor, trust_id: Id) -> Response:
    return await _trust_page(request, session, actor, trust_id)


@post("/trusts/{trust_id:int}/contributions", guards=[requires(Role.TRUSTEE)], status_code=200)
async def record_contribution(request: Request, session: AsyncSession, actor: Actor, trust_id: Id) -> Response:
    values = await forms.read(request)
    trust = await trusts.get_visible(session, actor, trust_id)
    data, errors = parse_form(ContributionIn, values, currency=trust.currency)
    if data is None:
        return await _trust_page(request, session, actor, trust_id, form="contribution", values=forms.fields(values),
                                 errors=errors, status=422)

    async def op(s: AsyncSession, a: Actor) -> ContributionOut:
        c = await trusts.contribute(s, a, trust_id, data)
        return views.contribution_out(await trusts.get_visible(s, a, trust_id), c)

    outcome = await forms.submit(request, values, data, op)
    if not outcome.ok:
        return await _trust_page(request, session, actor, trust_id, form="contribution", values=forms.fields(values),
                                 errors=outcome.errors, status=outcome.status)
    audit.event(request, "console_trust_contribution", trust_id=trust_id, by=actor.user_id)
    return Redirect(path=f"{TRUSTS}/{trust_id}?ok={'already_submitted' if outcome.replayed else 'tr_ok_contribution'}",
                    status_code=303)


@post("/trusts/{trust_id:int}/disbursements", guards=[requires(Role.TRUSTEE)], status_code=200)
async def record_disbursement(request: Request, session: AsyncSession, actor: Actor, trust_id: Id) -> Response:
    values = await forms.read(request)
    data, errors = parse_form(DisbursementIn, values)
    if data is None:
        return await _trust_page(request, session, actor, trust_id, form="disbursement", values=forms.fields(values),
                                 errors=errors, status=422)
    refused: dict[str, Any] = {}

    async def op(s: AsyncSession, a: Actor) -> DisbursementOut:
        try:
            d = await trusts.disburse(s, a, trust_id, data)
        except InsufficientFunds as exc:  # keep the rule's figures for the page; the write still rolls back
            refused.update(exc.extra)
            raise
        return views.disbursement_out(await trusts.get_visible(s, a, trust_id), d,
                                      await s.get_one(TrustAllocation, d.allocation_id))

    outcome = await forms.submit(request, values, data, op)
    if not outcome.ok:
        errors = outcome.errors
        if refused.get("purpose"):
            errors = {**errors, "amount": beyond_share(refused, lang_of(request))}
        return await _trust_page(request, session, actor, trust_id, form="disbursement", values=forms.fields(values),
                                 errors=errors, refusal=refused or None, status=outcome.status)
    audit.event(request, "console_trust_disbursement", trust_id=trust_id, by=actor.user_id)
    return Redirect(path=f"{TRUSTS}/{trust_id}?ok={'already_submitted' if outcome.replayed else 'tr_ok_disbursement'}",
                    status_code=303)


def beyond_share(refused: dict[str, Any], lang: str) -> str:
    """The domain's refusal figures, in the user's language, with thousands separators and the share in %."""
    money_keys = ("available", "entitlement", "net_contributions", "disbursed", "requested")
    return LABELS[lang]["tr_beyond_share"].format(
        purpose=refused["purpose"], share=f"{refused['share_bps'] / 100:.2f}%",
        **{k: fmt_money(refused[k]) for k in money_keys})


@get("/trusts/{trust_id:int}/statement", guards=[requires(*READERS)])
async def trust_statement(request: Request, session: AsyncSession, actor: Actor, trust_id: Id) -> Response:
    trust = await trusts.get_visible(session, actor, trust_id)
    statement = await views.statement_out(session, trust, None)
    return page(request, "trustee/statement.html", title=LABELS[lang_of(request)]["tr_statement_of"].format(
        name=trust.name), s=statement, trust=await views.trust_out(session, trust),
        parties=await party_names(session, [x.settlor_party_id for x in statement.lines]))


register({
    "en": {
        "tr_trusts": "Trusts", "tr_statement": "Trust statement", "tr_statement_of": "Statement of {name}",
        "tr_trustee": "Trustee", "tr_agreement": "Agreement", "tr_term": "Term", "tr_open_ended": "open-ended",
        "tr_fee": "Trustee's fee", "tr_fee_rule": "{pct}% of each contribution, at least {minimum}",
        "tr_balance": "Balance", "tr_available": "Available", "tr_settlors": "Settlors", "tr_settlor": "Settlor",
        "tr_category": "Category", "tr_contributed": "Contributed", "tr_fees": "Fees", "tr_net": "Net",
        "tr_purposes": "Disbursements by purpose against the agreement's shares", "tr_purpose": "Purpose",
        "tr_share": "Share", "tr_entitlement": "Entitlement", "tr_disbursed": "Disbursed", "tr_remaining": "Remaining",
        "tr_totals": "Totals", "tr_contributions": "Contributions", "tr_net_contributions": "Net contributions",
        "tr_disbursements": "Disbursements", "tr_other": "Other adjustments",
        "tr_record_contribution": "Record a contribution", "tr_record_disbursement": "Record a disbursement",
        "tr_received_on": "Received on", "tr_paid_on": "Paid on", "tr_reference": "Bank or receipt reference",
        "tr_beneficiary": "Beneficiary", "tr_purpose_account": "the purpose's own account",
        "tr_ok_contribution": "Contribution recorded; the trustee's fee was charged on it.",
        "tr_ok_disbursement": "Disbursement recorded.", "tr_recent_contributions": "Latest contributions",
        "tr_recent_disbursements": "Latest disbursements", "tr_fee_on_it": "Fee",
        "tr_beyond_share": "Beyond the share of purpose “{purpose}”: it may still receive {available} "
                           "({share} of {net_contributions} net contributions is {entitlement}, "
                           "{disbursed} already disbursed); {requested} was asked for.",
        "tr_figures": "The agreement's figures for this purpose", "tr_asked": "Asked for",
        "tr_ties": "The statement ties to the ledger's trust account.",
        "tr_not_ties": "The statement does NOT tie to the ledger's trust account.",
        "tr_ledger_balance": "Ledger balance of the trust account", "tr_running": "Balance after",
        "tr_in_out": "In (+) / out (−)", "tr_see_statement": "Trust statement", "tr_read_only":
        "You can read this trust; only its trustee records money for it.", "tr_description": "Description",
    },
    "zh": {
        "tr_trusts": "信托", "tr_statement": "信托对账单", "tr_statement_of": "{name} 对账单", "tr_trustee": "受托人",
        "tr_agreement": "信托合同", "tr_term": "期限", "tr_open_ended": "不定期", "tr_fee": "受托人管理费",
        "tr_fee_rule": "每笔出资的 {pct}%，最低 {minimum}", "tr_balance": "余额", "tr_available": "可用",
        "tr_settlors": "委托人", "tr_settlor": "委托人", "tr_category": "类别", "tr_contributed": "出资",
        "tr_fees": "管理费", "tr_net": "净额", "tr_purposes": "按用途拨付（对照合同份额）", "tr_purpose": "用途",
        "tr_share": "份额", "tr_entitlement": "应得", "tr_disbursed": "已拨付", "tr_remaining": "剩余",
        "tr_totals": "合计", "tr_contributions": "出资", "tr_net_contributions": "净出资",
        "tr_disbursements": "拨付", "tr_other": "其他调整", "tr_record_contribution": "登记出资",
        "tr_record_disbursement": "登记拨付", "tr_received_on": "到账日期", "tr_paid_on": "拨付日期",
        "tr_reference": "银行或收据凭证号", "tr_beneficiary": "受益人", "tr_purpose_account": "该用途自身账户",
        "tr_ok_contribution": "出资已登记，并已按规则收取管理费。", "tr_ok_disbursement": "拨付已登记。",
        "tr_recent_contributions": "最近出资", "tr_recent_disbursements": "最近拨付", "tr_fee_on_it": "管理费",
        "tr_beyond_share": "超出用途“{purpose}”的份额：该用途尚可拨付 {available}"
                           "（净出资 {net_contributions} 的 {share} 为 {entitlement}，已拨付 {disbursed}）；"
                           "本次申请 {requested}。",
        "tr_figures": "合同对该用途的数字", "tr_asked": "本次申请",
        "tr_ties": "对账单与账本中的信托账户一致。", "tr_not_ties": "对账单与账本中的信托账户不一致！",
        "tr_ledger_balance": "账本中信托账户余额", "tr_running": "发生后余额", "tr_in_out": "收入（+）／支出（−）",
        "tr_see_statement": "信托对账单", "tr_read_only": "您可以查看此信托；只有其受托人可以登记资金。",
        "tr_description": "摘要",
    },
})

routes: list[Any] = [trust_list, trust_page, record_contribution, record_disbursement, trust_statement]
