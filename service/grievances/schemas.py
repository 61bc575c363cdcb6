"""Grievances in and out. The public view carries no personal data."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from service.grievances.models import GrievanceKind
from service.pagination import MAX_ID
from service.schemas import Input, Output


class GrievanceIn(Input):
    kind: GrievanceKind
    text: str = Field(min_length=1, max_length=2000)
    party_id: int | None = Field(default=None, ge=1, le=MAX_ID,
                                 description="the household or village (a community user: its own, the default)")
    entry_sequence: int | None = Field(default=None, ge=1, le=MAX_ID,
                                       description="the statement line (its ledger sequence number)")
    expected: str | None = Field(default=None, max_length=200,
                                 description="a payment expected and not on the statement (what, which period)")


class AnswerIn(Input):
    text: str = Field(min_length=1, max_length=2000, description="shown on the public tracking page")


class EvidenceIn(Input):
    text: str = Field(default="", max_length=2000)
    bank_reference: str | None = Field(default=None, min_length=1, max_length=64)
    entry_sequence: int | None = Field(default=None, ge=1, le=MAX_ID,
                                       description="a reversal or re-payment entry in the ledger")


class EventOut(Output):
    kind: str
    text: str
    bank_reference: str | None = None
    entry_sequence: int | None = None
    by_user: int | None = None
    at: datetime


class GrievanceOut(Output):
    id: int
    code: str
    county_code: str
    party_id: int
    entry_sequence: int | None
    kind: str
    text: str
    expected: str | None
    status: str
    overdue: bool
    filed_at: datetime
    deadline_at: datetime
    escalated_at: datetime | None
    resolved_at: datetime | None
    events: list[EventOut]


class PublicEventOut(Output):
    kind: str
    text: str
    at: datetime


class TrackingOut(Output):
    """What anyone with the tracking code sees: no names, no household, no amounts."""

    code: str
    kind: str
    status: str
    overdue: bool
    filed_at: datetime
    deadline_at: datetime
    resolved_at: datetime | None
    answers: list[PublicEventOut]
    evidence_attached: int


class EscalatedOut(Output):
    escalated: int
