"""Tables of enrollments: who is enrolled in which program, the basis lines that carry the history,
change requests, and the cycles committed from them. Money lives in the ledger; a cycle points at
the compensation batch that reserved it."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, BigId, IdMixin, utcnow


class BasisKind(StrEnum):
    PARCEL = "parcel"  # a forest parcel: code, area, land class, optional outline
    PERSON = "person"  # a person of the household, by the keyed hash of the ID number
    MONTHS = "months"  # months of service or relocation


class ChangeAction(StrEnum):
    REMEASURE = "remeasure"  # a parcel's area re-measured
    ADD_PARCEL = "add_parcel"
    REMOVE_PARCEL = "remove_parcel"
    TRANSFER_PARCEL = "transfer_parcel"  # a parcel moves to another household's enrollment
    ADD_PERSON = "add_person"
    REMOVE_PERSON = "remove_person"
    SET_MONTHS = "set_months"
    END = "end"  # the enrollment ends


class ChangeStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Enrollment(IdMixin, Base):
    __tablename__ = "enr_enrollments"
    __table_args__ = (UniqueConstraint("program_id", "household_party_id", name="uq_enr_program_household"),)

    program_id: Mapped[int] = mapped_column(BigId, ForeignKey("comp_programs.id"), index=True)
    household_party_id: Mapped[int] = mapped_column(BigId, ForeignKey("parties.id"), index=True)
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)  # first day no longer enrolled
    evidence: Mapped[str] = mapped_column(String(120), default="")  # contract or land-certificate number
    created_by: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BasisLine(IdMixin, Base):
    """One fact of a basis for an interval [valid_from, valid_until): lines are closed and new ones
    opened, never edited otherwise, so the basis on any date can be read back."""

    __tablename__ = "enr_basis_lines"
    __table_args__ = (Index("ix_enr_basis_program_kind_key", "program_id", "kind", "key"),)

    enrollment_id: Mapped[int] = mapped_column(BigId, ForeignKey("enr_enrollments.id"), index=True)
    program_id: Mapped[int] = mapped_column(BigId, ForeignKey("comp_programs.id"))
    kind: Mapped[str] = mapped_column(String(10))
    key: Mapped[str] = mapped_column(String(64))  # parcel code, person ID hash, "" for months
    area_centimu: Mapped[int | None] = mapped_column(BigInteger)
    land_class: Mapped[str | None] = mapped_column(String(40))
    outline: Mapped[dict[str, Any] | None] = mapped_column()  # GeoJSON geometry
    quantity: Mapped[int | None] = mapped_column(Integer)  # months
    evidence: Mapped[str] = mapped_column(String(120), default="")
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    change_request_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("enr_change_requests.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChangeRequest(IdMixin, Base):
    __tablename__ = "enr_change_requests"

    enrollment_id: Mapped[int] = mapped_column(BigId, ForeignKey("enr_enrollments.id"), index=True)
    program_id: Mapped[int] = mapped_column(BigId, ForeignKey("comp_programs.id"))
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    action: Mapped[str] = mapped_column(String(20))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)  # no clear ID numbers: persons by hash
    effective_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), index=True)
    entered_by: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(Text)


class Cycle(IdMixin, Base):
    """A committed payment cycle: at most one per program and period."""

    __tablename__ = "enr_cycles"
    __table_args__ = (UniqueConstraint("program_id", "period", name="uq_enr_cycle_program_period"),)

    program_id: Mapped[int] = mapped_column(BigId, ForeignKey("comp_programs.id"))
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    period: Mapped[str] = mapped_column(String(7))
    basis_date: Mapped[date] = mapped_column(Date)
    batch_id: Mapped[int] = mapped_column(BigId, ForeignKey("comp_batches.id"))
    paid_households: Mapped[int] = mapped_column(Integer)
    held_households: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(BigInteger)
    created_by: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CycleLine(IdMixin, Base):
    """Which enrollment and basis produced a cycle's payment: what statements explain and the audit checks."""

    __tablename__ = "enr_cycle_lines"

    cycle_id: Mapped[int] = mapped_column(BigId, ForeignKey("enr_cycles.id"), index=True)
    enrollment_id: Mapped[int] = mapped_column(BigId, ForeignKey("enr_enrollments.id"), index=True)
    payment_id: Mapped[int] = mapped_column(BigId, ForeignKey("comp_payments.id"), index=True)
    area_centimu: Mapped[int | None] = mapped_column(BigInteger)
    persons: Mapped[int | None] = mapped_column(Integer)
    months: Mapped[int | None] = mapped_column(Integer)
    parcels: Mapped[list[Any]] = mapped_column(default=list)  # parcel codes
