"""The figure a payment form shows before it is submitted: what the program's rule gives, and why,
in the user's language. The amount comes from the compensation rules; only the words are made here."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from service import money
from service.auth.actor import Actor
from service.compensation import rules
from service.compensation import service as comp
from service.compensation.models import Program, RuleKind
from service.compensation.schemas import PaymentIn


@dataclass(frozen=True)
class Priced:
    amount: str
    currency: str
    words: str
    payee: str
    program: str


def basis_of(data: PaymentIn) -> rules.Basis:
    return rules.Basis(area_centimu=rules.parse_area(data.area_mu) if data.area_mu else None,
                       persons=data.persons, months=data.months, category=data.category)


def words_zh(program: Program, basis: rules.Basis, computed: rules.Computed) -> str:
    c = program.currency
    f = lambda minor: f"{money.format(minor, c)} 元"  # noqa: E731
    kind, rate = RuleKind(program.rule_kind), program.rate or 0
    if kind == RuleKind.PER_AREA_YEAR:
        text = f"每亩每年 {f(rate)} × {rules.format_area(basis.area_centimu or 0)} 亩"
    elif kind == RuleKind.PER_HOUSEHOLD:
        text = f"每户 {f(rate)}"
    elif kind == RuleKind.PER_PERSON:
        text = f"每人 {f(rate)} × {basis.persons} 人"
    elif kind == RuleKind.PER_MONTH:
        text = f"每月 {f(rate)} × {basis.months or 1} 个月"
    else:
        text = f"类别“{basis.category}”固定标准"
    if program.cap_amount is not None and "capped" in computed.rule:
        text += f"，单笔封顶 {f(program.cap_amount)}"
    return f"{text} = {f(computed.amount)}"


async def price(session: AsyncSession, actor: Actor, data: PaymentIn, lang: str) -> Priced:
    """The same checks as entering the payment (scope, eligibility, rule), without writing anything."""
    program, party, basis, computed = await comp.quote_payment(session, actor, data)
    words = words_zh(program, basis, computed) if lang == "zh" else (
        f"{computed.rule} = {money.format(computed.amount, program.currency)} {program.currency}")
    return Priced(money.format(computed.amount, program.currency), program.currency, words, party.name, program.name)
