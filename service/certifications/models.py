"""Tables of the certifications domain: certificates, eco-product sales and levy rules."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, BigId, IdMixin, utcnow


class Scheme(StrEnum):
    ORGANIC = "organic"
    GREEN_FOOD = "green_food"
    GEOGRAPHICAL_INDICATION = "geographical_indication"
    ECO_LABEL = "eco_label"


class Status(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"


class Certification(IdMixin, Base):
    """A certificate. `action` is what the issuing body decided (suspended / revoked, from `action_on`);
    expiry is never stored: it follows from the dates."""

    __tablename__ = "certifications"

    scheme: Mapped[str] = mapped_column(String(30))
    certificate_number: Mapped[str] = mapped_column(String(60))
    issuing_body_party_id: Mapped[int] = mapped_column(BigId, ForeignKey("parties.id"))
    holder_party_id: Mapped[int] = mapped_column(BigId, ForeignKey("parties.id"), index=True)
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    product: Mapped[str] = mapped_column(String(200))
    area_centimu: Mapped[int] = mapped_column(BigInteger, default=0)  # hundredths of a mu
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    trace_prefix: Mapped[str] = mapped_column(String(32), unique=True)
    action: Mapped[str | None] = mapped_column(String(10))
    action_on: Mapped[date | None] = mapped_column(Date)
    action_reason: Mapped[str | None] = mapped_column(Text)
    action_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"))


class LevyRule(IdMixin, Base):
    """An agreed share (basis points) of certified sales in a county, paid into a village's pool."""

    __tablename__ = "eco_levy_rules"

    name: Mapped[str] = mapped_column(String(200))
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    scheme: Mapped[str | None] = mapped_column(String(30))  # None: every scheme
    basis_points: Mapped[int] = mapped_column(Integer)
    village_party_id: Mapped[int] = mapped_column(BigId, ForeignKey("parties.id"))
    pool_account_id: Mapped[int] = mapped_column(BigId, ForeignKey("accounts.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"))


class EcoProductSale(IdMixin, Base):
    __tablename__ = "eco_product_sales"
    __table_args__ = (Index("ix_eco_product_sales_cert_date", "certification_id", "sale_date"),)

    certification_id: Mapped[int] = mapped_column(BigId, ForeignKey("certifications.id"))
    holder_party_id: Mapped[int] = mapped_column(BigId, ForeignKey("parties.id"))
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    product: Mapped[str] = mapped_column(String(200))
    quantity_milli: Mapped[int] = mapped_column(BigInteger)  # thousandths of the unit
    unit: Mapped[str] = mapped_column(String(20))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    sale_date: Mapped[date] = mapped_column(Date)
    buyer: Mapped[str] = mapped_column(String(200), default="")
    levy_rule_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("eco_levy_rules.id"))
    levy_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    levy_entry_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("journal_entries.id"))
    entered_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)
