"""Inputs and outputs of enrollments, change requests and cycles. Areas as decimal mu, money as
decimal strings; ID numbers go in, never out (persons are shown by count)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from service.compensation.schemas import AreaMu, Period
from service.enrollments.models import ChangeAction
from service.schemas import Hundredths, Input, Output

Id = Annotated[int, Field(ge=1, le=2**62)]
ParcelCode = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$",
                                  examples=["SC-YPX-0012"])]
IdNumber = Annotated[str, Field(min_length=15, max_length=18, pattern=r"^[0-9]{15}([0-9]{2}[0-9Xx])?$")]
Evidence = Annotated[str, Field(max_length=120, pattern=r"^[^\x00-\x1f\x7f]*$",
                                description="contract or land-certificate number")]
LandClass = Annotated[str, Field(max_length=40, pattern=r"^[^\x00-\x1f\x7f]*$", examples=["national public-welfare forest"])]


class Outline(Input):
    """A GeoJSON geometry (RFC 7946) of the parcel; kept as sent, never shown publicly."""

    type: Literal["Polygon", "MultiPolygon", "Point"]
    # a position, a polygon's rings, or a multipolygon's polygons (longitude, latitude pairs)
    coordinates: list[float] | list[list[list[float]]] | list[list[list[list[float]]]] = Field(max_length=10_000)


class ParcelIn(Input):
    parcel_code: ParcelCode
    area_mu: AreaMu
    land_class: LandClass = ""
    outline: Outline | None = None
    evidence: Evidence = ""


class EnrollmentIn(Input):
    program_id: Id
    household_party_id: Id
    start_date: date
    evidence: Evidence = ""
    parcels: list[ParcelIn] = Field(default_factory=list, max_length=200)
    persons: list[IdNumber] = Field(default_factory=list, max_length=50,
                                    description="ID numbers of the persons counted (stored only as keyed hashes)")
    months: int | None = Field(default=None, ge=1, le=1200)


class ParcelOut(Output):
    parcel_code: str
    area_mu: Hundredths
    land_class: str | None
    evidence: str
    has_outline: bool
    valid_from: date
    valid_until: date | None
    change_request_id: int | None


class BasisOut(Output):
    on: date
    area_mu: str
    persons: int
    months: int | None
    parcels: list[ParcelOut]


class HistoryLine(Output):
    kind: str
    parcel_code: str | None
    area_mu: str | None
    months: int | None
    valid_from: date
    valid_until: date | None
    change_request_id: int | None


class EnrollmentOut(Output):
    id: int
    program_id: int
    household_party_id: int
    household: str
    county_code: str
    start_date: date
    end_date: date | None
    evidence: str
    basis: BasisOut
    pending_change_requests: int
    flags: list[str] = Field(description="duplicate persons and other things an official should look at")
    history: list[HistoryLine] | None = None


class ChangeRequestIn(Input):
    enrollment_id: Id
    action: ChangeAction
    effective_date: date
    reason: str = Field(min_length=1, max_length=1000)
    parcel_code: ParcelCode | None = None
    area_mu: AreaMu | None = None
    land_class: LandClass | None = None
    outline: Outline | None = None
    evidence: Evidence = ""
    to_enrollment_id: Id | None = Field(default=None, description="transfer_parcel: the receiving enrollment")
    id_number: IdNumber | None = Field(default=None, description="add_person / remove_person")
    months: int | None = Field(default=None, ge=1, le=1200)


class ChangeRequestOut(Output):
    id: int
    enrollment_id: int
    program_id: int
    county_code: str
    action: str
    details: dict[str, Any]
    effective_date: date
    reason: str
    status: str
    entered_by: int
    entered_at: datetime
    decided_by: int | None
    decided_at: datetime | None
    decision_reason: str | None


class CycleIn(Input):
    program_id: Id
    period: Period
    effective_date: date | None = Field(default=None, description="date of the payments' ledger entries")


class CycleException(Output):
    enrollment_id: int | None
    household_party_id: int | None
    kind: str = Field(examples=["no_bank_account", "basis_changed_mid_period", "pending_change_request",
                                "duplicate_person", "fund_short", "ineligible", "rule", "already_paid"])
    held: bool = Field(description="true: the household is left out of the cycle's batch")
    detail: str


class CycleLineOut(Output):
    enrollment_id: int
    household_party_id: int
    household: str
    area_mu: str | None
    persons: int | None
    months: int | None
    parcels: list[str]
    amount: str | None
    rule: str | None
    held: bool


class CycleReport(Output):
    dry_run: bool
    program_id: int
    period: str
    basis_date: date
    enrolled: int
    payable: int
    held: int
    total: str
    available: str
    ok: bool
    exceptions: list[CycleException]
    lines: list[CycleLineOut] | None
    cycle_id: int | None = None
    batch_id: int | None = None


class CycleOut(Output):
    id: int
    program_id: int
    county_code: str
    period: str
    basis_date: date
    batch_id: int
    paid_households: int
    held_households: int
    total: str
    created_by: int
    created_at: datetime


class ImportReport(Output):
    dry_run: bool
    program_id: int
    filename: str
    rows: int
    enrollments: int
    parcels: int
    ok: bool
    errors: list[dict[str, Any]]
    encoding: str | None = None
