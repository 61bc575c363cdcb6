"""Benefit-sharing agreements: a pool, versioned stakeholder shares, and distribution runs."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, BigId, IdMixin, utcnow


class PoolKind(StrEnum):
    ECOTOURISM = "ecotourism"
    CARBON_CREDIT = "carbon_credit"
    ECO_PRODUCT_LEVY = "eco_product_levy"
    TRUST_INCOME = "trust_income"
    OTHER = "other"


class ShareAgreement(IdMixin, Base):
    __tablename__ = "share_agreements"

    name: Mapped[str] = mapped_column(String(200))
    pool_kind: Mapped[str] = mapped_column(String(30))
    description: Mapped[str] = mapped_column(Text, default="")
    reference: Mapped[str | None] = mapped_column(String(120))  # the signed agreement's number
    county_code: Mapped[str | None] = mapped_column(String(6), index=True)
    trust_id: Mapped[int | None] = mapped_column(BigId, index=True)  # set for a trust-income pool
    currency: Mapped[str] = mapped_column(String(3))
    pool_account_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("accounts.id"))  # set right after insert
    revenue_account_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"))


class ShareVersion(IdMixin, Base):
    """One set of shares, in force from `effective_from` until the next version's date."""

    __tablename__ = "share_versions"
    __table_args__ = (
        UniqueConstraint("agreement_id", "version"),
        UniqueConstraint("agreement_id", "effective_from"),
    )

    agreement_id: Mapped[int] = mapped_column(BigId, ForeignKey("share_agreements.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"))


class ShareLine(IdMixin, Base):
    __tablename__ = "share_lines"
    __table_args__ = (UniqueConstraint("version_id", "party_id"),)

    version_id: Mapped[int] = mapped_column(BigId, ForeignKey("share_versions.id"), index=True)
    party_id: Mapped[int] = mapped_column(BigId, ForeignKey("parties.id"), index=True)
    share_bps: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(120), default="")  # "village collective", "county government"


class Distribution(IdMixin, Base):
    """A distribution run: one ledger entry that empties `amount` from the pool to every stakeholder."""

    __tablename__ = "share_distributions"

    agreement_id: Mapped[int] = mapped_column(BigId, ForeignKey("share_agreements.id"), index=True)
    version_id: Mapped[int] = mapped_column(BigId, ForeignKey("share_versions.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    effective_date: Mapped[date] = mapped_column(Date)
    period: Mapped[str | None] = mapped_column(String(10))
    memo: Mapped[str] = mapped_column(Text, default="")
    # Set in the same transaction, once the entry (which names this run's id) is written.
    entry_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("journal_entries.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"))


class DistributionLine(IdMixin, Base):
    __tablename__ = "share_distribution_lines"

    distribution_id: Mapped[int] = mapped_column(BigId, ForeignKey("share_distributions.id"), index=True)
    party_id: Mapped[int] = mapped_column(BigId, ForeignKey("parties.id"), index=True)
    share_bps: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(BigInteger)
    remainder_fen: Mapped[bool] = mapped_column(default=False)


class PoolRevenue(IdMixin, Base):
    """Money paid into a pool (ticket sales, carbon-credit proceeds, a levy)."""

    __tablename__ = "share_pool_revenues"

    agreement_id: Mapped[int] = mapped_column(BigId, ForeignKey("share_agreements.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    received_on: Mapped[date] = mapped_column(Date)
    payer_party_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("parties.id"))
    reference: Mapped[str | None] = mapped_column(String(120))
    memo: Mapped[str] = mapped_column(Text, default="")
    entry_id: Mapped[int] = mapped_column(BigId, ForeignKey("journal_entries.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"))
