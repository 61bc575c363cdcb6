"""Tables of the compensation domain: programs, payments (with their event trail), batches and
bank reconciliation runs. Money itself lives only in the ledger; these rows point at its entries."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, BigId, IdMixin, utcnow


class RuleKind(StrEnum):
    PER_AREA_YEAR = "per_area_year"  # rate per mu per year x area
    PER_HOUSEHOLD = "per_household"  # lump sum per household
    PER_PERSON = "per_person"  # rate x persons
    PER_MONTH = "per_month"  # rate x months
    FIXED_TABLE = "fixed_table"  # amount looked up by category


class PaymentStatus(StrEnum):
    PENDING = "pending"  # entered; a pending ledger entry reserves the program's funds
    APPROVED = "approved"  # a second official posted it
    REJECTED = "rejected"  # voided with a reason; the reservation is released
    PAID = "paid"  # the bank transfer went out (reference and date recorded)
    REVERSED = "reversed"  # corrected by a reversal entry


class Program(IdMixin, Base):
    __tablename__ = "comp_programs"

    name: Mapped[str] = mapped_column(String(200))
    legal_basis: Mapped[str] = mapped_column(String(500))
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    scope_codes: Mapped[list[Any]] = mapped_column(default=list)  # division-code prefixes payees must fall in
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    fund_account_id: Mapped[int] = mapped_column(BigId, ForeignKey("accounts.id"))
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    rule_kind: Mapped[str] = mapped_column(String(20))
    rate: Mapped[int | None] = mapped_column(BigInteger)  # minor units
    rate_table: Mapped[dict[str, Any]] = mapped_column(default=dict)  # category -> minor units
    cap_amount: Mapped[int | None] = mapped_column(BigInteger)  # most one payment may be
    max_basis: Mapped[int | None] = mapped_column(BigInteger)  # most area (centi-mu), persons or months
    eligible_kinds: Mapped[list[Any]] = mapped_column(default=list)
    created_by: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PaymentBatch(IdMixin, Base):
    __tablename__ = "comp_batches"

    program_id: Mapped[int] = mapped_column(BigId, ForeignKey("comp_programs.id"), index=True)
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    period: Mapped[str] = mapped_column(String(7))
    filename: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64))
    row_count: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(BigInteger)
    created_by: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"))
    approved_at: Mapped[datetime | None]


class Payment(IdMixin, Base):
    __tablename__ = "comp_payments"
    __table_args__ = (Index("ix_comp_payments_program_period", "program_id", "period"),)

    program_id: Mapped[int] = mapped_column(BigId, ForeignKey("comp_programs.id"))
    payee_party_id: Mapped[int] = mapped_column(BigId, ForeignKey("parties.id"), index=True)
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    period: Mapped[str] = mapped_column(String(7))
    area_centimu: Mapped[int | None] = mapped_column(BigInteger)  # area in hundredths of a mu
    persons: Mapped[int | None]
    months: Mapped[int | None]
    category: Mapped[str | None] = mapped_column(String(60))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    rule: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(10), index=True)
    # Set while the payment counts (pending, approved, paid): one live payment per payee, program, period.
    live_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    batch_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("comp_batches.id"), index=True)
    batch_row: Mapped[int | None]
    entry_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("journal_entries.id"))
    reversal_entry_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("journal_entries.id"))
    bank_reference: Mapped[str | None] = mapped_column(String(64), index=True)
    paid_on: Mapped[date | None] = mapped_column(Date)
    bank_account_tail: Mapped[str | None] = mapped_column(String(4))
    memo: Mapped[str] = mapped_column(Text, default="")
    entered_by: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class PaymentEvent(IdMixin, Base):
    """The attributed, timestamped trail of every transition of a payment."""

    __tablename__ = "comp_payment_events"

    payment_id: Mapped[int] = mapped_column(BigId, ForeignKey("comp_payments.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(10))
    to_status: Mapped[str] = mapped_column(String(10))
    actor_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    detail: Mapped[str] = mapped_column(Text, default="")
    request_id: Mapped[str | None] = mapped_column(String(64))


class Reconciliation(IdMixin, Base):
    """One bank-statement import and what matched."""

    __tablename__ = "comp_reconciliations"

    county_code: Mapped[str | None] = mapped_column(String(6), index=True)
    program_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("comp_programs.id"))
    filename: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64))
    statement_lines: Mapped[int] = mapped_column(Integer)
    matched: Mapped[int] = mapped_column(Integer)
    amount_differences: Mapped[int] = mapped_column(Integer)
    unmatched_statement: Mapped[int] = mapped_column(Integer)
    unmatched_payments: Mapped[int] = mapped_column(Integer)
    report: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_by: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FundingKind(StrEnum):
    PROGRAM = "program"  # a county fund into a program's fund
    BUDGET_RECEIPT = "budget_receipt"  # the province's budget source into a county fund


class FundingStatus(StrEnum):
    PENDING = "pending"  # entered; a pending entry reserves the money at its source
    APPROVED = "approved"  # a second official posted it
    REJECTED = "rejected"  # voided with a reason


class BudgetSource(IdMixin, Base):
    """The source account a province's budget transfers come from, registered once by an admin:
    a county's officials record their receipts from it without an admin."""

    __tablename__ = "comp_budget_sources"

    province_code: Mapped[str] = mapped_column(String(2), unique=True)  # first two digits of a division code
    account_id: Mapped[int] = mapped_column(BigId, ForeignKey("accounts.id"), unique=True)
    registered_by: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)


class Funding(IdMixin, Base):
    """Money moved into a fund (a program's, or a county's from its budget): entered by one official,
    approved by another. The money is the ledger entry; this row carries who decided what."""

    __tablename__ = "comp_fundings"

    kind: Mapped[str] = mapped_column(String(20))
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    program_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("comp_programs.id"), index=True)
    source_account_id: Mapped[int] = mapped_column(BigId, ForeignKey("accounts.id"))
    fund_account_id: Mapped[int] = mapped_column(BigId, ForeignKey("accounts.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    status: Mapped[str] = mapped_column(String(10), index=True)
    entry_id: Mapped[int] = mapped_column(BigId, ForeignKey("journal_entries.id"))
    effective_date: Mapped[date] = mapped_column(Date)
    memo: Mapped[str] = mapped_column(Text, default="")
    entered_by: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)
