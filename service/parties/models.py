"""Parties: organisations, communities (villages) and households/people."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, BigId, IdMixin, utcnow


class PartyKind(StrEnum):
    ORGANISATION = "organisation"
    COMMUNITY = "community"  # a village, with its administrative division code
    HOUSEHOLD = "household"
    PERSON = "person"


class OrgType(StrEnum):
    GOVERNMENT = "government"
    ENTERPRISE = "enterprise"
    FINANCIAL_INSTITUTION = "financial_institution"
    TRUST_COMPANY = "trust_company"
    NGO = "ngo"
    RESEARCH_INSTITUTE = "research_institute"
    COOPERATIVE = "cooperative"


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"


class AgeBand(StrEnum):
    UNDER_18 = "under_18"
    AGE_18_34 = "18_34"
    AGE_35_59 = "35_59"
    AGE_60_PLUS = "60_plus"


# Households and people carry personal data; everything else is public-facing.
PERSONAL_KINDS = (PartyKind.HOUSEHOLD, PartyKind.PERSON)


class Party(IdMixin, Base):
    __tablename__ = "parties"
    __table_args__ = (Index("ix_parties_county_kind", "county_code", "kind"),)

    kind: Mapped[str] = mapped_column(String(20))
    org_type: Mapped[str | None] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(200))
    # GB/T 2260 administrative division code: 6 digits for a county, 9 or 12 for a township/village.
    division_code: Mapped[str | None] = mapped_column(String(12))
    county_code: Mapped[str | None] = mapped_column(String(6), index=True)
    parent_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("parties.id"), index=True)
    # Unified social credit code of an organisation (public, used for open-data identifiers).
    registration_code: Mapped[str | None] = mapped_column(String(40))
    gender: Mapped[str | None] = mapped_column(String(10))
    age_band: Mapped[str | None] = mapped_column(String(10))
    # National ID numbers are never stored in clear: a keyed hash to match, and the last 4 to show.
    id_number_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    id_number_tail: Mapped[str | None] = mapped_column(String(4))
    bank_account_tail: Mapped[str | None] = mapped_column(String(4))
    household_size: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(BigId)

    @property
    def is_personal(self) -> bool:
        return self.kind in PERSONAL_KINDS
