"""Payment spreadsheets: dry run, all-or-nothing commit, batch approval, bank files and exports.

Everything a row is checked against (villages, households, existing payments, the fund) is read
once into memory, so validating 20,000 rows costs a handful of queries; the commit then writes
payments, ledger entries, postings and events with one multi-row INSERT each.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import polars as pl
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from service import bulk, money
from service.auth.actor import Actor
from service.compensation import repository as repo
from service.compensation import rules, sheets
from service.compensation.models import Payment, PaymentBatch, PaymentEvent, PaymentStatus, Program
from service.compensation.schemas import BatchOut, BatchReport, BatchRowOut, RowIssue
from service.compensation.service import (
    _benefit_account,
    check_transition,
    eligibility_problem,
    entry_metadata,
    live_key,
    rule_of,
    status_counts,
    visible_program,
)
from service.db import chunks, fetch_one, utcnow
from service.errors import Conflict, DomainError, Forbidden, InvalidField, NotFound
from service.ledger import service as ledger
from service.parsing import is_ascii_digits, whole_number
from service.parties import service as parties
from service.parties.models import Party, PartyKind

S = PaymentStatus
REPORT_LINES_MAX = 500


class BatchRefused(DomainError):
    status = 422
    slug = "batch-refused"
    title = "The batch has errors; nothing was written"


@dataclass
class Line:
    row: int  # spreadsheet row number (header is row 1)
    village: str
    head: str
    payee: Party | None = None
    division: str = ""
    basis: rules.Basis = field(default_factory=rules.Basis)
    amount: int | None = None
    rule: str | None = None
    bank_tail: str | None = None
    issues: list[RowIssue] = field(default_factory=list)

    def problem(self, field_name: str, text: str, expected: str | None = None) -> None:
        self.issues.append(RowIssue(row=self.row, field=field_name, problem=text, expected=expected))


@dataclass
class Checked:
    program: Program
    period: str
    filename: str
    sha256: str
    lines: list[Line]
    available: int
    encoding: str | None = None

    @property
    def ok(self) -> bool:
        return bool(self.lines) and not any(l.issues for l in self.lines)

    @property
    def total(self) -> int:
        return sum(l.amount or 0 for l in self.lines if not l.issues)


def _names(name: str) -> set[str]:
    """'营盘圩村 Yingpanxu Village' answers to itself, '营盘圩村', 'Yingpanxu Village' and 'Yingpanxu'."""
    n = " ".join(name.lower().split())
    out = {n}
    first, _, rest = n.partition(" ")
    if rest:
        out |= {first, rest, rest.removesuffix(" village")}
    return out


async def _directory(session: AsyncSession, program: Program) -> tuple[dict[str, list[Party]], dict[tuple[int, str, str], list[Party]]]:
    """Villages by any of their names, and payees by (village id, name, ID tail), in the program's county."""
    # plain rows with the Party attributes a batch reads (ORM objects for 100,000 payees cost seconds)
    rows = (await session.execute(select(
        Party.id, Party.name, Party.kind, Party.division_code, Party.county_code, Party.parent_id,
        Party.bank_account_tail, Party.id_number_tail).where(Party.county_code == program.county_code))).all()
    villages: dict[str, list[Party]] = defaultdict(list)
    payees: dict[tuple[int, str, str], list[Party]] = defaultdict(list)
    for p in rows:
        if p.kind == PartyKind.COMMUNITY:
            for alias in _names(p.name):
                villages[alias].append(p)
        elif p.parent_id is not None and p.id_number_tail:
            payees[(p.parent_id, " ".join(p.name.split()).lower(), p.id_number_tail.upper())].append(p)
    return villages, payees


def _basis(raw: dict[str, str], line: Line) -> rules.Basis:
    def whole(name: str) -> int | None:
        value = raw.get(name, "")
        if not value:
            return None
        number = whole_number(value, maximum=1000)
        if not number:
            line.problem(name, f"{value[:20]!r} is not a whole number from 1 to 1000")
            return None
        return number

    area = None
    if raw.get("area_mu"):
        try:
            area = rules.parse_area(raw["area_mu"])
        except InvalidField as exc:
            line.problem("area_mu", exc.reason)
    return rules.Basis(area_centimu=area, persons=whole("persons"), months=whole("months"),
                       category=raw.get("category") or None)


async def check(session: AsyncSession, actor: Actor, program_id: int, period: str, filename: str,
                content: bytes) -> Checked:
    """Validate every row; write nothing."""
    program = await visible_program(session, actor, program_id)
    if not actor.in_county(program.county_code):
        raise NotFound(f"program {program_id} not found")
    rules.period_bounds(period)
    sheet = sheets.read_rows(content, filename, sheets.BATCH_COLUMNS, sheets.BATCH_REQUIRED)
    villages, payees = await _directory(session, program)
    taken = set(await session.scalars(
        select(Payment.payee_party_id).where(Payment.program_id == program.id, Payment.period == period,
                                             Payment.live_key.is_not(None))
    ))
    rule = rule_of(program)
    seen: dict[int, int] = {}
    lines = []
    eligible: dict[tuple[str, str], tuple[str, str] | None] = {}  # by (payee kind, division): few distinct
    prices: dict[tuple[str, ...], Priced] = {}  # by the row's basis and amount cells: few distinct
    for i, raw in enumerate(sheet.rows):
        line = Line(row=i + 2, village=raw["village"], head=raw["household_head"])
        _match(line, raw, villages, payees)
        _priced(line, raw, rule, program, prices)
        if line.payee is not None:
            key = (line.payee.kind, line.division)
            if key not in eligible:
                eligible[key] = eligibility_problem(program, line.payee, line.division, period)
            problem = eligible[key]
            if problem:
                line.problem(problem[0], problem[1])
            if line.payee.id in seen:
                line.problem("household_head", f"duplicate row: the same payee is on row {seen[line.payee.id]}")
            else:
                seen[line.payee.id] = line.row
            if line.payee.id in taken:
                line.problem("household_head", f"already has a payment under this program for {period}")
        lines.append(line)
    fund = await ledger.get_account(session, program.fund_account_id)
    checked = Checked(program, period, filename, hashlib.sha256(content).hexdigest(), lines, fund.available_balance,
                      sheet.encoding)
    _funds(checked)
    return checked


def _match(line: Line, raw: dict[str, str], villages: dict[str, list[Party]],
           payees: dict[tuple[int, str, str], list[Party]]) -> None:
    found = villages.get(" ".join(line.village.lower().split()), [])
    if len(found) != 1:
        line.problem("village", f"unknown village {line.village!r}" if not found else f"village {line.village!r} is ambiguous")
        return
    village = found[0]
    tail = raw["id_tail"].upper()
    if len(tail) != 4:
        line.problem("id_tail", "give the last 4 characters of the ID number")
        return
    matches = payees.get((village.id, " ".join(line.head.split()).lower(), tail), [])
    if len(matches) != 1:
        line.problem("household_head", "unknown payee: no household with this name and ID tail in the village"
                     if not matches else "ambiguous payee: several households match")
        return
    line.payee, line.division = matches[0], matches[0].division_code or village.division_code or ""
    bank = raw.get("bank_account_tail", "")
    if bank:
        if not (len(bank) == 4 and is_ascii_digits(bank)):
            line.problem("bank_account_tail", "give the last 4 digits of the bank account")
        elif line.payee.bank_account_tail and bank != line.payee.bank_account_tail:
            line.problem("bank_account_tail", "differs from the bank account registered for this household")
        line.bank_tail = bank
    else:
        line.bank_tail = line.payee.bank_account_tail


@dataclass(frozen=True)
class Priced:
    """What `_price` made of a row's basis and amount cells."""

    basis: rules.Basis
    amount: int | None
    rule: str | None
    issues: tuple[tuple[str, str, str | None], ...]


_PRICE_CELLS = ("area_mu", "persons", "months", "category", "amount")


def _priced(line: Line, raw: dict[str, str], rule: rules.Rule, program: Program, prices: dict[tuple[str, ...], Priced]) -> None:
    """`_price`, worked out once per distinct combination of the cells it reads."""
    key = tuple(raw.get(c, "") for c in _PRICE_CELLS)
    found = prices.get(key)
    if found is None:
        probe = Line(row=line.row, village="", head="")
        _price(probe, raw, rule, program)
        found = prices[key] = Priced(probe.basis, probe.amount, probe.rule,
                                     tuple((i.field, i.problem, i.expected) for i in probe.issues))
    line.basis, line.amount, line.rule = found.basis, found.amount, found.rule
    for field_name, text, expected in found.issues:
        line.problem(field_name, text, expected)


def _price(line: Line, raw: dict[str, str], rule: rules.Rule, program: Program) -> None:
    line.basis = _basis(raw, line)
    try:
        computed = rules.compute(rule, line.basis)
    except InvalidField as exc:
        line.problem(exc.field or "amount", exc.reason)
        return
    line.amount, line.rule = computed.amount, computed.rule
    if raw.get("amount"):
        try:
            entered = money.parse_positive(raw["amount"], program.currency)
        except InvalidField as exc:
            line.problem("amount", exc.reason)
            return
        if entered != computed.amount:
            expected = money.format(computed.amount, program.currency)
            line.problem("amount", f"{money.format(entered, program.currency)} is off the rule ({computed.rule})",
                         expected=expected)


def _funds(checked: Checked) -> None:
    """Rows that would take the program fund below zero, in file order, are out of funds."""
    running = 0
    for line in checked.lines:
        if line.issues or line.amount is None:
            continue
        running += line.amount
        if running > checked.available:
            c = checked.program.currency
            line.problem("amount", f"program out of funds: {money.format(checked.available, c)} available, "
                         f"the batch needs {money.format(running, c)} up to this row")


def report(checked: Checked, dry_run: bool, batch_id: int | None = None, with_lines: bool | None = None) -> BatchReport:
    c = checked.program.currency
    issues = [i for l in checked.lines for i in l.issues]
    invalid = sum(1 for l in checked.lines if l.issues)
    if with_lines is None:
        with_lines = len(checked.lines) <= REPORT_LINES_MAX
    lines = [
        BatchRowOut(row=l.row, village=l.village, household_head=l.head, payee_party_id=l.payee.id if l.payee else None,
                    amount=money.format(l.amount, c) if l.amount is not None else None, rule=l.rule,
                    ok=not l.issues, issues=l.issues)
        for l in checked.lines
    ] if with_lines else None
    if not checked.lines:
        issues = [RowIssue(row=1, field="file", problem="the file has no payment rows")]
    return BatchReport(
        dry_run=dry_run, program_id=checked.program.id, period=checked.period, filename=checked.filename,
        rows=len(checked.lines), valid_rows=len(checked.lines) - invalid, invalid_rows=invalid,
        total=money.format(checked.total, c), available=money.format(checked.available, c), ok=checked.ok,
        batch_id=batch_id, issues=issues, lines=lines, encoding=checked.encoding,
    )


async def commit(session: AsyncSession, actor: Actor, checked: Checked, effective_date: date | None) -> BatchReport:
    """All rows or none: a batch, its payments and their pending entries, reserving the program's funds."""
    return (await commit_with_ids(session, actor, checked, effective_date))[0]


async def commit_with_ids(session: AsyncSession, actor: Actor, checked: Checked, effective_date: date | None
                          ) -> tuple[BatchReport, list[int]]:
    """`commit`, and the new payments' ids in the order of `checked.lines` (a cycle's lines name
    them without reading 100,000 payments back)."""
    if not checked.ok:
        rep = report(checked, dry_run=False, with_lines=False)
        raise BatchRefused(
            f"{rep.invalid_rows or 1} of {rep.rows} rows have errors; nothing was written. Fix them and upload again.",
            field="file", report=rep.model_dump(mode="json"),
        )
    program, now = checked.program, utcnow()
    prior = await session.scalar(select(PaymentBatch.id).where(
        PaymentBatch.program_id == program.id, PaymentBatch.period == checked.period,
        PaymentBatch.file_sha256 == checked.sha256))
    if prior is not None:
        raise Conflict(f"this file was already committed as batch {prior}", field="file", batch_id=prior)
    batch = PaymentBatch(program_id=program.id, county_code=program.county_code, period=checked.period,
                         filename=checked.filename[:255], file_sha256=checked.sha256, row_count=len(checked.lines),
                         total=checked.total, created_by=actor.user_id, created_at=now)
    session.add(batch)
    await session.flush()
    # the payments' ids first, so that each entry's metadata names its payment and each payment is
    # written once, with its entry (no update of 100,000 rows afterwards)
    ids = await bulk.reserve_ids(session, Payment.__table__, len(checked.lines))
    accounts = await _benefit_accounts(session, [l.payee for l in checked.lines if l.payee])
    memo, fund, currency = f"{program.name}, {checked.period} (batch {batch.id})", program.fund_account_id, program.currency
    common = entry_metadata(program, 0, 0, checked.period, "", batch.id, 0)  # what every row's metadata shares
    ceilings = {a: money.format(a, currency) for a in {l.amount for l in checked.lines}}  # type: ignore[arg-type]
    # `ledger.transfer`'s two legs; the fund's side is the same (frozen) Leg for every row of an amount
    fund_legs = {a: ledger.Leg(fund, a, currency) for a in ceilings}  # type: ignore[arg-type]
    specs = [
        ledger.EntrySpec(
            kind="payment", effective_date=effective_date, memo=memo,
            legs=[fund_legs[l.amount], ledger.Leg(accounts[payee], -l.amount, currency)],  # type: ignore[index, operator]
            metadata={**common, "payment_id": pid, "payee_party_id": payee, "rule": l.rule,
                      "rule_max": ceilings[l.amount]},  # type: ignore[index]
        )
        for pid, l, payee in zip(ids, checked.lines, [l.payee.id for l in checked.lines], strict=True)  # type: ignore[union-attr]
    ]
    entry_ids = await ledger.record_entries(session, specs, actor=actor, pending=True)
    await _insert_payments(session, actor, checked, batch.id, now, ids, entry_ids)
    await _add_events(session, actor, ids, "enter", None, S.PENDING.value, now,
                      [f"batch {batch.id} row {l.row}: {l.rule}" for l in checked.lines])
    return report(checked, dry_run=False, batch_id=batch.id), ids


async def _benefit_accounts(session: AsyncSession, payees: list[Party]) -> dict[int, int]:
    """Each payee's benefits account id, read in one statement (opened if a payee has none)."""
    codes = {parties.benefit_account_code(p.id): p.id for p in payees}
    found = {codes[code]: account_id for code, account_id in await bulk.fetch_in(
        session, "SELECT code, id FROM accounts WHERE party_id{ids}", list({p.id for p in payees})) if code in codes}
    for p in payees:
        if p.id not in found:
            found[p.id] = await _benefit_account(session, p)
    return found


async def _insert_payments(session: AsyncSession, actor: Actor, checked: Checked, batch_id: int, now: datetime,
                           ids: list[int], entry_ids: list[int]) -> None:
    program, lines, n = checked.program, checked.lines, len(checked.lines)
    payees = [l.payee.id for l in lines]  # type: ignore[union-attr]
    await bulk.insert_columns(session, Payment.__table__, {
        "id": ids, "program_id": [program.id] * n, "payee_party_id": payees, "county_code": [program.county_code] * n,
        "period": [checked.period] * n, "area_centimu": [l.basis.area_centimu for l in lines],
        "persons": [l.basis.persons for l in lines], "months": [l.basis.months for l in lines],
        "category": [l.basis.category for l in lines], "amount": [l.amount for l in lines],
        "currency": [program.currency] * n, "rule": [l.rule for l in lines], "status": [S.PENDING.value] * n,
        "live_key": [live_key(program.id, p, checked.period) for p in payees], "batch_id": [batch_id] * n,
        "batch_row": [l.row for l in lines], "entry_id": entry_ids, "bank_account_tail": [l.bank_tail for l in lines],
        "memo": [""] * n, "entered_by": [actor.user_id] * n, "entered_at": [now] * n, "updated_at": [now] * n,
    })


async def _add_events(session: AsyncSession, actor: Actor, payment_ids: list[int], action: str, before: str | None,
                      after: str, now: datetime, details: list[str]) -> None:
    """One event per payment of a batch, written as columns."""
    n = len(payment_ids)
    await bulk.insert_columns(session, PaymentEvent.__table__, {
        "payment_id": payment_ids, "action": [action] * n, "from_status": [before] * n, "to_status": [after] * n,
        "actor_id": [actor.user_id] * n, "at": [now] * n, "detail": details, "request_id": [actor.request_id] * n})


# --- batches after the commit ---------------------------------------------------------------------


async def visible_batch(session: AsyncSession, actor: Actor, batch_id: int) -> PaymentBatch:
    batch = await fetch_one(session, repo.readable_batches(actor).where(PaymentBatch.id == batch_id))
    if batch is None:
        raise NotFound(f"batch {batch_id} not found")
    return batch


async def batch_out(session: AsyncSession, batch: PaymentBatch) -> BatchOut:
    return BatchOut(id=batch.id, program_id=batch.program_id, county_code=batch.county_code, period=batch.period,
                    filename=batch.filename, row_count=batch.row_count, total=money.format(batch.total),
                    created_by=batch.created_by, created_at=batch.created_at, approved_by=batch.approved_by,
                    approved_at=batch.approved_at, status_counts=await status_counts(session, batch.id))


async def approve_batch(session: AsyncSession, actor: Actor, batch_id: int) -> PaymentBatch:
    """Approve every still-pending payment of the batch at once (four eyes on each)."""
    batch = (await session.execute(
        select(PaymentBatch).where(PaymentBatch.id == batch_id).with_for_update()
        .execution_options(populate_existing=True))).scalar_one_or_none()
    if batch is None or not actor.in_county(batch.county_code):
        raise NotFound(f"batch {batch_id} not found")
    if batch.created_by == actor.user_id:
        raise Forbidden("four-eyes rule: you cannot approve a batch you uploaded yourself", field="approved_by")
    pending = (await session.execute(
        select(Payment.id, Payment.entry_id).where(Payment.batch_id == batch.id, Payment.status == S.PENDING)
        .order_by(Payment.id).with_for_update())).all()
    if not pending:
        raise Conflict(f"batch {batch.id} has no pending payments left to approve", field="status")
    await ledger.post_pendings(session, [e for _, e in pending], actor)
    now = utcnow()
    await session.execute(update(Payment).where(Payment.batch_id == batch.id, Payment.status == S.PENDING)
                          .values(status=S.APPROVED, updated_at=now).execution_options(synchronize_session=False))
    await _add_events(session, actor, [p for p, _ in pending], "approve", S.PENDING.value, S.APPROVED.value, now,
                      [f"batch {batch.id} approved"] * len(pending))
    batch.approved_by, batch.approved_at = actor.user_id, now
    await session.flush()
    return batch


# --- bank files -------------------------------------------------------------------------------


def payment_ref(payment_id: int) -> str:
    return f"P{payment_id:08d}"


def parse_payment_ref(text: str) -> int | None:
    t = text.strip().upper().removeprefix("P")
    return whole_number(t)


async def mark_paid_from_file(session: AsyncSession, actor: Actor, filename: str,
                              content: bytes) -> tuple[list[int], str | None]:
    """The bank's transfer confirmation (payment_ref, reference, date, amount) marks approved payments paid.

    All rows or none: every line must name an approved payment in scope with the same amount. Returns
    the payments marked paid and how the file was decoded.
    """
    sheet = sheets.read_rows(content, filename, sheets.STATEMENT_COLUMNS, (*sheets.STATEMENT_REQUIRED, "payment_ref"))
    rows = sheet.rows
    ids = {i: parse_payment_ref(r["payment_ref"]) for i, r in enumerate(rows)}
    found: dict[int, Payment] = {}
    for chunk in chunks(sorted({v for v in ids.values() if v})):
        found.update((p.id, p) for p in (await session.execute(
            select(Payment).where(Payment.id.in_(chunk)).order_by(Payment.id).with_for_update()
            .execution_options(populate_existing=True))).scalars())
    problems: list[dict[str, Any]] = []
    seen: set[int] = set()
    refs: set[str] = set()
    today = utcnow().date()
    plan: list[tuple[Payment, str, date]] = []
    for i, r in enumerate(rows):
        row, pid = i + 2, ids[i]
        p = found.get(pid) if pid else None
        try:
            paid_on = date.fromisoformat(r["date"])
        except ValueError:
            problems.append({"row": row, "field": "date", "reason": f"{r['date'][:20]!r} is not a date (YYYY-MM-DD)"})
            continue
        problem = _paid_problem(p, actor, r, pid, seen, refs, paid_on, today)
        if problem:
            problems.append({"row": row, **problem})
            continue
        assert p is not None
        seen.add(p.id)
        refs.add(r["reference"])
        plan.append((p, r["reference"], paid_on))
    if not problems:
        clash = None
        for chunk in chunks(sorted(refs)):
            clash = clash or await session.scalar(select(Payment.id).where(Payment.bank_reference.in_(chunk)).limit(1))
        if clash is not None:
            problems.append({"row": 0, "field": "reference", "reason": f"a reference is already recorded on payment {clash}"})
    if problems or not plan:
        raise BatchRefused(f"{len(problems) or 'no'} problem(s) in the bank file; nothing was marked paid",
                           field="file", errors=problems[:200] or [{"field": "file", "reason": "no rows"}])
    from service.compensation.service import _move

    for p, ref, paid_on in plan:
        p.bank_reference, p.paid_on = ref, paid_on
        await _move(session, p, "mark_paid", actor, f"bank reference {ref}, paid on {paid_on} (bank file {filename})")
    return [p.id for p, _, _ in plan], sheet.encoding


def _paid_problem(p: Payment | None, actor: Actor, r: dict[str, str], pid: int | None, seen: set[int],
                  refs: set[str], paid_on: date, today: date) -> dict[str, str] | None:
    if p is None or not actor.in_county(p.county_code):
        return {"field": "payment_ref", "reason": f"unknown payment {r['payment_ref'][:20]!r}"}
    if p.id in seen:
        return {"field": "payment_ref", "reason": f"payment {pid} appears twice"}
    if not r["reference"] or len(r["reference"]) > 64 or r["reference"] in refs:
        return {"field": "reference", "reason": "missing, too long or repeated bank reference"}
    try:
        check_transition(p, "mark_paid")
    except Conflict as exc:
        return {"field": "payment_ref", "reason": exc.detail}
    try:
        amount = money.parse_positive(r["amount"], p.currency)
    except InvalidField as exc:
        return {"field": "amount", "reason": exc.reason}
    if amount != p.amount:
        return {"field": "amount", "reason": f"bank paid {money.format(amount)}, payment is {money.format(p.amount)}"}
    if paid_on > today:
        return {"field": "date", "reason": f"{paid_on} is in the future"}
    return None


async def export(session: AsyncSession, actor: Actor, fmt: str, **filters: Any) -> tuple[bytes, str]:
    """Payments for the bank, one row each, with the payee's village, name and account tail."""
    village = Party.__table__.alias("village")
    q = (
        select(Payment.id, Program.name, Payment.period, Payment.county_code, village.c.name, Party.name,
               Party.id_number_tail, Payment.bank_account_tail, Payment.amount, Payment.currency, Payment.status,
               Payment.rule, Payment.bank_reference, Payment.paid_on)
        .join(Program, Program.id == Payment.program_id).join(Party, Party.id == Payment.payee_party_id)
        .outerjoin(village, village.c.id == Party.parent_id).order_by(Payment.id)
    )
    for name, value in filters.items():
        if value is not None:
            q = q.where(getattr(Payment, name) == value)
    q = q.where(Payment.id.in_(repo.readable_payments(actor).with_only_columns(Payment.id)))
    rows = (await session.execute(q.limit(200_000))).all()
    frame = pl.DataFrame(
        [(payment_ref(r[0]), r[0], r[1], r[2], r[3], r[4] or "", r[5], r[6] or "", r[7] or "",
          money.format(r[8], r[9]), r[9], r[10], r[11], r[12] or "", r[13].isoformat() if r[13] else "")
         for r in rows],
        schema={c: (pl.Int64 if c == "payment_id" else pl.String) for c in (
            "payment_ref", "payment_id", "program", "period", "county_code", "village", "household_head", "id_tail",
            "bank_account_tail", "amount", "currency", "status", "rule", "bank_reference", "paid_on")},
        orient="row",
    )
    return sheets.write(frame, fmt)
