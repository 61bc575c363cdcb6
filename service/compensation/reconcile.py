"""Bank reconciliation: a bank statement (reference, date, amount) against the payments marked paid.

`match` is pure: statement lines and paid payments in, a report out. A statement line matches the
paid payment carrying its bank reference; a matched pair whose amounts differ is an amount
difference; a paid payment dated inside the statement's date range that no line names is
unmatched on our side.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from service import money
from service.auth.actor import Actor
from service.compensation import repository as repo
from service.compensation import sheets
from service.compensation.models import Payment, PaymentStatus, Reconciliation
from service.compensation.schemas import ReconciliationOut
from service.errors import InvalidField


@dataclass(frozen=True)
class StatementLine:
    row: int
    reference: str
    on: date
    amount: int


@dataclass(frozen=True)
class PaidPayment:
    id: int
    reference: str
    paid_on: date
    amount: int


def parse_statement(rows: list[dict[str, str]]) -> list[StatementLine]:
    lines, problems = [], []
    for i, r in enumerate(rows):
        try:
            on = date.fromisoformat(r["date"])
            amount = money.parse(r["amount"], field="amount", allow_negative=True)
        except (ValueError, InvalidField) as exc:
            problems.append(f"row {i + 2}: {getattr(exc, 'reason', None) or 'date must be YYYY-MM-DD'}")
            continue
        if not r["reference"]:
            problems.append(f"row {i + 2}: reference is empty")
            continue
        lines.append(StatementLine(i + 2, r["reference"], on, abs(amount)))
    if problems:
        raise sheets.BadFile(f"{len(problems)} unreadable statement line(s): " + "; ".join(problems[:10]), field="file")
    return lines


def match(lines: list[StatementLine], paid: list[PaidPayment]) -> dict[str, Any]:
    by_ref = {p.reference: p for p in paid}
    matched, differences, unmatched_statement = [], [], []
    used: set[int] = set()
    for line in lines:
        p = by_ref.get(line.reference)
        if p is None or p.id in used:
            unmatched_statement.append({"row": line.row, "reference": line.reference, "date": line.on.isoformat(),
                                        "amount": money.format(line.amount),
                                        "reason": "no paid payment carries this reference" if p is None
                                        else "reference appears twice in the statement"})
            continue
        used.add(p.id)
        item = {"row": line.row, "reference": line.reference, "payment_id": p.id, "statement_amount":
                money.format(line.amount), "payment_amount": money.format(p.amount),
                "statement_date": line.on.isoformat(), "paid_on": p.paid_on.isoformat()}
        if line.amount != p.amount:
            differences.append({**item, "difference": money.format(line.amount - p.amount)})
        else:
            matched.append(item)
    start = min((l.on for l in lines), default=None)
    end = max((l.on for l in lines), default=None)
    unmatched_payments = [
        {"payment_id": p.id, "reference": p.reference, "paid_on": p.paid_on.isoformat(), "amount": money.format(p.amount)}
        for p in paid if p.id not in used and start is not None and start <= p.paid_on <= end  # type: ignore[operator]
    ]
    return {"statement_from": start.isoformat() if start else None, "statement_to": end.isoformat() if end else None,
            "matched": matched, "amount_differences": differences, "unmatched_statement": unmatched_statement,
            "unmatched_payments": unmatched_payments}


async def run(session: AsyncSession, actor: Actor, filename: str, content: bytes,
              program_id: int | None) -> Reconciliation:
    sheet = sheets.read_rows(content, filename, sheets.STATEMENT_COLUMNS, sheets.STATEMENT_REQUIRED)
    lines = parse_statement(sheet.rows)
    q = repo.readable_payments(actor).where(Payment.status.in_([PaymentStatus.PAID, PaymentStatus.REVERSED]),
                                            Payment.bank_reference.is_not(None))
    if program_id is not None:
        q = q.where(Payment.program_id == program_id)
    paid = [PaidPayment(p.id, p.bank_reference, p.paid_on, p.amount)  # type: ignore[arg-type]
            for p in (await session.execute(q)).scalars()]
    report = {**match(lines, paid), "encoding": sheet.encoding}
    recon = Reconciliation(
        county_code=None if actor.reads_everything else actor.county_code, program_id=program_id,
        filename=filename[:255], file_sha256=hashlib.sha256(content).hexdigest(), statement_lines=len(lines),
        matched=len(report["matched"]), amount_differences=len(report["amount_differences"]),
        unmatched_statement=len(report["unmatched_statement"]), unmatched_payments=len(report["unmatched_payments"]),
        report=report, created_by=actor.user_id,
    )
    session.add(recon)
    await session.flush()
    return recon


def run_out(recon: Reconciliation, with_report: bool = True) -> ReconciliationOut:
    """A stored run; the encoding its file was read in is kept in the report."""
    out = ReconciliationOut.model_validate(recon)
    return out.model_copy(update={"encoding": (recon.report or {}).get("encoding"),
                                  "report": out.report if with_report else None})
