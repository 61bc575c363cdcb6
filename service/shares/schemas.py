from __future__ import annotations

from datetime import date, datetime

from pydantic import Field, model_validator

from service import money
from service.schemas import Input, Money, Output
from service.allocation import BASIS_POINTS
from service.shares.models import PoolKind


class StakeholderIn(Input):
    party_id: int = Field(ge=1, le=2**62)
    share_bps: int = Field(ge=1, le=BASIS_POINTS, description="basis points; all shares add up to exactly 10000")
    role: str = Field(default="", max_length=120, examples=["village collective"])


class VersionIn(Input):
    effective_from: date = Field(description="the first day these shares apply; never before an earlier version "
                                             "or a distribution already made")
    note: str = Field(default="", max_length=1000)
    stakeholders: list[StakeholderIn] = Field(min_length=1, max_length=1000)

    @model_validator(mode="after")
    def _whole(self) -> VersionIn:
        total = sum(s.share_bps for s in self.stakeholders)
        if total != BASIS_POINTS:
            raise ValueError(f"shares must add up to exactly 10000 basis points, not {total}")
        if len({s.party_id for s in self.stakeholders}) != len(self.stakeholders):
            raise ValueError("a stakeholder is listed twice")
        return self


class AgreementIn(Input):
    name: str = Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")
    pool_kind: PoolKind
    description: str = Field(default="", max_length=2000)
    reference: str | None = Field(default=None, max_length=120)
    county_code: str | None = Field(default=None, pattern=r"^[0-9]{6}$")
    trust_id: int | None = Field(default=None, ge=1, le=2**62, description="set for a trust-income pool")
    currency: money.Currency = "CNY"
    first_version: VersionIn


class RevenueIn(Input):
    amount: money.Amount
    received_on: date
    payer_party_id: int | None = Field(default=None, ge=1, le=2**62)
    reference: str | None = Field(default=None, max_length=120)
    memo: str = Field(default="", max_length=1000)


class DistributionIn(Input):
    amount: money.Amount | None = Field(default=None, description="omit to distribute the pool's whole available balance")
    effective_date: date
    period: str | None = Field(default=None, pattern=r"^[0-9]{4}(-(0[1-9]|1[0-2]|Q[1-4]))?$", examples=["2026-Q2"])
    memo: str = Field(default="", max_length=1000)
    dry_run: bool = Field(default=False, description="show the split without writing anything")


class StakeholderOut(Output):
    party_id: int
    name: str
    share_bps: int
    role: str


class VersionOut(Output):
    id: int
    version: int
    effective_from: date
    effective_to: date | None = Field(description="the day before the next version starts, if any")
    note: str
    stakeholders: list[StakeholderOut]
    created_at: datetime


class AgreementOut(Output):
    id: int
    name: str
    pool_kind: str
    description: str
    reference: str | None
    county_code: str | None
    trust_id: int | None
    currency: str
    pool_account_id: int
    revenue_account_id: int
    pool_balance: Money
    pool_available: Money
    current_version: VersionOut | None
    versions: list[VersionOut]
    created_at: datetime


class RevenueOut(Output):
    id: int
    agreement_id: int
    amount: Money
    received_on: date
    payer_party_id: int | None
    reference: str | None
    memo: str
    entry_id: int


class DistributionLineOut(Output):
    party_id: int
    name: str
    share_bps: int
    exact_share: str = Field(description="amount x share / 10000, exact, before rounding to the fen")
    amount: str
    remainder_fen: bool = Field(description="true when this stakeholder received one of the leftover fen")


class DistributionOut(Output):
    id: int | None
    dry_run: bool
    agreement_id: int
    version: int
    version_id: int
    amount: str
    currency: str
    effective_date: date
    period: str | None
    memo: str
    rule: str
    lines: list[DistributionLineOut]
    pool_available_before: str | None = Field(description="shown on a dry run and on the committing response")
    pool_available_after: str | None
    entry_id: int | None
    sequence: int | None
    created_at: datetime | None


class ShareHistoryItem(Output):
    agreement_id: int
    agreement_name: str
    version: int
    effective_from: date
    effective_to: date | None
    share_bps: int
    role: str


class ReceiptItem(Output):
    agreement_id: int
    distribution_id: int
    effective_date: date
    period: str | None
    version: int
    share_bps: int
    amount: str
    currency: str
    entry_id: int


class StakeholderHistoryOut(Output):
    party_id: int
    name: str
    shares: list[ShareHistoryItem]
    distributions: list[ReceiptItem]
    total_received: dict[str, str]
