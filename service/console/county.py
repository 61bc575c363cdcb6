"""What an official's pages read about their county: funds, payments waiting or refused, latest
activity, and the household registry. Reads only; every write goes through the domain services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from service import money
from service.auth.actor import Actor
from service.compensation.models import Payment, PaymentEvent, PaymentStatus, Program
from service.ledger.models import Account, AccountKind
from service.parties.models import Party, PartyKind


@dataclass(frozen=True)
class FundRow:
    id: int
    code: str
    name: str
    posted: str
    reserved: str
    available: str
    currency: str


def county_of(actor: Actor) -> str | None:
    """The county an official works in; None for admins and auditors (they see every county)."""
    return None if actor.reads_everything else actor.county_code


def _in_county(q, column, actor: Actor):
    county = county_of(actor)
    return q if county is None else q.where(column == county)


async def funds(session: AsyncSession, actor: Actor) -> tuple[list[FundRow], dict[str, str]]:
    """The county's fund accounts (the county fund and each program fund) with posted / reserved /
    available, and their totals."""
    q = _in_county(select(Account).where(Account.kind == AccountKind.FUND), Account.county_code, actor)
    accounts = list((await session.execute(q.order_by(Account.code))).scalars())
    rows = [FundRow(a.id, a.code, a.name, money.format(a.posted_balance, a.currency),
                    money.format(a.pending_out, a.currency), money.format(a.available_balance, a.currency), a.currency)
            for a in accounts]
    totals = {k: money.format(sum(getattr(a, attr) for a in accounts))
              for k, attr in (("posted", "posted_balance"), ("reserved", "pending_out"),
                              ("available", "available_balance"))}
    return rows, totals


async def source_accounts(session: AsyncSession, actor: Actor, exclude: int | None = None) -> list[Account]:
    """Accounts a program may be funded from (what `fund_program` accepts for this person)."""
    q = select(Account).where(Account.kind.in_([AccountKind.SOURCE, AccountKind.FUND, AccountKind.TRUST]))
    if actor.role != "admin":  # fund_program accepts an official's own county's accounts only
        q = q.where(Account.county_code == actor.county_code)
    if exclude is not None:
        q = q.where(Account.id != exclude)
    return list((await session.execute(q.order_by(Account.code).limit(200))).scalars())


@dataclass(frozen=True)
class PaymentRow:
    payment: Payment
    payee: str
    program: str


async def payments(session: AsyncSession, actor: Actor, *, limit: int = 100, offset: int = 0,
                   **filters: object) -> list[PaymentRow]:
    q = (select(Payment, Party.name, Program.name).join(Party, Party.id == Payment.payee_party_id)
         .join(Program, Program.id == Payment.program_id).order_by(Payment.id.desc()))
    for name, value in filters.items():
        if value is not None and value != "":
            q = q.where(getattr(Payment, name) == value)
    q = _in_county(q, Payment.county_code, actor)
    return [PaymentRow(p, payee, program) for p, payee, program in
            (await session.execute(q.limit(limit).offset(offset))).all()]


async def status_totals(session: AsyncSession, actor: Actor) -> dict[str, tuple[int, str]]:
    q = _in_county(select(Payment.status, func.count(), func.sum(Payment.amount)).group_by(Payment.status),
                   Payment.county_code, actor)
    return {status: (int(n), money.format(int(total or 0))) for status, n, total in (await session.execute(q)).all()}


@dataclass(frozen=True)
class Activity:
    at: datetime
    action: str
    payment_id: int
    payee: str
    amount: str
    detail: str


async def latest_activity(session: AsyncSession, actor: Actor, limit: int = 12) -> list[Activity]:
    q = (select(PaymentEvent, Payment.amount, Payment.currency, Party.name)
         .join(Payment, Payment.id == PaymentEvent.payment_id).join(Party, Party.id == Payment.payee_party_id)
         .order_by(PaymentEvent.id.desc()).limit(limit))
    q = _in_county(q, Payment.county_code, actor)
    return [Activity(e.at, e.action, e.payment_id, name, money.format(amount, currency), e.detail)
            for e, amount, currency, name in (await session.execute(q)).all()]


async def households(session: AsyncSession, actor: Actor, *, name: str = "", village: str = "", tail: str = "",
                     limit: int = 100) -> list[tuple[Party, str | None]]:
    """Households by name, village name and ID-number tail (each optional), with their village's name."""
    v = Party.__table__.alias("village")
    q = (select(Party, v.c.name).outerjoin(v, v.c.id == Party.parent_id)
         .where(Party.kind == PartyKind.HOUSEHOLD).order_by(Party.id))
    if name:
        q = q.where(Party.name.contains(name, autoescape=True))
    if village:
        q = q.where(v.c.name.contains(village, autoescape=True))
    if tail:
        q = q.where(Party.id_number_tail == tail.upper())
    q = _in_county(q, Party.county_code, actor)
    return [(p, village_name) for p, village_name in (await session.execute(q.limit(limit))).all()]


async def villages(session: AsyncSession, actor: Actor) -> list[Party]:
    q = _in_county(select(Party).where(Party.kind == PartyKind.COMMUNITY), Party.county_code, actor)
    return list((await session.execute(q.order_by(Party.name).limit(1000))).scalars())


async def programs(session: AsyncSession, actor: Actor) -> list[Program]:
    q = _in_county(select(Program), Program.county_code, actor)
    return list((await session.execute(q.order_by(Program.id.desc()).limit(500))).scalars())


PENDING, REJECTED = PaymentStatus.PENDING, PaymentStatus.REJECTED
