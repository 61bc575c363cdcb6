"""Water-fund trusts: trustee, settlors, beneficiaries, the agreement's distribution rule, and the
contributions and disbursements recorded under it (their money is in the ledger; these rows say why)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, BigId, IdMixin, utcnow


class Trust(IdMixin, Base):
    __tablename__ = "trusts"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    purpose: Mapped[str] = mapped_column(Text)
    trustee_party_id: Mapped[int] = mapped_column(BigId, ForeignKey("parties.id"), index=True)
    county_code: Mapped[str | None] = mapped_column(String(6), index=True)
    division_code: Mapped[str | None] = mapped_column(String(12))
    currency: Mapped[str] = mapped_column(String(3))
    agreement_reference: Mapped[str] = mapped_column(String(120))
    agreement_signed_on: Mapped[date | None] = mapped_column(Date)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    # Distribution rule: the trustee's fee first (basis points of each contribution, at least the
    # minimum, never more than the contribution), then the rest shared among the allocations.
    fee_bps: Mapped[int] = mapped_column(Integer, default=0)
    fee_minimum: Mapped[int] = mapped_column(BigInteger, default=0)
    account_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("accounts.id"))
    fee_account_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"))


class TrustSettlor(IdMixin, Base):
    __tablename__ = "trust_settlors"
    __table_args__ = (UniqueConstraint("trust_id", "party_id"),)

    trust_id: Mapped[int] = mapped_column(BigId, ForeignKey("trusts.id"), index=True)
    party_id: Mapped[int] = mapped_column(BigId, ForeignKey("parties.id"))
    category: Mapped[str] = mapped_column(String(30))  # water company, donor, government, ngo, farmers
    source_account_id: Mapped[int] = mapped_column(BigId, ForeignKey("accounts.id"))


class TrustBeneficiary(IdMixin, Base):
    __tablename__ = "trust_beneficiaries"
    __table_args__ = (UniqueConstraint("trust_id", "party_id"),)

    trust_id: Mapped[int] = mapped_column(BigId, ForeignKey("trusts.id"), index=True)
    party_id: Mapped[int] = mapped_column(BigId, ForeignKey("parties.id"))


class TrustAllocation(IdMixin, Base):
    """A named purpose (or a named beneficiary) and its share of the money left after fees."""

    __tablename__ = "trust_allocations"
    __table_args__ = (UniqueConstraint("trust_id", "key"),)

    trust_id: Mapped[int] = mapped_column(BigId, ForeignKey("trusts.id"), index=True)
    key: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    share_bps: Mapped[int] = mapped_column(Integer)
    beneficiary_party_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("parties.id"))
    account_id: Mapped[int] = mapped_column(BigId, ForeignKey("accounts.id"))


class Contribution(IdMixin, Base):
    __tablename__ = "trust_contributions"

    trust_id: Mapped[int] = mapped_column(BigId, ForeignKey("trusts.id"), index=True)
    settlor_party_id: Mapped[int] = mapped_column(BigId, ForeignKey("parties.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    fee: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    received_on: Mapped[date] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(120))
    memo: Mapped[str] = mapped_column(Text, default="")
    entry_id: Mapped[int] = mapped_column(BigId, ForeignKey("journal_entries.id"), unique=True)
    fee_entry_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("journal_entries.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"))


class Disbursement(IdMixin, Base):
    __tablename__ = "trust_disbursements"

    trust_id: Mapped[int] = mapped_column(BigId, ForeignKey("trusts.id"), index=True)
    allocation_id: Mapped[int] = mapped_column(BigId, ForeignKey("trust_allocations.id"), index=True)
    beneficiary_party_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("parties.id"))
    account_id: Mapped[int] = mapped_column(BigId, ForeignKey("accounts.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    paid_on: Mapped[date] = mapped_column(Date)
    reference: Mapped[str | None] = mapped_column(String(120))
    memo: Mapped[str] = mapped_column(Text, default="")
    entry_id: Mapped[int] = mapped_column(BigId, ForeignKey("journal_entries.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"))
