"""Where each line of a benefit statement stands: approved (on its way), paid (with the bank date), or
reversed; and the totals a household reads (paid, on its way, corrections).

A compensation payment is posted to the household's account when a second official approves it, and
is paid when the bank transfer goes out (its date is recorded on the payment, not in the journal).
Other credits (stipends, shares, trust disbursements, adjustments) are posted when they are paid: they
read as paid on their own date. Bank dates are read when the statement is made, so a statement at an
earlier ledger point still shows a payment's bank date if it has one now; its figures and
verification code are those of the ledger point.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.compensation.models import Payment, PaymentStatus
from service.db import chunks

APPROVED, PAID, REVERSED, REVERSAL = "approved", "paid", "reversed", "reversal"


async def payment_records(session: AsyncSession, entry_ids: list[int]) -> dict[int, tuple[str, date | None]]:
    """entry id -> (payment status, bank date) for the compensation payments among these entries."""
    out: dict[int, tuple[str, date | None]] = {}
    for part in chunks(entry_ids):
        rows = await session.execute(select(Payment.entry_id, Payment.status, Payment.paid_on)
                                     .where(Payment.entry_id.in_(part)))
        out |= {e: (s, d) for e, s, d in rows if e is not None}  # (never None: the rows matched entry ids)
    return out


def line_state(line: dict[str, Any], payment: tuple[str, date | None] | None) -> tuple[str, date | None]:
    """(state, paid on) of one statement line."""
    if line["kind"] == "reversal":
        return REVERSAL, None
    if line["is_reversed"]:
        return REVERSED, None
    if payment is None:  # not a compensation payment: posted when paid
        return PAID, line["effective_date"]
    status, paid_on = payment
    if paid_on is not None and status in (PaymentStatus.PAID, PaymentStatus.REVERSED):
        return PAID, paid_on  # (reversed after this ledger point: it was paid then)
    return APPROVED, None


def totals(lines: list[dict[str, Any]]) -> dict[str, int]:
    """Paid, on its way (approved, not yet paid) and corrections (reversed lines and their reversals):
    together they make the statement's total."""
    out = {"paid": 0, "on_its_way": 0, "corrections": 0}
    for line in lines:
        bucket = {PAID: "paid", APPROVED: "on_its_way"}.get(line["state"], "corrections")
        out[bucket] += line["amount"]
    return out
