"""Pydantic inputs and outputs of the patrols domain."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from pydantic import Field, field_validator

from service import money
from service.patrols.models import StipendBasis
from service.schemas import Input, Money, Output, Thousandths, read_from

Text = Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")
Id = Field(ge=1, le=2**62)
Count = Field(default=0, ge=0, le=100_000)


class TeamIn(Input):
    name: str = Text
    village_party_id: int = Id


class MemberIn(Input):
    party_id: int = Id
    code: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$",
                      description="the member's code in field tools (Kobo choice name, SMART member id)")
    role: str = Field(default="member", pattern=r"^(leader|member)$")
    joined_on: date | None = None


class MemberOut(Output):
    id: int
    team_id: int
    party_id: int
    code: str
    role: str
    joined_on: date | None
    active: bool
    benefit_account_id: int | None = None


class TeamOut(Output):
    id: int
    name: str
    village_party_id: int
    county_code: str
    created_at: datetime
    members: list[MemberOut] = []


class Incidents(Input):
    nets_removed: int = Count
    traps_removed: int = Count
    poaching_reported: int = Count
    wildlife_sighted: int = Count


class LogIn(Input):
    team_id: int = Id
    member_party_ids: list[int] = Field(min_length=1, max_length=100)
    patrol_date: date
    start_time: time = Field(description="local time (China Standard Time), e.g. 06:30")
    end_time: time = Field(description="local time; earlier than start_time means the next morning")
    route_name: str = Field(default="", max_length=200)
    route_geojson: dict[str, Any] | None = Field(default=None, description="a GeoJSON geometry (RFC 7946)")
    distance_km: str | None = Field(default=None, max_length=10, examples=["12.5"])
    observations: str = Field(default="", max_length=4000)
    incidents: Incidents = Field(default_factory=Incidents)

    @field_validator("start_time", "end_time", mode="before")
    @classmethod
    def _time_as_text(cls, value: Any) -> Any:
        # lax mode would read 1.5 as 00:00:01.5 (seconds since midnight)
        if not isinstance(value, (str, time)):
            raise ValueError("a time of day as text, e.g. \"06:30\"")
        return value


class ReviewIn(Input):
    reason: str = Field(min_length=1, max_length=1000)


class LogOut(Output):
    id: int
    team_id: int
    county_code: str
    patrol_date: date
    starts_at: datetime
    ends_at: datetime
    minutes: int
    member_party_ids: list[int]
    route_name: str
    route_geojson: dict[str, Any] | None
    distance_km: Thousandths = read_from("distance_km", "distance_m")
    observations: str
    incidents: Incidents
    status: str
    source: str
    source_ref: str | None
    entered_by: int | None
    reviewed_by: int | None
    reviewed_at: datetime | None
    reject_reason: str | None


class ImportRowError(Output):
    row: int
    field: str
    reason: str


class ImportOut(Output):
    layout: str
    encoding: str = Field(description="how the CSV's text was read: UTF-8 or GB18030 (GBK)")
    dry_run: bool
    rows: int
    valid: int
    errors: list[ImportRowError]
    created_log_ids: list[int] = []
    skipped_duplicates: int = 0


class StipendRuleIn(Input):
    name: str = Text
    county_code: str = Field(pattern=r"^[0-9]{6}$")
    team_id: int | None = Field(default=None, ge=1, le=2**62, description="only this team; omit for every team")
    basis: StipendBasis
    rate: money.Amount
    monthly_cap: money.Amount
    funding_account_id: int = Id


class StipendRuleOut(Output):
    id: int
    name: str
    county_code: str
    team_id: int | None
    basis: str
    rate: Money = read_from("rate", "rate_minor")
    monthly_cap: Money = read_from("monthly_cap", "monthly_cap_minor")
    currency: str
    funding_account_id: int
    created_at: datetime


class StipendRunIn(Input):
    rule_id: int = Id
    period: str = Field(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$", examples=["2026-03"])


class StipendLineOut(Output):
    member_party_id: int
    team_id: int
    patrol_days: int
    hours: str
    uncapped: Money
    amount: Money
    capped: bool
    rule: str
    entry_id: int | None = None
    status: str = "preview"


class StipendRunOut(Output):
    id: int | None
    rule_id: int
    county_code: str
    period: str
    status: str
    total: Money = read_from("total", "total_minor")
    lines: list[StipendLineOut]
    already_paid: list[int] = Field(default=[], description="members paid for this month under this rule before")
    created_by: int | None = None
    decided_by: int | None = None
    reject_reason: str | None = None
