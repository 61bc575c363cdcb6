"""Stipend rules and monthly runs: verified work -> capped stipends -> pending ledger entries -> approval."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service import money
from service.auth.actor import Actor
from service.db import fetch_one, present, utcnow
from service.errors import Conflict, Forbidden, InvalidField, NotFound
from service.ledger import service as ledger
from service.ledger.models import Account, AccountKind
from service.parties import service as parties
from service.patrols import rules
from service.schemas import with_fields
from service.patrols.models import (
    LogStatus, PatrolLog, PatrolLogMember, RunStatus, StipendLine, StipendRule, StipendRun,
)
from service.patrols.schemas import StipendLineOut, StipendRuleIn, StipendRunIn, StipendRunOut
from service.patrols.repository import readable_rules, readable_runs
from service.patrols.service import get_team


async def create_rule(session: AsyncSession, actor: Actor, data: StipendRuleIn) -> StipendRule:
    if not actor.in_county(data.county_code):
        raise InvalidField("county_code", f"you act only in county {actor.county_code}")
    if data.team_id is not None and (await get_team(session, actor, data.team_id)).county_code != data.county_code:
        raise InvalidField("team_id", f"team {data.team_id} is not in county {data.county_code}")
    account = await session.get(Account, data.funding_account_id)
    if account is None or account.kind != AccountKind.FUND or account.county_code != data.county_code:
        raise InvalidField("funding_account_id", f"not a fund account of county {data.county_code}")
    rate = money.parse_positive(data.rate, account.currency, "rate")
    cap = money.parse_positive(data.monthly_cap, account.currency, "monthly_cap")
    rule = StipendRule(name=data.name, county_code=data.county_code, team_id=data.team_id, basis=data.basis,
                       rate_minor=rate, monthly_cap_minor=cap, currency=account.currency,
                       funding_account_id=account.id, created_by=actor.user_id)
    session.add(rule)
    await session.flush()
    return rule


async def get_rule(session: AsyncSession, actor: Actor, rule_id: int, lock: bool = False) -> StipendRule:
    rule = await fetch_one(session, readable_rules(actor).where(StipendRule.id == rule_id), lock=lock)
    if rule is None:
        raise NotFound(f"stipend rule {rule_id} not found")
    return rule


async def list_rules(session: AsyncSession, actor: Actor, limit: int, offset: int) -> list[StipendRule]:
    q = readable_rules(actor).order_by(StipendRule.id)
    return list((await session.execute(q.limit(limit).offset(offset))).scalars())


# --- computing ---------------------------------------------------------------------------------


async def compute(session: AsyncSession, rule: StipendRule, period: str) -> tuple[list[rules.Stipend], list[int]]:
    """Stipends owed for the month from VERIFIED logs, minus members already paid (or pending) under the rule."""
    first, last = rules.month_bounds(period)
    q = (
        select(PatrolLogMember.member_party_id, PatrolLog.team_id, PatrolLog.patrol_date, PatrolLog.minutes)
        .join(PatrolLog, PatrolLog.id == PatrolLogMember.log_id)
        .where(PatrolLog.status == LogStatus.VERIFIED, PatrolLog.county_code == rule.county_code,
               PatrolLog.patrol_date >= first, PatrolLog.patrol_date <= last)
    )
    if rule.team_id is not None:
        q = q.where(PatrolLog.team_id == rule.team_id)
    work = rules.summarise((await session.execute(q)).all())
    paid = set((await session.execute(select(StipendLine.member_party_id).where(
        StipendLine.rule_id == rule.id, StipendLine.period == period, StipendLine.live.is_(True)))).scalars())
    owed = [rules.stipend_for(w, rule.basis, rule.rate_minor, rule.monthly_cap_minor, rule.currency)
            for w in work if w.member_party_id not in paid]
    return [s for s in owed if s.amount > 0], sorted(paid)


def _line_out(s: rules.Stipend, currency: str, entry_id: int | None = None, status: str = "preview") -> StipendLineOut:
    return StipendLineOut.model_validate(with_fields(
        s, currency=currency, hours=f"{s.minutes // 60}:{s.minutes % 60:02d}", rule=s.rule_text, entry_id=entry_id,
        status=status))


async def dry_run(session: AsyncSession, actor: Actor, data: StipendRunIn) -> StipendRunOut:
    rule = await get_rule(session, actor, data.rule_id)
    owed, paid = await compute(session, rule, data.period)
    return StipendRunOut(
        id=None, rule_id=rule.id, county_code=rule.county_code, period=data.period, status="dry_run",
        total=money.format(sum(s.amount for s in owed), rule.currency),
        lines=[_line_out(s, rule.currency) for s in owed], already_paid=paid,
    )


async def commit(session: AsyncSession, actor: Actor, data: StipendRunIn) -> StipendRun:
    """Reserve each member's stipend as a pending entry. Locking the rule (never a ledger row: only the
    ledger locks accounts, in id order) serialises runs of a rule, and the unique (rule, member, month)
    line refuses a second payment even if two runs race."""
    rule = await get_rule(session, actor, data.rule_id, lock=True)
    owed, paid = await compute(session, rule, data.period)
    if not owed:
        raise Conflict(f"nothing to pay for {data.period} under rule {rule.id}: no verified work not yet paid"
                       + (f" ({len(paid)} member(s) already paid)" if paid else ""), field="period")
    run = StipendRun(rule_id=rule.id, county_code=rule.county_code, period=data.period, created_by=actor.user_id)
    session.add(run)
    await session.flush()
    for s in owed:
        account_id = await parties.benefit_account_id(session, s.member_party_id)
        if account_id is None:
            raise InvalidField("member_party_id", f"member {s.member_party_id} has no benefits account")
        entry = await ledger.record_entry(
            session, kind="stipend", legs=ledger.transfer(rule.funding_account_id, account_id, s.amount, rule.currency),
            actor=actor, effective_date=rules.month_bounds(data.period)[1], pending=True,
            memo=f"Patrol stipend {data.period}: {s.rule_text}",
            metadata={"stipend_run_id": run.id, "team_id": s.team_id, "member_party_id": s.member_party_id,
                      "payee_party_id": s.member_party_id, "patrol_days": s.patrol_days, "period": data.period,
                      "rule": s.rule_text, "county_code": rule.county_code,
                      "stipend_cap": money.format(rule.monthly_cap_minor, rule.currency)},
        )
        session.add(StipendLine(
            run_id=run.id, rule_id=rule.id, member_party_id=s.member_party_id, team_id=s.team_id, period=data.period,
            patrol_days=s.patrol_days, minutes=s.minutes, uncapped_minor=s.uncapped, amount_minor=s.amount,
            rule_text=s.rule_text, entry_id=entry.id, live=True,
        ))
        run.total_minor += s.amount
    await session.flush()
    return run


async def get_run(session: AsyncSession, actor: Actor, run_id: int, lock: bool = False) -> StipendRun:
    run = await fetch_one(session, readable_runs(actor).where(StipendRun.id == run_id), lock=lock)
    if run is None:
        raise NotFound(f"stipend run {run_id} not found")
    return run


async def _lines(session: AsyncSession, run_id: int) -> list[StipendLine]:
    rows = await session.execute(select(StipendLine).where(StipendLine.run_id == run_id).order_by(StipendLine.id))
    return list(rows.scalars())


async def approve(session: AsyncSession, actor: Actor, run_id: int) -> StipendRun:
    """Post every entry of the run (four-eyes: the ledger refuses the person who committed it)."""
    run = await get_run(session, actor, run_id, lock=True)
    if run.status != RunStatus.PENDING:
        raise Conflict(f"stipend run {run_id} is {run.status}", field="status")
    for line in await _lines(session, run.id):
        await ledger.post_pending(session, present(line.entry_id, "a stipend line's entry"), actor)
    run.status, run.decided_by, run.decided_at = RunStatus.APPROVED, actor.user_id, utcnow()
    await session.flush()
    return run


async def reject(session: AsyncSession, actor: Actor, run_id: int, reason: str) -> StipendRun:
    """Void every entry; the month can then be run again (after the logs are put right)."""
    run = await get_run(session, actor, run_id, lock=True)
    if run.status != RunStatus.PENDING:
        raise Conflict(f"stipend run {run_id} is {run.status}", field="status")
    if run.created_by == actor.user_id:
        raise Forbidden("four-eyes rule: the person who committed a run cannot decide on it", field="decided_by")
    for line in await _lines(session, run.id):
        await ledger.void_pending(session, present(line.entry_id, "a stipend line's entry"), actor, reason)
        line.live = None
    run.status, run.decided_by, run.decided_at, run.reject_reason = RunStatus.REJECTED, actor.user_id, utcnow(), reason
    await session.flush()
    return run


async def run_out(session: AsyncSession, run: StipendRun) -> StipendRunOut:
    rule = await session.get(StipendRule, run.rule_id)
    currency = rule.currency if rule else "CNY"
    status = {RunStatus.PENDING: "pending", RunStatus.APPROVED: "posted", RunStatus.REJECTED: "voided"}[RunStatus(run.status)]
    lines = [
        _line_out(rules.Stipend(l.member_party_id, l.team_id, l.patrol_days, l.minutes, l.uncapped_minor,
                                l.amount_minor, l.rule_text), currency, l.entry_id, status)
        for l in await _lines(session, run.id)
    ]
    return StipendRunOut.model_validate(with_fields(run, currency=currency, lines=lines))


async def list_runs(session: AsyncSession, actor: Actor, rule_id: int | None, period: str | None,
                    limit: int, offset: int) -> list[StipendRun]:
    q = readable_runs(actor).order_by(StipendRun.id)
    if rule_id is not None:
        q = q.where(StipendRun.rule_id == rule_id)
    if period:
        q = q.where(StipendRun.period == period)
    return list((await session.execute(q.limit(limit).offset(offset))).scalars())
