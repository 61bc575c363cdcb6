"""Programs and payments: the county official's daily work, as plain async functions.

A payment is a row here plus a ledger entry there. The row carries the lifecycle (and its event
trail); the entry carries the money. Transitions are checked against one table so that an illegal
one is refused the same way everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, Protocol

from pypinyin import lazy_pinyin
from sqlalchemy import String, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from service import bulk, money
from service.auth.actor import Actor
from service.compensation import repository as repo
from service.compensation import rules
from service.compensation.funding import free_code
from service.compensation.models import (
    Payment,
    PaymentBatch,
    PaymentEvent,
    PaymentStatus,
    Program,
    RuleKind,
)
from service.compensation.schemas import (
    EventOut,
    MarkPaidIn,
    PaymentIn,
    PaymentOut,
    ProgramIn,
    ProgramOut,
)
from service.db import fetch_one, utcnow
from service.driver import (
    all_rows, as_loaded, first_value, get_row, insert_row, insert_rows, load_all, load_one, one_of, update_row, update_rows,
    values_of,
)
from service.errors import Conflict, Forbidden, InvalidField, NotFound
from service.ledger import service as ledger
from service.ledger.models import Account, AccountKind
from service.pagination import MAX_ID
from service.parties import service as parties
from service.parties.models import Party

S = PaymentStatus
# action -> (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "approve": (frozenset({S.PENDING}), S.APPROVED),
    "reject": (frozenset({S.PENDING}), S.REJECTED),
    "mark_paid": (frozenset({S.APPROVED}), S.PAID),
    "reverse": (frozenset({S.APPROVED, S.PAID}), S.REVERSED),
}


def live_key(program_id: int, payee_id: int, period: str) -> str:
    return f"{program_id}:{payee_id}:{period}"


def check_transition(payment: Payment, action: str) -> str:
    """The status `action` leads to, or a 409 saying why it cannot happen now."""
    sources, target = TRANSITIONS[action]
    if payment.status not in sources:
        allowed = " or ".join(sorted(sources))
        raise Conflict(f"payment {payment.id} is {payment.status}; {action.replace('_', ' ')} needs it to be {allowed}",
                       field="status", status=payment.status)
    return target


# --- programs ---------------------------------------------------------------------------------


def rule_of(program: Program) -> rules.Rule:
    return rules.Rule(kind=RuleKind(program.rule_kind), rate=program.rate, table=dict(program.rate_table or {}),
                      cap_amount=program.cap_amount, max_basis=program.max_basis, currency=program.currency)


def _max_basis(program: ProgramIn) -> int | None:
    if program.max_basis is None:
        return None
    if program.rule_kind == RuleKind.PER_AREA_YEAR:
        return rules.parse_area(program.max_basis, "max_basis")
    if "." in program.max_basis:
        raise InvalidField("max_basis", "persons and months are whole numbers")
    return int(program.max_basis)


async def create_program(session: AsyncSession, actor: Actor, data: ProgramIn) -> Program:
    if not actor.in_county(data.county_code):
        raise Forbidden(f"you may create programs only in county {actor.county_code}", field="county_code")
    program = Program(
        name=data.name, legal_basis=data.legal_basis, county_code=data.county_code,
        scope_codes=data.scope_codes or [data.county_code], period_start=data.period_start, period_end=data.period_end,
        currency="CNY", rule_kind=data.rule_kind,
        rate=money.parse_positive(data.rate, field="rate") if data.rate is not None else None,
        rate_table={k: money.parse_positive(v, field=f"rate_table.{k}") for k, v in data.rate_table.items()},
        cap_amount=money.parse_positive(data.cap_amount, field="cap_amount") if data.cap_amount else None,
        max_basis=_max_basis(data), eligible_kinds=[k.value for k in data.eligible_kinds],
        created_by=actor.user_id, fund_account_id=0,
    )
    fund = await (_named_fund(session, data) if data.fund_code else _new_fund(session, data))
    program.fund_account_id = fund.id
    session.add(program)
    await session.flush()
    return program


async def _named_fund(session: AsyncSession, data: ProgramIn) -> Account:
    """The fund account the clerk named: opened if new, else it must be an unused fund of the county."""
    code = data.fund_code or ""
    existing = await ledger.account_by_code(session, code)
    if existing is None:
        return await ledger.open_account(session, code=code, name=f"Program fund: {data.name}"[:200],
                                         kind=AccountKind.FUND, county_code=data.county_code)
    if existing.kind != AccountKind.FUND or existing.county_code != data.county_code:
        raise Conflict(f"account {code!r} exists and is not a fund of county {data.county_code}", field="fund_code")
    if await session.scalar(select(Program.id).where(Program.fund_account_id == existing.id)):
        raise Conflict(f"account {code!r} already funds another program", field="fund_code")
    return existing


async def _new_fund(session: AsyncSession, data: ProgramIn) -> Account:
    """A fund under a code made from the name (in pinyin) and year, numbered when already taken:
    the clerk never sent a code, so no clash with one may refuse the program."""
    code = await free_code(session, f"fund:{data.county_code}:program:{_slug(data.name)}:{data.period_start.year}")
    return await ledger.open_account(session, code=code, name=f"Program fund: {data.name}"[:200],
                                     kind=AccountKind.FUND, county_code=data.county_code)


def _slug(name: str) -> str:
    """'遂川县2026年公益林' -> 'sui-chuan-xian-2026-nian-gong-yi-lin' (Han characters in pinyin)."""
    spelled = " ".join(lazy_pinyin(name))
    ascii_part = "".join(ch.lower() if ch.isascii() and ch.isalnum() else "-" for ch in spelled)
    return "-".join(p for p in ascii_part.split("-") if p)[:50].strip("-") or "program"


async def visible_program(session: AsyncSession, actor: Actor, program_id: int) -> Program:
    # form fields (batch upload, reconciliation) are not range-checked like path ids; a 2**70 would overflow
    program = (await load_one(session, Program, ("readable", actor.scope),
                              lambda: repo.readable_programs(actor).where(Program.id == bindparam("v_id")),
                              {"v_id": program_id})
               if 1 <= program_id <= MAX_ID else None)
    if program is None:
        raise NotFound(f"program {program_id} not found")
    return program


async def program_out(session: AsyncSession, program: Program) -> ProgramOut:
    fund = await ledger.get_account(session, program.fund_account_id)
    c = program.currency
    return ProgramOut(
        id=program.id, name=program.name, legal_basis=program.legal_basis, county_code=program.county_code,
        scope_codes=list(program.scope_codes), period_start=program.period_start, period_end=program.period_end,
        fund_account_id=program.fund_account_id, currency=c, rule_kind=program.rule_kind,
        rate=money.format(program.rate, c) if program.rate is not None else None,
        rate_table={k: money.format(v, c) for k, v in (program.rate_table or {}).items()},
        cap_amount=money.format(program.cap_amount, c) if program.cap_amount is not None else None,
        max_basis=_show_basis(program), eligible_kinds=list(program.eligible_kinds),
        created_by=program.created_by, created_at=program.created_at,
        balance=money.format(fund.posted_balance, c), available=money.format(fund.available_balance, c),
    )


def _show_basis(program: Program) -> str | None:
    if program.max_basis is None:
        return None
    if program.rule_kind == RuleKind.PER_AREA_YEAR:
        return rules.format_area(program.max_basis)
    return str(program.max_basis)


async def list_programs(session: AsyncSession, actor: Actor, county_code: str | None, limit: int, offset: int) -> list[Program]:
    q = repo.readable_programs(actor).order_by(Program.id)
    if county_code:
        q = q.where(Program.county_code == county_code)
    return list((await session.execute(q.limit(limit).offset(offset))).scalars())


# --- payees and eligibility ---------------------------------------------------------------------


async def payee_division(session: AsyncSession, party: Party) -> str:
    """The most precise division code we know for a payee: its own, its village's, or its county."""
    if party.division_code:
        return party.division_code
    if party.parent_id:
        parent = await get_row(session, Party, party.parent_id)
        if parent is not None and parent.division_code:
            return parent.division_code
    return party.county_code or ""


class Kinded(Protocol):
    """A payee as far as eligibility goes: a Party, or the plain row a file's check reads."""

    @property
    def kind(self) -> str: ...


def eligibility_problem(program: Program, party: Kinded, division: str, period: str) -> tuple[str, str] | None:
    """(field, reason) if this payee or period does not fit the program; pure, used by batches too."""
    if party.kind not in program.eligible_kinds:
        return "payee_party_id", f"a {party.kind} is not eligible; the program pays {', '.join(program.eligible_kinds)}"
    if not any(division.startswith(code) for code in program.scope_codes):
        return "payee_party_id", f"the payee ({division or 'no division code'}) is outside the program's area"
    (y1, m1), (y2, m2) = rules.period_bounds(period)
    start, end = program.period_start, program.period_end
    if (y2, m2) < (start.year, start.month) or (y1, m1) > (end.year, end.month):
        return "period", f"{period} is outside the program's period {start} to {end}"
    return None


async def _benefit_account(session: AsyncSession, party: Party) -> int:
    account_id = await parties.benefit_account_id(session, party.id)
    if account_id is None:
        account_id = (await ledger.ensure_account(
            session, code=parties.benefit_account_code(party.id), name=f"Benefits received by {party.name}"[:200],
            kind=AccountKind.BENEFICIARY, party_id=party.id, county_code=party.county_code,
        )).id
    return account_id


def entry_metadata(program: Program, payment_id: int, payee_id: int, period: str, rule: str,
                   batch_id: int | None, amount: int) -> dict[str, Any]:
    """What the audit's anomaly checks read (docs/reports.md): the rule's ceiling, area and period."""
    area = program.scope_codes[0] if len(program.scope_codes) == 1 else program.county_code
    meta: dict[str, Any] = {"county_code": program.county_code, "period": period, "rule": rule,
                            "program_id": program.id, "payment_id": payment_id, "payee_party_id": payee_id,
                            "rule_max": money.format(amount, program.currency), "program_area": area,
                            "program_period_start": program.period_start.isoformat(),
                            "program_period_end": program.period_end.isoformat()}
    if batch_id is not None:
        meta["batch_id"] = batch_id
    return meta


# --- payments ----------------------------------------------------------------------------------


async def create_payment(session: AsyncSession, actor: Actor, data: PaymentIn) -> Payment:
    return (await _create_payment(session, actor, data))[0]


async def enter_payment(session: AsyncSession, actor: Actor, data: PaymentIn) -> PaymentOut:
    """create_payment, answered from the rows just written (its trail is the one `enter` event)."""
    payment, event = await _create_payment(session, actor, data)
    return payment_out(payment, [event])


async def quote_payment(session: AsyncSession, actor: Actor, data: PaymentIn, seen: Seen | None = None):
    """Every check of entering a payment (scope, payee, eligibility) and the rule's figure; writes nothing.
    The console prices its payment form with it, so the form and the API cannot disagree. `seen`: the
    programs and payees already read for the same scope in this transaction (a group of payments)."""
    key = (actor.scope, "program", data.program_id)
    program = seen.get(key) if seen is not None else None
    if program is None:
        program = await visible_program(session, actor, data.program_id)
        if seen is not None:
            seen[key] = program
    if not actor.in_county(program.county_code):
        raise NotFound(f"program {data.program_id} not found")
    party = seen.get((actor.scope, "payee", data.payee_party_id)) if seen is not None else None
    if party is None:
        party = await parties.find_readable(session, actor, data.payee_party_id)
    if party is None:
        raise InvalidField("payee_party_id", f"unknown payee {data.payee_party_id}")
    problem = eligibility_problem(program, party, await payee_division(session, party), data.period)
    if problem:
        raise InvalidField(*problem)
    basis = rules.Basis(area_centimu=rules.parse_area(data.area_mu) if data.area_mu else None,
                        persons=data.persons, months=data.months, category=data.category)
    return program, party, basis, rules.compute(rule_of(program), basis)


def _payment_values(actor: Actor, data: PaymentIn, program: Program, party: Party, basis: rules.Basis,
                    computed: Any, now: Any) -> dict[str, Any]:
    """A new payment's row, entered now and pending (one request, or each of a group)."""
    return dict(
        program_id=program.id, payee_party_id=party.id, county_code=program.county_code, period=data.period,
        area_centimu=basis.area_centimu, persons=data.persons, months=data.months, category=data.category,
        amount=computed.amount, currency=program.currency, rule=computed.rule, status=S.PENDING,
        live_key=live_key(program.id, party.id, data.period),
        bank_account_tail=data.bank_account_tail or party.bank_account_tail, memo=data.memo,
        entered_by=actor.user_id, entered_at=now, updated_at=now,
    )


def _event_values(payment_id: int, action: str, before: str | None, after: str, actor: Actor,
                  detail: str = "") -> dict[str, Any]:
    """One attributed, timestamped event of a payment's trail."""
    return dict(payment_id=payment_id, action=action, from_status=before, to_status=after, actor_id=actor.user_id,
                at=utcnow(), detail=detail, request_id=actor.request_id)


async def _create_payment(session: AsyncSession, actor: Actor, data: PaymentIn) -> tuple[Payment, PaymentEvent]:
    program, party, basis, computed = await quote_payment(session, actor, data)
    entered = money.parse_positive(data.amount, program.currency) if data.amount is not None else None
    rules.check_amount(computed, entered, program.currency)
    key = live_key(program.id, party.id, data.period)
    existing = await first_value(session, "live_payment", lambda: select(Payment.id).where(
        Payment.live_key == bindparam("v_key")), {"v_key": key})
    if existing is not None:
        raise Conflict(f"payee {party.id} already has payment {existing} under program {program.id} for {data.period}",
                       field="payee_party_id", existing_payment_id=existing)
    now = utcnow()
    # written through the driver (service/driver.py): the ORM's unit of work cost more than the rest of
    # the payment; the rows and objects are the same
    payment = await insert_row(session, Payment, _payment_values(actor, data, program, party, basis, computed, now))
    entry = await ledger.record_entry(
        session, kind="payment", actor=actor, pending=True, effective_date=data.effective_date,
        legs=ledger.transfer(program.fund_account_id, await _benefit_account(session, party), computed.amount,
                             program.currency),
        memo=data.memo or f"{program.name}, {data.period}",
        metadata=entry_metadata(program, payment.id, party.id, data.period, computed.rule, None, computed.amount),
    )
    await update_row(session, payment, entry_id=entry.id)
    event = await _record_event(session, payment, "enter", None, S.PENDING, actor, computed.rule)
    return payment, event


async def enter_payments(session: AsyncSession, items: list[tuple[Actor, PaymentIn]]) -> list[PaymentOut]:
    """`enter_payment` for many requests at once (a group commit of payments, service/group_commit.py):
    the same checks, rows and answers, written with a few multi-row statements. Only for the case where
    every one is accepted: anything `enter_payment` would refuse raises here (then each request is
    entered on its own and gets its own answer)."""
    quotes, keys = [], []
    seen = await _read_ahead(session, items)
    for actor, data in items:
        program, party, basis, computed = await quote_payment(session, actor, data, seen)
        entered = money.parse_positive(data.amount, program.currency) if data.amount is not None else None
        rules.check_amount(computed, entered, program.currency)
        quotes.append((program, party, basis, computed))
        keys.append(live_key(program.id, party.id, data.period))
    dialect = session.get_bind().dialect
    if len(set(keys)) < len(keys) or await first_value(session, "live_keys", lambda: select(func.count()).where(
            one_of(Payment.live_key, dialect, "v_keys", String())), {"v_keys": values_of(keys, dialect)}):
        raise Conflict("a payee already has a live payment for the period")  # each request then says which
    now = utcnow()
    rows = [{**_payment_values(actor, data, *quote, now), "batch_id": None, "batch_row": None, "entry_id": None,
             "reversal_entry_id": None, "bank_reference": None, "paid_on": None}
            for (actor, data), quote in zip(items, quotes, strict=True)]
    for row, payment_id in zip(rows, await bulk.insert_with_ids(session, Payment, rows), strict=True):
        row["id"] = payment_id
    codes = {parties.benefit_account_code(party.id) for _, party, _, _ in quotes}
    known = dict(await all_rows(session, "accounts_by_code", lambda: select(Account.code, Account.id).where(
        one_of(Account.code, dialect, "v_codes", String())), {"v_codes": values_of(codes, dialect)}))
    specs = [ledger.EntrySpec(
        "payment", ledger.transfer(program.fund_account_id,
                                   known.get(parties.benefit_account_code(party.id))
                                   or await _benefit_account(session, party), computed.amount, program.currency),
        data.effective_date, data.memo or f"{program.name}, {data.period}",
        entry_metadata(program, row["id"], party.id, data.period, computed.rule, None, computed.amount),
    ) for (_, data), (program, party, _, computed), row in zip(items, quotes, rows, strict=True)]
    entry_ids = await ledger.record_entries(session, specs, actor=[a for a, _ in items], pending=True)
    await update_rows(session, Payment, [{"id": row["id"], "entry_id": e} for row, e in zip(rows, entry_ids, strict=True)])
    events = [_event_values(row["id"], "enter", None, S.PENDING, actor, row["rule"])
              for (actor, _), row in zip(items, rows, strict=True)]
    await add_events(session, events)
    return [payment_out(as_loaded(Payment, {**row, "entry_id": e}), [as_loaded(PaymentEvent, event)])
            for row, e, event in zip(rows, entry_ids, events, strict=True)]


Seen = dict[tuple[object, ...], Any]  # (actor scope, "program" | "payee", id) -> the row read for it


async def _read_ahead(session: AsyncSession, items: list[tuple[Actor, PaymentIn]]) -> Seen:
    """What `quote_payment` reads for a group of payments: its programs, payees and the payees'
    villages, one query each, whatever the requesters' counties. A program or payee is taken for a
    requester only where `Actor.in_county` lets them act on it (acting in a county implies reading its
    rows through the SQL access rules: tests/test_access_rules.py checks it for every kind of actor);
    anything else is left for `quote_payment`, which reads it through the access rules as a single
    request does. Programs and payees are read only (not held by the session); villages are held,
    where `payee_division` finds them."""
    seen: Seen = {}
    payees = await _by_ids(session, Party, {d.payee_party_id for _, d in items}, hold=False)
    programs = await _by_ids(session, Program, {d.program_id for _, d in items}, hold=False)
    for actor, data in items:
        program, payee = programs.get(data.program_id), payees.get(data.payee_party_id)
        if program is not None and actor.in_county(program.county_code):
            seen[(actor.scope, "program", program.id)] = program
        if payee is not None and actor.in_county(payee.county_code):
            seen[(actor.scope, "payee", payee.id)] = payee
    villages = {p.parent_id for p in seen.values() if isinstance(p, Party) and p.parent_id and not p.division_code}
    for village in (await _by_ids(session, Party, villages, hold=True)).values():
        seen[((), "village", village.id)] = village  # kept here: the session holds its rows only weakly
    return seen


async def _by_ids(session: AsyncSession, model: Any, ids: Iterable[int], *, hold: bool, lock: bool = False
                  ) -> dict[int, Any]:
    """The `model` rows of these ids (out-of-range ids match nothing), read in id order as every writer
    locks (`lock`), by id."""
    wanted = {i for i in ids if 1 <= i <= MAX_ID}
    if not wanted:
        return {}
    dialect = session.get_bind().dialect
    rows = await load_all(session, model, "by_ids", lambda: select(model).where(one_of(model.id, dialect))
                          .order_by(model.id), {"v_ids": values_of(wanted, dialect)}, lock=lock, hold=hold)
    return {row.id: row for row in rows}


async def _record_event(session: AsyncSession, payment: Payment, action: str, before: str | None, after: str,
                        actor: Actor, detail: str = "") -> PaymentEvent:
    """The payment's trail: one attributed, timestamped event per transition (through the driver)."""
    return await insert_row(session, PaymentEvent, _event_values(payment.id, action, before, after, actor, detail))


async def _locked_payment(session: AsyncSession, actor: Actor, payment_id: int) -> Payment:
    payment = await load_one(session, Payment, "by_id", lambda: select(Payment).where(Payment.id == bindparam("v_id")),
                             {"v_id": payment_id}, lock=True)
    return _in_scope(payment, actor, payment_id)


def _in_scope(payment: Payment | None, actor: Actor, payment_id: int) -> Payment:
    if payment is None or not actor.in_county(payment.county_code):
        raise NotFound(f"payment {payment_id} not found")
    return payment


async def _move(session: AsyncSession, payment: Payment, action: str, actor: Actor, detail: str = "") -> None:
    target = check_transition(payment, action)
    before = payment.status
    changes: dict[str, Any] = {"status": target, "updated_at": utcnow()}
    if target in (S.REJECTED, S.REVERSED):
        changes["live_key"] = None  # the payee may be paid again for this period
    await session.flush()  # what the caller changed (bank reference, reversal entry) before the move
    await update_row(session, payment, **changes)
    await _record_event(session, payment, action, before, target, actor, detail)


async def approve(session: AsyncSession, actor: Actor, payment_id: int) -> Payment:
    payment = await _locked_payment(session, actor, payment_id)
    check_transition(payment, "approve")
    await ledger.post_pendings(session, [payment.entry_id], actor)  # type: ignore[list-item]
    await _move(session, payment, "approve", actor)
    return payment


async def approve_payments(session: AsyncSession, items: list[tuple[Actor, int]]) -> list[PaymentOut]:
    """`approve` for many requests at once (a group commit of approvals): the same checks, rows and
    answers (each payment with its events). Only for the case where every one is accepted: anything
    `approve` would refuse raises here, and each request is then approved on its own."""
    if len({payment_id for _, payment_id in items}) < len(items):
        raise Conflict("a payment approved twice in one group")  # each request then gets its own answer
    # not held by the session: their changes are written below, and holding them cost a sixth of an
    # approval's own CPU
    locked = await _by_ids(session, Payment, [i for _, i in items], lock=True, hold=False)
    payments = [_in_scope(locked.get(payment_id), actor, payment_id) for actor, payment_id in items]
    targets = [check_transition(p, "approve") for p in payments]
    await ledger.post_pendings(session, [p.entry_id for p in payments], [a for a, _ in items])  # type: ignore[misc]
    now = utcnow()
    await update_rows(session, Payment, [{"id": p.id, "status": t, "updated_at": now}
                                         for p, t in zip(payments, targets, strict=True)])
    await add_events(session, [_event_values(p.id, "approve", p.status, t, actor)
                               for (actor, _), p, t in zip(items, payments, targets, strict=True)])
    for p, t in zip(payments, targets, strict=True):
        set_committed_value(p, "status", t)
        set_committed_value(p, "updated_at", now)
    events: dict[int, list[PaymentEvent]] = {p.id: [] for p in payments}
    dialect = session.get_bind().dialect
    for event in await load_all(session, PaymentEvent, "of_payments", lambda: select(PaymentEvent).where(
            one_of(PaymentEvent.payment_id, dialect)).order_by(PaymentEvent.id), {"v_ids": values_of(events, dialect)},
            hold=False):
        events[event.payment_id].append(event)
    return [payment_out(p, events[p.id]) for p in payments]


async def reject(session: AsyncSession, actor: Actor, payment_id: int, reason: str) -> Payment:
    payment = await _locked_payment(session, actor, payment_id)
    check_transition(payment, "reject")
    await ledger.void_pending(session, payment.entry_id, actor, reason)  # type: ignore[arg-type]
    await _move(session, payment, "reject", actor, reason)
    return payment


async def mark_paid(session: AsyncSession, actor: Actor, payment_id: int, data: MarkPaidIn) -> Payment:
    payment = await _locked_payment(session, actor, payment_id)
    await _set_paid(session, actor, payment, data.bank_reference, data.paid_on)
    return payment


async def _set_paid(session: AsyncSession, actor: Actor, payment: Payment, reference: str, paid_on: date) -> None:
    check_transition(payment, "mark_paid")
    if paid_on > utcnow().date():
        raise InvalidField("paid_on", f"{paid_on} is in the future")
    clash = await session.scalar(select(Payment.id).where(Payment.bank_reference == reference, Payment.id != payment.id))
    if clash is not None:
        raise Conflict(f"bank reference {reference} is already recorded on payment {clash}", field="bank_reference")
    payment.bank_reference, payment.paid_on = reference, paid_on
    await _move(session, payment, "mark_paid", actor, f"bank reference {reference}, paid on {paid_on}")


async def reverse(session: AsyncSession, actor: Actor, payment_id: int, reason: str) -> Payment:
    payment = await _locked_payment(session, actor, payment_id)
    check_transition(payment, "reverse")
    entry = await ledger.reverse(session, payment.entry_id, actor, f"payment {payment.id} reversed: {reason}")  # type: ignore[arg-type]
    payment.reversal_entry_id = entry.id
    await _move(session, payment, "reverse", actor, reason)
    return payment


async def visible_payment(session: AsyncSession, actor: Actor, payment_id: int) -> Payment:
    payment = await fetch_one(session, repo.readable_payments(actor).where(Payment.id == payment_id))
    if payment is None:
        raise NotFound(f"payment {payment_id} not found")
    return payment


async def list_payments(session: AsyncSession, actor: Actor, *, limit: int, offset: int, **filters: Any) -> list[Payment]:
    q = repo.readable_payments(actor).order_by(Payment.id)
    for name, value in filters.items():
        if value is not None:
            q = q.where(getattr(Payment, name) == value)
    return list((await session.execute(q.limit(limit).offset(offset))).scalars())


def payment_out(p: Payment, events: list[PaymentEvent] | None = None) -> PaymentOut:
    out = PaymentOut.model_validate(p)
    if events is not None:
        out.events = [EventOut.model_validate(e) for e in events]
    return out


async def payment_with_events(session: AsyncSession, payment: Payment) -> PaymentOut:
    events = await load_all(session, PaymentEvent, "of_payment", lambda: select(PaymentEvent).where(
        PaymentEvent.payment_id == bindparam("v_id")).order_by(PaymentEvent.id), {"v_id": payment.id})
    return payment_out(payment, events)


async def status_counts(session: AsyncSession, batch_id: int) -> dict[str, int]:
    rows = await session.execute(
        select(Payment.status, func.count()).where(Payment.batch_id == batch_id).group_by(Payment.status)
    )
    return {status: int(n) for status, n in rows}


async def add_events(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    await insert_rows(session, PaymentEvent, rows)


__all__ = ["PaymentBatch"]
