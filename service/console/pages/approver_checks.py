"""What the rule says an entry awaiting approval should be, computed by the domain's own rule functions
(compensation.rules.compute, patrols.rules.stipend_for), and the queue of what waits for a decision."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from service import money
from service.auth.actor import Actor
from service.compensation import funding, rules
from service.compensation import service as comp
from service.compensation.models import Funding, FundingStatus, Payment, PaymentBatch, PaymentStatus, Program
from service.errors import DomainError, InvalidField
from service.patrols import rules as patrol_rules
from service.patrols.models import RunStatus, StipendLine, StipendRule, StipendRun

QUEUE_LIMIT = 200


@dataclass(frozen=True)
class RuleCheck:
    amount: str | None  # what the rule gives, as a decimal string
    rule: str
    ok: bool
    refused: str | None = None  # the rule's refusal of this basis


def payment_check(program: Program, p: Any) -> RuleCheck:
    """`p` is a Payment or a row with its basis columns and amount."""
    basis = rules.Basis(area_centimu=p.area_centimu, persons=p.persons, months=p.months, category=p.category)
    try:
        c = rules.compute(comp.rule_of(program), basis)
    except InvalidField as exc:
        return RuleCheck(None, "", False, refused=exc.reason)
    except DomainError as exc:
        return RuleCheck(None, "", False, refused=exc.detail)
    return RuleCheck(money.format(c.amount, program.currency), c.rule, c.amount == p.amount)


def stipend_check(rule: StipendRule, line: StipendLine) -> RuleCheck:
    work = patrol_rules.WorkDone(line.member_party_id, line.team_id, line.patrol_days, line.minutes)
    s = patrol_rules.stipend_for(work, rule.basis, rule.rate_minor, rule.monthly_cap_minor, rule.currency)
    return RuleCheck(money.format(s.amount, rule.currency), s.rule_text, s.amount == line.amount_minor)


@dataclass
class BatchCheck:
    pending: int
    total: int  # minor units of the pending payments
    rule_total: int  # what the rule gives for the same payments
    mismatches: int
    lines: list[tuple[Any, RuleCheck]]  # the first rows, for the page

    @property
    def ok(self) -> bool:
        return self.mismatches == 0


BASIS_COLUMNS = (Payment.id, Payment.batch_row, Payment.payee_party_id, Payment.area_centimu, Payment.persons,
                 Payment.months, Payment.category, Payment.amount, Payment.rule)


async def batch_check(session: AsyncSession, batch: PaymentBatch, program: Program, shown: int = 300) -> BatchCheck:
    rows = (await session.execute(select(*BASIS_COLUMNS).where(
        Payment.batch_id == batch.id, Payment.status == PaymentStatus.PENDING).order_by(Payment.batch_row))).all()
    out = BatchCheck(pending=len(rows), total=0, rule_total=0, mismatches=0, lines=[])
    for row in rows:
        check = payment_check(program, row)
        out.total += row.amount
        out.rule_total += money.parse(check.amount, program.currency) if check.amount else 0
        out.mismatches += not check.ok
        if len(out.lines) < shown:
            out.lines.append((row, check))
    return out


# --- the queue --------------------------------------------------------------------------------------


def _county(actor: Actor, column: Any) -> Any:
    """A pre-filter in SQL; every row is checked again with the Actor's own `in_county`."""
    return true() if actor.reads_everything or actor.county_code is None else column == actor.county_code


async def single_payments(session: AsyncSession, actor: Actor) -> list[Payment]:
    q = (select(Payment).where(Payment.status == PaymentStatus.PENDING, Payment.batch_id.is_(None),
                               _county(actor, Payment.county_code)).order_by(Payment.id).limit(QUEUE_LIMIT))
    return [p for p in (await session.execute(q)).scalars() if actor.in_county(p.county_code)]


async def open_batches(session: AsyncSession, actor: Actor) -> list[PaymentBatch]:
    waiting = exists().where(Payment.batch_id == PaymentBatch.id, Payment.status == PaymentStatus.PENDING)
    q = select(PaymentBatch).where(waiting, _county(actor, PaymentBatch.county_code)).order_by(PaymentBatch.id)
    return [b for b in (await session.execute(q.limit(QUEUE_LIMIT))).scalars() if actor.in_county(b.county_code)]


async def open_runs(session: AsyncSession, actor: Actor) -> list[StipendRun]:
    q = (select(StipendRun).where(StipendRun.status == RunStatus.PENDING, _county(actor, StipendRun.county_code))
         .order_by(StipendRun.id).limit(QUEUE_LIMIT))
    return [r for r in (await session.execute(q)).scalars() if actor.in_county(r.county_code)]


async def pending_fundings(session: AsyncSession, actor: Actor) -> list[Funding]:
    """Fundings and budget receipts waiting in the approver's county (the funding service's own rule)."""
    return await funding.list_fundings(session, actor, limit=QUEUE_LIMIT, offset=0, status=FundingStatus.PENDING)


async def programs(session: AsyncSession, ids: set[int]) -> dict[int, Program]:
    if not ids:
        return {}
    return {p.id: p for p in (await session.execute(select(Program).where(Program.id.in_(ids)))).scalars()}


async def run_lines(session: AsyncSession, run_id: int) -> list[StipendLine]:
    q = select(StipendLine).where(StipendLine.run_id == run_id).order_by(StipendLine.id)
    return list((await session.execute(q)).scalars())
