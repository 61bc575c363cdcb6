"""What the approver, trustee, auditor, patrol-supervisor and household pages share: labels used by
several of them (keys prefixed `r_`), reading a form into an input schema, and names for ids."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service import money
from service.auth.models import User
from service.console.forms import HIDDEN
from service.console.i18n import register
from service.console.render import environment
from service.parties.models import Party
from service.schemas import Output

M = TypeVar("M", bound=BaseModel)

# Minor units (an int from a table row) as the decimal string the `money` filter and macro take.
environment().filters["minor_text"] = lambda minor, currency="CNY": money.format(int(minor or 0), currency)


class Decided(Output):
    """What a console decision (approve, reject, verify, record) answers: the object and its state."""

    id: int
    status: str = ""


def parse_form(model: type[M], values: dict[str, Any], **extra: Any) -> tuple[M | None, dict[str, str]]:
    """The input schema from a form (empty fields left out, so defaults apply), or errors by field."""
    data = {k: v for k, v in values.items() if isinstance(v, str) and v != "" and k not in HIDDEN} | extra
    data = {k: v for k, v in data.items() if k in model.model_fields}
    try:
        return model.model_validate(data), {}
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for e in exc.errors():
            name = str(e["loc"][0]) if e["loc"] else ""
            errors.setdefault(name, e["msg"].removeprefix("Value error, "))
        return None, errors


async def user_names(session: AsyncSession, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict((await session.execute(select(User.id, User.name).where(User.id.in_(wanted)))).all())


async def party_names(session: AsyncSession, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict((await session.execute(select(Party.id, Party.name).where(Party.id.in_(wanted)))).all())


register({
    "en": {
        "r_id": "No.", "r_amount": "Amount", "r_status": "Status", "r_period": "Period", "r_date": "Date",
        "r_entered_by": "Entered by", "r_entered_at": "Entered", "r_reason": "Reason",
        "r_reason_hint": "Say why; the person who entered it will read this.", "r_approve": "Approve",
        "r_reject": "Reject", "r_rule": "Rule", "r_rule_says": "The rule says", "r_matches": "matches the rule",
        "r_differs": "differs from the rule", "r_rule_refuses": "The rule refuses this basis: {reason}",
        "r_yours": "You entered this yourself. Under the four-eyes rule another person must decide on it.",
        "r_yours_short": "entered by you", "r_open": "Open", "r_total": "Total", "r_memo": "Memo",
        "r_payee": "Payee", "r_program": "Program", "r_kind": "Kind", "r_sequence": "Sequence",
        "r_details": "Details", "r_none": "None.", "r_as_of": "As of ledger entry", "r_hash": "Hash",
        "r_reference": "Reference", "r_download": "Download", "r_members": "Members",
        "r_team": "Team", "r_county": "County", "r_party": "Party", "r_account": "Account",
        "r_debit": "Debit", "r_credit": "Credit", "r_balance": "Balance", "r_days": "days",
        "rst_pending": "pending", "rst_approved": "approved", "rst_rejected": "rejected", "rst_paid": "paid",
        "rst_reversed": "reversed", "rst_posted": "posted", "rst_voided": "voided", "rst_submitted": "waiting",
        "rst_verified": "verified",
        "rkind_payment": "compensation payment", "rkind_stipend": "patrol stipend",
        "rkind_distribution": "share distribution",
        "rkind_levy": "eco-product levy", "rkind_disbursement": "trust disbursement", "rkind_adjustment": "adjustment",
        "rkind_funding": "funding", "rkind_contribution": "contribution", "rkind_fee": "fee",
        "rkind_reversal": "reversal",
    },
    "zh": {
        "r_id": "编号", "r_amount": "金额", "r_status": "状态", "r_period": "期间", "r_date": "日期",
        "r_entered_by": "录入人", "r_entered_at": "录入时间", "r_reason": "理由",
        "r_reason_hint": "请说明理由，录入人会看到。", "r_approve": "批准", "r_reject": "驳回", "r_rule": "计算依据",
        "r_rule_says": "按规则应为", "r_matches": "与规则相符", "r_differs": "与规则不符",
        "r_rule_refuses": "规则不接受此计算基数：{reason}",
        "r_yours": "这是您本人录入的。按双人复核规则，须由他人审批。", "r_yours_short": "本人录入",
        "r_open": "查看", "r_total": "合计", "r_memo": "备注", "r_payee": "收款人", "r_program": "项目",
        "r_kind": "类别", "r_sequence": "序号", "r_details": "详情", "r_none": "无。", "r_as_of": "截至账本序号",
        "r_hash": "哈希", "r_reference": "凭证号", "r_download": "下载", "r_members": "队员",
        "r_team": "巡护队", "r_county": "县", "r_party": "主体", "r_account": "账户", "r_debit": "借方",
        "r_credit": "贷方", "r_balance": "余额", "r_days": "天",
        "rst_pending": "待审批", "rst_approved": "已批准", "rst_rejected": "已驳回", "rst_paid": "已支付",
        "rst_reversed": "已冲正", "rst_posted": "已入账", "rst_voided": "已作废", "rst_submitted": "待核实",
        "rst_verified": "已核实",
        "rkind_payment": "补偿款", "rkind_stipend": "巡护补贴", "rkind_distribution": "收益分配", "rkind_levy": "生态产品提成",
        "rkind_disbursement": "信托拨付", "rkind_adjustment": "调整", "rkind_funding": "拨款", "rkind_contribution": "出资",
        "rkind_fee": "管理费", "rkind_reversal": "冲正",
    },
})
