from __future__ import annotations

from datetime import date, datetime

from pydantic import Field, model_validator

from service import money
from service.schemas import Input, Money, Output

Text = Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")
Id = Field(ge=1, le=2**62)


class SettlorIn(Input):
    party_id: int = Id
    category: str = Field(pattern=r"^[a-z_]{1,30}$", examples=["water_company"],
                          description="water_company, donor, foundation, government, ngo, farmers_cooperative, ...")


class AllocationIn(Input):
    key: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,59}$", examples=["source-water-protection"])
    name: str = Text
    share_bps: int = Field(ge=1, le=10_000, description="share of the money left after the fee, in basis points")
    beneficiary_party_id: int | None = Field(default=None, ge=1, le=2**62,
                                             description="set when the share belongs to one named beneficiary")


class TrustIn(Input):
    name: str = Text
    purpose: str = Field(min_length=1, max_length=2000)
    trustee_party_id: int = Id
    division_code: str | None = Field(default=None, pattern=r"^[0-9]{6}([0-9]{3}([0-9]{3})?)?$")
    currency: money.Currency = "CNY"
    agreement_reference: str = Text
    agreement_signed_on: date | None = None
    starts_on: date
    ends_on: date | None = None
    fee_bps: int = Field(default=0, ge=0, le=10_000, description="trustee's fee on each contribution, basis points")
    fee_minimum: money.Amount = Field(default="0.00", description="minimum fee per contribution")
    settlors: list[SettlorIn] = Field(default_factory=list, max_length=500)
    beneficiaries: list[int] = Field(default_factory=list, max_length=10_000)
    allocations: list[AllocationIn] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _consistent(self) -> TrustIn:
        if self.ends_on and self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on")
        total = sum(a.share_bps for a in self.allocations)
        if total != 10_000:
            raise ValueError(f"allocation shares must add up to 10000 basis points, not {total}")
        keys = [a.key for a in self.allocations]
        if len(set(keys)) != len(keys):
            raise ValueError("allocation keys must be unique")
        if len({s.party_id for s in self.settlors}) != len(self.settlors):
            raise ValueError("a settlor is listed twice")
        return self


class ContributionIn(Input):
    settlor_party_id: int = Id
    amount: money.Amount
    currency: money.Currency = "CNY"
    received_on: date
    reference: str = Field(min_length=1, max_length=120, description="bank or receipt reference")
    memo: str = Field(default="", max_length=1000)


class DisbursementIn(Input):
    purpose: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,59}$", description="key of one of the trust's allocations")
    amount: money.Amount
    paid_on: date
    beneficiary_party_id: int | None = Field(default=None, ge=1, le=2**62,
                                             description="pay a listed beneficiary instead of the purpose's project account")
    reference: str | None = Field(default=None, max_length=120)
    memo: str = Field(default="", max_length=1000)


class SettlorOut(Output):
    party_id: int
    name: str
    category: str
    source_account_id: int


class PartyRef(Output):
    party_id: int
    name: str


class AllocationOut(Output):
    key: str
    name: str
    share_bps: int
    beneficiary_party_id: int | None
    account_id: int


class TrustOut(Output):
    id: int
    name: str
    purpose: str
    trustee_party_id: int
    trustee_name: str
    county_code: str | None
    division_code: str | None
    currency: str
    agreement_reference: str
    agreement_signed_on: date | None
    starts_on: date
    ends_on: date | None
    fee_bps: int
    fee_minimum: Money
    account_id: int
    fee_account_id: int
    balance: Money
    available: Money
    settlors: list[SettlorOut]
    beneficiaries: list[PartyRef]
    allocations: list[AllocationOut]
    created_at: datetime


class ContributionOut(Output):
    id: int
    trust_id: int
    settlor_party_id: int
    amount: Money
    fee: Money
    net: Money
    currency: str
    received_on: date
    reference: str
    memo: str
    fee_rule: str
    entry_id: int
    fee_entry_id: int | None
    created_at: datetime


class DisbursementOut(Output):
    id: int
    trust_id: int
    purpose: str
    beneficiary_party_id: int | None
    account_id: int
    amount: Money
    currency: str
    paid_on: date
    reference: str | None
    memo: str
    entry_id: int
    created_at: datetime


class StatementTotals(Output):
    contributions: str
    fees: str
    net_contributions: str
    disbursements: str
    other_adjustments: str
    balance: str


class SettlorLine(Output):
    party_id: int
    name: str
    category: str
    contributed: str
    fees: str
    net: str
    source_account_id: int
    source_account_paid_in: str = Field(description="the settlor's source account in the ledger (ties to contributed)")


class PurposeLine(Output):
    key: str
    name: str
    share_bps: int
    beneficiary_party_id: int | None
    entitlement: str = Field(description="share of the net contributions, split to the fen by largest remainder")
    disbursed: str
    remaining: str


class StatementLine(Output):
    sequence: int
    entry_id: int
    effective_date: date
    kind: str
    reversal: bool
    amount: str = Field(description="signed: positive money into the trust, negative money out")
    balance_after: str
    settlor_party_id: int | None
    purpose: str | None
    memo: str


class TrustStatementOut(Output):
    trust_id: int
    name: str
    currency: str
    trustee_party_id: int
    agreement_reference: str
    as_of_date: date | None
    ledger_sequence: int
    ledger_hash: str
    account_id: int
    ledger_balance: str = Field(description="the trust account's posted balance read from the ledger")
    fee_account_balance: str
    ties_to_ledger: bool
    totals: StatementTotals
    settlors: list[SettlorLine]
    purposes: list[PurposeLine]
    lines: list[StatementLine]
