"""Users and their bearer tokens (stored as SHA-256 hashes, never in clear)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, BigId, IdMixin, utcnow


class Role(StrEnum):
    ADMIN = "admin"
    OFFICIAL = "official"  # county finance / forestry bureau clerk: enters records
    APPROVER = "approver"  # the second official of the four-eyes rule
    TRUSTEE = "trustee"
    AUDITOR = "auditor"  # reads everything, writes nothing
    COMMUNITY = "community"  # a village committee or household, reads its own statement


class User(IdMixin, Base):
    __tablename__ = "users"

    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    county_code: Mapped[str | None] = mapped_column(String(6))  # scope of officials and approvers
    trust_id: Mapped[int | None] = mapped_column(BigId)  # scope of a trustee
    party_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("parties.id"))  # scope of a community user
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiToken(IdMixin, Base):
    __tablename__ = "api_tokens"

    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # shown in lists so a token can be recognised
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
