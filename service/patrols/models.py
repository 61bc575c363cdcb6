"""Tables of the patrols domain: teams, members, patrol logs, stipend rules, runs and lines."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, BigId, IdMixin, utcnow


class LogStatus(StrEnum):
    SUBMITTED = "submitted"
    VERIFIED = "verified"
    REJECTED = "rejected"


class StipendBasis(StrEnum):
    PATROL_DAY = "patrol_day"
    HOUR = "hour"


class RunStatus(StrEnum):
    PENDING = "pending"  # entries reserved, waiting for an approver
    APPROVED = "approved"  # entries posted: members have been paid
    REJECTED = "rejected"  # entries voided


class PatrolTeam(IdMixin, Base):
    __tablename__ = "patrol_teams"

    name: Mapped[str] = mapped_column(String(200))
    village_party_id: Mapped[int] = mapped_column(BigId, ForeignKey("parties.id"), index=True)
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(BigId)


class PatrolMember(IdMixin, Base):
    """A person or household of a community on a team. `code` is what field tools record."""

    __tablename__ = "patrol_members"
    __table_args__ = (UniqueConstraint("team_id", "party_id"), UniqueConstraint("team_id", "code"))

    team_id: Mapped[int] = mapped_column(BigId, ForeignKey("patrol_teams.id"), index=True)
    party_id: Mapped[int] = mapped_column(BigId, ForeignKey("parties.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(20), default="member")
    joined_on: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class PatrolLog(IdMixin, Base):
    __tablename__ = "patrol_logs"
    __table_args__ = (
        Index("ix_patrol_logs_team_date", "team_id", "patrol_date"),
        UniqueConstraint("team_id", "source_ref"),
    )

    team_id: Mapped[int] = mapped_column(BigId, ForeignKey("patrol_teams.id"))
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    patrol_date: Mapped[date] = mapped_column(Date)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    minutes: Mapped[int] = mapped_column(Integer)
    route_name: Mapped[str] = mapped_column(String(200), default="")
    route_geojson: Mapped[dict[str, Any] | None]
    distance_m: Mapped[int] = mapped_column(Integer, default=0)
    observations: Mapped[str] = mapped_column(Text, default="")
    nets_removed: Mapped[int] = mapped_column(Integer, default=0)
    traps_removed: Mapped[int] = mapped_column(Integer, default=0)
    poaching_reported: Mapped[int] = mapped_column(Integer, default=0)
    wildlife_sighted: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(10), default=LogStatus.SUBMITTED, index=True)
    source: Mapped[str] = mapped_column(String(10), default="api")  # api, kobo, smart
    source_ref: Mapped[str | None] = mapped_column(String(120))  # the field tool's record id
    entered_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None]
    reject_reason: Mapped[str | None] = mapped_column(Text)


class PatrolLogMember(IdMixin, Base):
    """A member present on a log; the time range is repeated here so overlaps are one indexed query."""

    __tablename__ = "patrol_log_members"
    __table_args__ = (
        UniqueConstraint("log_id", "member_party_id"),
        Index("ix_patrol_log_members_member_time", "member_party_id", "starts_at"),
    )

    log_id: Mapped[int] = mapped_column(BigId, ForeignKey("patrol_logs.id"), index=True)
    member_party_id: Mapped[int] = mapped_column(BigId, ForeignKey("parties.id"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    live: Mapped[bool] = mapped_column(Boolean, default=True)  # false once the log is rejected


class StipendRule(IdMixin, Base):
    __tablename__ = "stipend_rules"

    name: Mapped[str] = mapped_column(String(200))
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    team_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("patrol_teams.id"))  # None: every team
    basis: Mapped[str] = mapped_column(String(12))
    rate_minor: Mapped[int] = mapped_column(BigInteger)
    monthly_cap_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    funding_account_id: Mapped[int] = mapped_column(BigId, ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(BigId)


class StipendRun(IdMixin, Base):
    __tablename__ = "stipend_runs"

    rule_id: Mapped[int] = mapped_column(BigId, ForeignKey("stipend_rules.id"), index=True)
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    period: Mapped[str] = mapped_column(String(7))
    status: Mapped[str] = mapped_column(String(10), default=RunStatus.PENDING)
    total_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"))
    reject_reason: Mapped[str | None] = mapped_column(Text)


class StipendLine(IdMixin, Base):
    """One member's stipend for one month under one rule. `live` is true unless the line was rejected,
    so the unique constraint lets a rejected month be paid again but never a paid one twice
    (NULLs are distinct in unique constraints on both SQLite and PostgreSQL)."""

    __tablename__ = "stipend_lines"
    __table_args__ = (UniqueConstraint("rule_id", "member_party_id", "period", "live"),)

    run_id: Mapped[int] = mapped_column(BigId, ForeignKey("stipend_runs.id"), index=True)
    rule_id: Mapped[int] = mapped_column(BigId, ForeignKey("stipend_rules.id"))
    member_party_id: Mapped[int] = mapped_column(BigId, ForeignKey("parties.id"), index=True)
    team_id: Mapped[int] = mapped_column(BigId, ForeignKey("patrol_teams.id"))
    period: Mapped[str] = mapped_column(String(7))
    patrol_days: Mapped[int] = mapped_column(Integer)
    minutes: Mapped[int] = mapped_column(Integer)
    uncapped_minor: Mapped[int] = mapped_column(BigInteger)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    rule_text: Mapped[str] = mapped_column(Text)
    entry_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("journal_entries.id"))
    live: Mapped[bool | None] = mapped_column(Boolean, default=True)
