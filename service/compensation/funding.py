"""Money into funds, four eyes like every other movement: a county's budget receipt from its
province's budget source, and a program's funding from a county fund.

An official enters it: a pending ledger entry reserves the money at the source and gives the
receiving fund nothing yet. A second official with the approver role approves it (the entry is
posted) or rejects it (voided, the reservation released); whoever entered it can never approve it.
A province's budget source is registered once by an admin; after that a new county is funded by
its own officials.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service import money
from service.auth.actor import Actor
from service.auth.models import Role
from service.compensation import repository as repo
from service.compensation.models import (
    BudgetSource,
    Funding,
    FundingKind,
    FundingStatus,
    Program,
)
from service.compensation.schemas import (
    BudgetReceiptIn,
    BudgetSourceIn,
    BudgetSourceOut,
    FundingIn,
    FundingOut,
)
from service.db import fetch, fetch_one, utcnow
from service.errors import Conflict, Forbidden, InvalidField, NotFound
from service.ledger import service as ledger
from service.ledger.models import Account, AccountKind, JournalEntry
from service.schemas import with_fields

S = FundingStatus


def province_of(county_code: str) -> str:
    return county_code[:2]


# --- budget sources (admin, once per province) ------------------------------------------------


async def register_source(session: AsyncSession, actor: Actor, data: BudgetSourceIn) -> BudgetSource:
    taken = await session.scalar(select(BudgetSource.id).where(BudgetSource.province_code == data.province_code))
    if taken is not None:
        raise Conflict(f"province {data.province_code} already has budget source {taken}", field="province_code")
    if data.account_id is not None:
        account = await session.get(Account, data.account_id)
        if account is None or account.kind != AccountKind.SOURCE:
            raise InvalidField("account_id", f"account {data.account_id} is not a source account")
        if await session.scalar(select(BudgetSource.id).where(BudgetSource.account_id == account.id)):
            raise Conflict(f"account {account.code} is already another province's budget source", field="account_id")
    else:
        account = await ledger.open_account(
            session, code=await free_code(session, f"source:{data.province_code}:budget"), kind=AccountKind.SOURCE,
            name=data.name or f"Province {data.province_code} budget transfers")
    source = BudgetSource(province_code=data.province_code, account_id=account.id, registered_by=actor.user_id,
                          registered_at=utcnow())
    session.add(source)
    await session.flush()
    return source


async def free_code(session: AsyncSession, base: str) -> str:
    """`base`, or `base:2`, `base:3`... when an account already has it."""
    taken = set(await session.scalars(select(Account.code).where((Account.code == base) | Account.code.like(base + ":%"))))
    code, n = base, 1
    while code in taken:
        n += 1
        code = f"{base}:{n}"
    return code


async def list_sources(session: AsyncSession, limit: int, offset: int) -> list[BudgetSourceOut]:
    rows = await session.execute(select(BudgetSource, Account).join(Account, Account.id == BudgetSource.account_id)
                                 .order_by(BudgetSource.province_code).limit(limit).offset(offset))
    return [BudgetSourceOut.model_validate(with_fields(s, account_code=a.code, account_name=a.name))
            for s, a in rows.tuples()]


# --- entering -----------------------------------------------------------------------------------


async def receive_budget(session: AsyncSession, actor: Actor, data: BudgetReceiptIn) -> Funding:
    """The county's budget receipt, from its province's budget source into a county fund (pending)."""
    if not actor.in_county(data.county_code):
        raise Forbidden(f"you may record budget receipts only for county {actor.county_code}", field="county_code")
    province = province_of(data.county_code)
    source_id = await session.scalar(select(BudgetSource.account_id).where(BudgetSource.province_code == province))
    if source_id is None:
        raise Conflict(f"no budget source is registered for province {province}; an admin registers it once "
                       "(POST /api/v1/budget-sources)", field="county_code")
    fund = await _county_fund(session, data.county_code, data.fund_account_id)
    amount = money.parse_positive(data.amount, fund.currency)
    day = data.effective_date or utcnow().date()
    return await _enter(session, actor, FundingKind.BUDGET_RECEIPT, data.county_code, None, source_id, fund.id,
                        amount, fund.currency, day, data.memo or f"{day.year} budget transfer to county {data.county_code}",
                        {"province_code": province})


async def _county_fund(session: AsyncSession, county_code: str, account_id: int | None) -> Account:
    """The fund a receipt goes to: the one named, or the county's budget fund (opened on first use)."""
    if account_id is None:
        code = f"fund:{county_code}:budget"
        budget = await ledger.ensure_account(session, code=code, name=f"County {county_code} budget fund",
                                             kind=AccountKind.FUND, county_code=county_code)
        if budget.kind == AccountKind.FUND and budget.county_code == county_code:
            return budget
        raise Conflict(f"account {code} is not county {county_code}'s fund; name the fund in fund_account_id",
                       field="fund_account_id")
    account = await session.get(Account, account_id)
    if account is None or account.kind != AccountKind.FUND or account.county_code != county_code:
        raise InvalidField("fund_account_id", f"account {account_id} is not a fund of county {county_code}")
    if await session.scalar(select(Program.id).where(Program.fund_account_id == account_id)):
        raise InvalidField("fund_account_id", f"account {account_id} is a program's fund; fund programs from "
                                              "POST /api/v1/programs/{id}/funding")
    return account


async def fund_program(session: AsyncSession, actor: Actor, program: Program, data: FundingIn) -> Funding:
    """A program's funding from a county fund (an admin: any source, fund or trust), pending approval."""
    if not actor.in_county(program.county_code):
        raise NotFound(f"program {program.id} not found")
    source = await session.get(Account, data.source_account_id)
    if source is None or not (actor.role == Role.ADMIN or (source.county_code and actor.in_county(source.county_code))):
        raise InvalidField("source_account_id", f"unknown account {data.source_account_id}")
    if source.kind not in (AccountKind.SOURCE, AccountKind.FUND, AccountKind.TRUST) or source.id == program.fund_account_id:
        raise InvalidField("source_account_id", f"{source.code} is a {source.kind} account; fund from a source, fund or trust")
    amount = money.parse_positive(data.amount, program.currency)
    day = data.effective_date or utcnow().date()
    return await _enter(session, actor, FundingKind.PROGRAM, program.county_code, program.id, source.id,
                        program.fund_account_id, amount, program.currency, day,
                        data.memo or f"funding for {program.name}", {"program_id": program.id})


async def _enter(session: AsyncSession, actor: Actor, kind: str, county_code: str, program_id: int | None,
                 source_id: int, fund_id: int, amount: int, currency: str, day: date, memo: str,
                 meta: dict[str, Any]) -> Funding:
    entry = await ledger.record_entry(
        session, kind="funding", legs=ledger.transfer(source_id, fund_id, amount, currency), actor=actor,
        pending=True, effective_date=day, memo=memo,
        metadata={"county_code": county_code, "period": str(day.year), **meta},
    )
    funding = Funding(kind=kind, county_code=county_code, program_id=program_id, source_account_id=source_id,
                      fund_account_id=fund_id, amount=amount, currency=currency, status=S.PENDING, entry_id=entry.id,
                      effective_date=day, memo=memo, entered_by=actor.user_id, entered_at=utcnow())
    session.add(funding)
    await session.flush()
    return funding


# --- deciding -----------------------------------------------------------------------------------


async def _pending(session: AsyncSession, actor: Actor, funding_id: int) -> Funding:
    funding = await fetch(session, Funding, funding_id, lock=True)
    if funding is None or not actor.in_county(funding.county_code):
        raise NotFound(f"funding {funding_id} not found")
    if funding.status != S.PENDING:
        raise Conflict(f"funding {funding_id} is {funding.status}; only a pending funding can be decided", field="status")
    return funding


async def approve(session: AsyncSession, actor: Actor, funding_id: int) -> Funding:
    funding = await _pending(session, actor, funding_id)
    if funding.entered_by == actor.user_id:
        raise Forbidden("four-eyes rule: you cannot approve a funding you entered yourself; another official with "
                        "the approver role must", field="approved_by")
    await ledger.post_pending(session, funding.entry_id, actor)
    funding.status, funding.decided_by, funding.decided_at = S.APPROVED, actor.user_id, utcnow()
    await session.flush()
    return funding


async def reject(session: AsyncSession, actor: Actor, funding_id: int, reason: str) -> Funding:
    funding = await _pending(session, actor, funding_id)
    await ledger.void_pending(session, funding.entry_id, actor, reason)
    funding.status, funding.decided_by, funding.decided_at, funding.reason = S.REJECTED, actor.user_id, utcnow(), reason
    await session.flush()
    return funding


# --- reading ------------------------------------------------------------------------------------


async def visible(session: AsyncSession, actor: Actor, funding_id: int) -> Funding:
    funding = await fetch_one(session, repo.readable_fundings(actor).where(Funding.id == funding_id))
    if funding is None:
        raise NotFound(f"funding {funding_id} not found")
    return funding


async def list_fundings(session: AsyncSession, actor: Actor, *, limit: int, offset: int,
                        **filters: Any) -> list[Funding]:
    q = repo.readable_fundings(actor).order_by(Funding.id)
    for name, value in filters.items():
        if value is not None:
            q = q.where(getattr(Funding, name) == value)
    return list((await session.execute(q.limit(limit).offset(offset))).scalars())


async def funding_out(session: AsyncSession, f: Funding) -> FundingOut:
    fund = await ledger.get_account(session, f.fund_account_id)
    sequence = await session.scalar(select(JournalEntry.sequence).where(JournalEntry.id == f.entry_id))
    return FundingOut.model_validate(with_fields(f, sequence=sequence, balance=fund.posted_balance,
                                                 available=fund.available_balance))
