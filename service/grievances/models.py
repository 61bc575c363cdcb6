"""Grievances: a household's objection about a payment, and what officials did about it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, BigId, IdMixin, utcnow


class GrievanceKind(StrEnum):
    NOT_RECEIVED = "not_received"
    AMOUNT_WRONG = "amount_wrong"
    NOT_MY_PAYMENT = "not_my_payment"
    OTHER = "other"


class GrievanceStatus(StrEnum):
    OPEN = "open"
    ESCALATED = "escalated"  # to the county's approvers (by an official, or past its deadline)
    RESOLVED = "resolved"


class EventKind(StrEnum):
    FILED = "filed"
    ANSWER = "answer"
    EVIDENCE = "evidence"
    ESCALATED = "escalated"
    RESOLVED = "resolved"


class Grievance(IdMixin, Base):
    __tablename__ = "grievances"
    __table_args__ = (Index("ix_grievances_county_status", "county_code", "status"),)

    code: Mapped[str] = mapped_column(String(16), unique=True)  # the public tracking code
    county_code: Mapped[str] = mapped_column(String(6))
    party_id: Mapped[int] = mapped_column(BigId, ForeignKey("parties.id"), index=True)
    entry_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("journal_entries.id"))  # the statement line
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    expected: Mapped[str | None] = mapped_column(String(200))  # a payment expected and not seen
    status: Mapped[str] = mapped_column(String(12), default=GrievanceStatus.OPEN)
    filed_by: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    filed_at: Mapped[datetime] = mapped_column(default=utcnow)
    deadline_at: Mapped[datetime]
    escalated_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]


class GrievanceEvent(IdMixin, Base):
    """One step: filed, an answer (public), evidence (a bank reference, a reversal or re-payment
    entry), escalated, resolved."""

    __tablename__ = "grievance_events"

    grievance_id: Mapped[int] = mapped_column(BigId, ForeignKey("grievances.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    text: Mapped[str] = mapped_column(Text, default="")
    bank_reference: Mapped[str | None] = mapped_column(String(64))
    entry_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("journal_entries.id"))
    by_user: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"))  # None: escalated by its deadline
    at: Mapped[datetime] = mapped_column(default=utcnow)
