"""Payment spreadsheets: dry run, all-or-nothing commit, batch approval, bank files and exports.

Everything a row is checked against (villages, households, existing payments, the fund) is read
once into memory, so validating 20,000 rows costs a handful of queries; the commit then writes
payments, ledger entries, postings and events with one multi-row INSERT each.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import Any

import polars as pl
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from service import bulk, money
from service.auth.actor import Actor
from service.compensation import repository as repo
from service.compensation import matching, rules, sheets
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
from service.parsing import whole_number
from service.parties import service as parties
from service.parties.models import Party

S = PaymentStatus
REPORT_LINES_MAX = 500


class BatchRefused(DomainError):
    status = 422
    slug = "batch-refused"
    title = "The batch has errors; nothing was written"


# a checked file's rows, as columns in file order (row is the spreadsheet's row number: the header is row 1)
LINE_SCHEMA: dict[str, Any] = {
    "row": pl.Int64, "village": pl.String, "household_head": pl.String, "payee_party_id": pl.Int64,
    "area_centimu": pl.Int64, "persons": pl.Int64, "months": pl.Int64, "category": pl.String, "amount": pl.Int64,
    "rule": pl.String, "bank_account_tail": pl.String,
}


@dataclass
class Checked:
    program: Program
    period: str
    filename: str
    sha256: str
    lines: pl.DataFrame  # LINE_SCHEMA
    issues: list[RowIssue]  # by row, each row's in the order they were found
    available: int
    encoding: str | None = None

    @property
    def ok(self) -> bool:
        return self.lines.height > 0 and not self.issues

    @cached_property
    def bad_rows(self) -> set[int]:
        return {i.row for i in self.issues}

    @property
    def total(self) -> int:
        return int(self.lines.filter(~pl.col("row").is_in(list(self.bad_rows)))["amount"].sum() or 0)


class _Issues:
    """Problems found column by column, put back into row order at the end."""

    def __init__(self) -> None:
        self.found: list[tuple[int, str, str, str | None]] = []

    def add(self, rows: list[int], field_name: str | list[str], texts: list[str], expected: list[str | None] | None = None
            ) -> None:
        fields = field_name if isinstance(field_name, list) else [field_name] * len(rows)
        self.found += zip(rows, fields, texts, expected or [None] * len(rows), strict=True)

    def in_row_order(self) -> list[RowIssue]:
        # a stable sort: within a row, the order the checks ran in
        return [RowIssue(row=r, field=f, problem=t, expected=e) for r, f, t, e in sorted(self.found, key=lambda x: x[0])]


async def check(session: AsyncSession, actor: Actor, program_id: int, period: str, filename: str,
                content: bytes) -> Checked:
    """Validate every row; write nothing. Each check runs once per distinct value it reads (village
    names, amount cells, payee kinds and divisions), the rest is Polars columns."""
    program = await visible_program(session, actor, program_id)
    if not actor.in_county(program.county_code):
        raise NotFound(f"program {program_id} not found")
    rules.period_bounds(period)
    sheet = sheets.read_rows(content, filename, sheets.BATCH_COLUMNS, sheets.BATCH_REQUIRED)
    frame = sheet.frame.with_row_index("row", offset=2).with_columns(pl.col("row").cast(pl.Int64))
    taken = list(await session.scalars(
        select(Payment.payee_party_id).where(Payment.program_id == program.id, Payment.period == period,
                                             Payment.live_key.is_not(None))))
    issues = _Issues()
    directory = await matching.directory(session, program)
    found = frame.select("row").hstack(matching.match(frame, directory))
    bad = found.filter(pl.col("match_problem").is_not_null())
    issues.add(bad["row"].to_list(), bad["match_field"].to_list(), bad["match_problem"].to_list())
    priced = _priced(frame, rule_of(program), program, issues)
    lines = found.hstack(priced.drop("row"))
    lines = _eligible(lines, program, period, directory, issues)
    seen = pl.col("row").first().over("payee_party_id")
    dup = lines.filter(pl.col("payee_party_id").is_not_null() & (pl.col("row") != seen)).select("row", seen=seen)
    issues.add(dup["row"].to_list(), "household_head",
               [f"duplicate row: the same payee is on row {r}" for r in dup["seen"].to_list()])
    again = lines.filter(pl.col("payee_party_id").is_in(taken))["row"].to_list()
    issues.add(again, "household_head", [f"already has a payment under this program for {period}"] * len(again))
    fund = await ledger.get_account(session, program.fund_account_id)
    _funds(lines, {i[0] for i in issues.found}, fund.available_balance, program.currency,
           issues)
    out = frame.select("row", "village", "household_head").hstack(
        lines.select("payee_party_id", "area_centimu", "persons", "months", "category", "amount", "rule",
                     "bank_account_tail"))
    return Checked(program, period, filename, hashlib.sha256(content).hexdigest(), out.cast(LINE_SCHEMA),
                   issues.in_row_order(), fund.available_balance, sheet.encoding)


def _basis(raw: dict[str, str], problem: Callable[[str, str], None]) -> rules.Basis:
    def whole(name: str) -> int | None:
        value = raw.get(name, "")
        if not value:
            return None
        number = whole_number(value, maximum=1000)
        if not number:
            problem(name, f"{value[:20]!r} is not a whole number from 1 to 1000")
            return None
        return number

    area = None
    if raw.get("area_mu"):
        try:
            area = rules.parse_area(raw["area_mu"])
        except InvalidField as exc:
            problem("area_mu", exc.reason)
    return rules.Basis(area_centimu=area, persons=whole("persons"), months=whole("months"),
                       category=raw.get("category") or None)


_PRICE_CELLS = ("area_mu", "persons", "months", "category", "amount")


def _priced(frame: pl.DataFrame, rule: rules.Rule, program: Program, issues: _Issues) -> pl.DataFrame:
    """Each row's basis, amount and rule, priced once per distinct combination of the cells read."""
    cells = [f"cell_{c}" for c in _PRICE_CELLS]  # the cells as read, beside the basis made of them
    read = frame.select("row", *(pl.col(c).alias(f"cell_{c}") for c in _PRICE_CELLS))
    distinct = read.select(cells).unique(maintain_order=True)
    prices = [_price(dict(zip(_PRICE_CELLS, values, strict=True)), rule, program) for values in distinct.iter_rows()]
    table = distinct.hstack(pl.DataFrame(
        [(p[0].area_centimu, p[0].persons, p[0].months, p[0].category, p[1], p[2], k, not p[3])
         for k, p in enumerate(prices)],
        schema={"area_centimu": pl.Int64, "persons": pl.Int64, "months": pl.Int64, "category": pl.String,
                "amount": pl.Int64, "rule": pl.String, "price": pl.Int64, "priced_ok": pl.Boolean}, orient="row"))
    out = read.join(table, on=cells, how="left", maintain_order="left")
    for row, k in out.filter(~pl.col("priced_ok")).select("row", "price").iter_rows():
        for field_name, text, expected in prices[k][3]:
            issues.add([row], field_name, [text], [expected])
    return out.select("row", "area_centimu", "persons", "months", "category", "amount", "rule")


Price = tuple[rules.Basis, int | None, str | None, list[tuple[str, str, str | None]]]


def _price(raw: dict[str, str], rule: rules.Rule, program: Program) -> Price:
    """(basis, amount, rule applied, problems as (field, text, expected)) for one combination of cells."""
    problems: list[tuple[str, str, str | None]] = []
    basis = _basis(raw, lambda f, t: problems.append((f, t, None)))
    try:
        computed = rules.compute(rule, basis)
    except InvalidField as exc:
        return basis, None, None, [*problems, (exc.field or "amount", exc.reason, None)]
    if raw.get("amount"):
        try:
            entered = money.parse_positive(raw["amount"], program.currency)
        except InvalidField as exc:
            return basis, computed.amount, computed.rule, [*problems, ("amount", exc.reason, None)]
        if entered != computed.amount:
            expected = money.format(computed.amount, program.currency)
            problems.append(("amount", f"{money.format(entered, program.currency)} is off the rule ({computed.rule})",
                             expected))
    return basis, computed.amount, computed.rule, problems


def _eligible(lines: pl.DataFrame, program: Program, period: str, directory: matching.Directory,
              issues: _Issues) -> pl.DataFrame:
    """Whether each matched payee fits the program, worked out once per (payee kind, division)."""
    pairs = lines.filter(pl.col("payee_party_id").is_not_null()).group_by("kind", "division", maintain_order=True).agg(
        pl.col("payee_party_id").first())
    verdicts = [eligibility_problem(program, directory.payee(pid), division, period) or (None, None)
                for _, division, pid in pairs.iter_rows()]
    table = pairs.select("kind", "division").hstack(pl.DataFrame(
        verdicts, schema={"eligible_field": pl.String, "eligible_problem": pl.String}, orient="row"))
    lines = lines.join(table, on=["kind", "division"], how="left", maintain_order="left")
    bad = lines.filter(pl.col("eligible_problem").is_not_null())
    issues.add(bad["row"].to_list(), bad["eligible_field"].to_list(), bad["eligible_problem"].to_list())
    return lines


def _funds(lines: pl.DataFrame, bad_rows: set[int], available: int, currency: str, issues: _Issues) -> None:
    """Rows that would take the program fund below zero, in file order, are out of funds."""
    valid = ~pl.col("row").is_in(list(bad_rows)) & pl.col("amount").is_not_null()
    over = (lines.select("row", valid=valid, running=pl.when(valid).then("amount").otherwise(0).cum_sum())
            .filter(pl.col("valid") & (pl.col("running") > available)))
    issues.add(over["row"].to_list(), "amount", [
        f"program out of funds: {money.format(available, currency)} available, "
        f"the batch needs {money.format(running, currency)} up to this row" for running in over["running"].to_list()])


def report(checked: Checked, dry_run: bool, batch_id: int | None = None, with_lines: bool | None = None) -> BatchReport:
    c = checked.program.currency
    issues, lines, rows = checked.issues, checked.lines, checked.lines.height
    if with_lines is None:
        with_lines = rows <= REPORT_LINES_MAX
    out = None
    if with_lines:
        by_row: dict[int, list[RowIssue]] = defaultdict(list)
        for i in issues:
            by_row[i.row].append(i)
        out = [BatchRowOut(row=r["row"], village=r["village"], household_head=r["household_head"],
                           payee_party_id=r["payee_party_id"],
                           amount=money.format(r["amount"], c) if r["amount"] is not None else None, rule=r["rule"],
                           ok=r["row"] not in by_row, issues=by_row.get(r["row"], []))
               for r in lines.iter_rows(named=True)]
    if not rows:
        issues = [RowIssue(row=1, field="file", problem="the file has no payment rows")]
    invalid = len(checked.bad_rows)
    return BatchReport(
        dry_run=dry_run, program_id=checked.program.id, period=checked.period, filename=checked.filename,
        rows=rows, valid_rows=rows - invalid, invalid_rows=invalid, total=money.format(checked.total, c),
        available=money.format(checked.available, c), ok=checked.ok, batch_id=batch_id, issues=issues, lines=out,
        encoding=checked.encoding,
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
    lines, n = checked.lines, checked.lines.height
    ids = await bulk.reserve_ids(session, Payment.__table__, n)
    payees, amounts, rule_texts = (lines[c].to_list() for c in ("payee_party_id", "amount", "rule"))
    accounts = await _benefit_accounts(session, payees)
    memo, fund, currency = f"{program.name}, {checked.period} (batch {batch.id})", program.fund_account_id, program.currency
    common = entry_metadata(program, 0, 0, checked.period, "", batch.id, 0)  # what every row's metadata shares
    ceilings = {a: money.format(a, currency) for a in set(amounts)}
    # `ledger.transfer`'s two legs; the fund's side is the same (frozen) Leg for every row of an amount
    fund_legs = {a: ledger.Leg(fund, a, currency) for a in ceilings}
    specs = [
        ledger.EntrySpec(
            kind="payment", effective_date=effective_date, memo=memo,
            legs=[fund_legs[amount], ledger.Leg(accounts[payee], -amount, currency)],
            metadata={**common, "payment_id": pid, "payee_party_id": payee, "rule": rule, "rule_max": ceilings[amount]},
        )
        for pid, payee, amount, rule in zip(ids, payees, amounts, rule_texts, strict=True)
    ]
    entry_ids = await ledger.record_entries(session, specs, actor=actor, pending=True)
    await _insert_payments(session, actor, checked, batch.id, now, ids, entry_ids)
    await _add_events(session, actor, ids, "enter", None, S.PENDING.value, now,
                      [f"batch {batch.id} row {row}: {rule}" for row, rule in zip(lines["row"].to_list(), rule_texts, strict=True)])
    return report(checked, dry_run=False, batch_id=batch.id), ids


async def _benefit_accounts(session: AsyncSession, payee_ids: list[int]) -> dict[int, int]:
    """Each payee's benefits account id, read in one statement (opened if a payee has none)."""
    wanted = set(payee_ids)
    codes = {parties.benefit_account_code(p): p for p in wanted}
    found = {codes[code]: account_id for code, account_id in await bulk.fetch_in(
        session, "SELECT code, id FROM accounts WHERE party_id{ids}", list(wanted)) if code in codes}
    for p in sorted(wanted - found.keys()):
        party = await session.get(Party, p)
        assert party is not None  # the check matched it in this county
        found[p] = await _benefit_account(session, party)
    return found


async def _insert_payments(session: AsyncSession, actor: Actor, checked: Checked, batch_id: int, now: datetime,
                           ids: list[int], entry_ids: list[int]) -> None:
    program, lines, n = checked.program, checked.lines, checked.lines.height
    payees = lines["payee_party_id"].to_list()
    await bulk.insert_columns(session, Payment.__table__, {
        "id": ids, "program_id": [program.id] * n, "payee_party_id": payees, "county_code": [program.county_code] * n,
        "period": [checked.period] * n, **{c: lines[c].to_list() for c in ("area_centimu", "persons", "months",
                                                                          "category", "amount", "rule")},
        "currency": [program.currency] * n, "status": [S.PENDING.value] * n,
        "live_key": [live_key(program.id, p, checked.period) for p in payees], "batch_id": [batch_id] * n,
        "batch_row": lines["row"].to_list(), "entry_id": entry_ids, "bank_account_tail": lines["bank_account_tail"].to_list(),
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
