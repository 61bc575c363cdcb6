"""Inputs and outputs of the compensation API. Money as decimal strings, areas as decimal mu."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import Field, model_validator

from service import money
from service.compensation.models import RuleKind
from service.parties.models import PartyKind
from service.schemas import Hundredths, Input, Money, Output, read_from

Text = Annotated[str, Field(min_length=1, max_length=500, pattern=r"^[^\x00-\x1f\x7f]+$")]
Period = Annotated[str, Field(pattern=r"^[1-9][0-9]{3}(-(0[1-9]|1[0-2]))?$", examples=["2026", "2026-03"],
                              description="a year (\"2026\") or a month (\"2026-03\")")]
AreaMu = Annotated[str, Field(pattern=r"^[0-9]{1,9}(\.[0-9]{1,2})?$", examples=["12.40"],
                              description="area in mu, at most two decimals")]
Id = Annotated[int, Field(ge=1, le=2**62)]


class ProgramIn(Input):
    name: str = Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")
    legal_basis: Text = Field(description="the document the program rests on, e.g. Gan Cai Nong Zhi [2026] No. 3")
    county_code: str = Field(pattern=r"^[0-9]{6}$")
    scope_codes: list[Annotated[str, Field(pattern=r"^[0-9]{6}([0-9]{3}([0-9]{3})?)?$")]] = Field(
        default_factory=list, max_length=500,
        description="division codes (county, township or village) payees must fall in; default the county")
    period_start: date
    period_end: date
    rule_kind: RuleKind
    rate: money.Amount | None = Field(default=None, description="CNY per mu per year, per household, per person or per month")
    rate_table: dict[Annotated[str, Field(min_length=1, max_length=60)], money.Amount] = Field(
        default_factory=dict, max_length=200, description="fixed_table: category -> amount")
    cap_amount: money.Amount | None = Field(default=None, description="most a single payment may be")
    max_basis: str | None = Field(default=None, pattern=r"^[0-9]{1,9}(\.[0-9]{1,2})?$",
                                  description="most area (mu), persons or months one payment may claim")
    eligible_kinds: list[PartyKind] = Field(default_factory=lambda: [PartyKind.HOUSEHOLD], min_length=1)
    fund_code: str | None = Field(default=None, pattern=r"^[A-Za-z0-9:._-]{1,120}$",
                                  description="code of the program's fund account (opened if new)")

    @model_validator(mode="after")
    def _consistent(self) -> ProgramIn:
        if self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        if self.rule_kind == RuleKind.FIXED_TABLE:
            if not self.rate_table:
                raise ValueError("a fixed_table program needs rate_table")
        elif self.rate is None:
            raise ValueError(f"a {self.rule_kind.value} program needs a rate")
        bad = [c for c in self.scope_codes if not c.startswith(self.county_code)]
        if bad:
            raise ValueError(f"scope_codes must lie inside county {self.county_code}: {', '.join(bad[:5])}")
        return self


class ProgramOut(Output):
    id: int
    name: str
    legal_basis: str
    county_code: str
    scope_codes: list[str]
    period_start: date
    period_end: date
    fund_account_id: int
    currency: str
    rule_kind: str
    rate: str | None
    rate_table: dict[str, str]
    cap_amount: str | None
    max_basis: str | None
    eligible_kinds: list[str]
    created_by: int
    created_at: datetime
    balance: str | None = None
    available: str | None = None


class FundingIn(Input):
    source_account_id: Id = Field(description="a fund of the program's county (usually the county's budget fund)")
    amount: money.Amount
    effective_date: date | None = None
    memo: str = Field(default="", max_length=1000)


class BudgetReceiptIn(Input):
    county_code: str = Field(pattern=r"^[0-9]{6}$")
    amount: money.Amount
    fund_account_id: Id | None = Field(default=None, description="the county fund receiving it; default the "
                                       "county's budget fund (fund:<county>:budget, opened on first use)")
    effective_date: date | None = None
    memo: str = Field(default="", max_length=1000, description="e.g. the transfer document's number")


class BudgetSourceIn(Input):
    province_code: str = Field(pattern=r"^[0-9]{2}$", examples=["36"], description="first two digits of division codes")
    account_id: Id | None = Field(default=None, description="an existing source account; omit to open one")
    name: str | None = Field(default=None, min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$",
                             description="name of the source account opened when account_id is omitted")


class BudgetSourceOut(Output):
    id: int
    province_code: str
    account_id: int
    account_code: str
    account_name: str
    registered_by: int
    registered_at: datetime


class FundingOut(Output):
    id: int
    kind: str
    status: str
    county_code: str
    program_id: int | None
    source_account_id: int
    fund_account_id: int
    amount: Money
    currency: str
    effective_date: date
    memo: str
    entry_id: int
    sequence: int | None = Field(description="the entry's place in the chain once approved")
    entered_by: int
    entered_at: datetime
    decided_by: int | None
    decided_at: datetime | None
    reason: str | None
    balance: Money = Field(description="the receiving fund's posted balance")
    available: Money = Field(description="what the receiving fund can pay out now")


class PaymentIn(Input):
    program_id: Id
    payee_party_id: Id
    period: Period
    area_mu: AreaMu | None = None
    persons: int | None = Field(default=None, ge=1, le=1000)
    months: int | None = Field(default=None, ge=1, le=120)
    category: str | None = Field(default=None, max_length=60)
    amount: money.Amount | None = Field(default=None, description="if given, must equal the rule's amount")
    bank_account_tail: str | None = Field(default=None, pattern=r"^[0-9]{4}$")
    effective_date: date | None = None
    memo: str = Field(default="", max_length=1000)


class ReasonIn(Input):
    reason: str = Field(min_length=1, max_length=1000)


class MarkPaidIn(Input):
    bank_reference: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:/-]+$")
    paid_on: date


class EventOut(Output):
    action: str
    from_status: str | None
    to_status: str
    actor_id: int
    at: datetime
    detail: str


class PaymentOut(Output):
    id: int
    program_id: int
    payee_party_id: int
    county_code: str
    period: str
    area_mu: Hundredths | None = read_from("area_mu", "area_centimu")
    persons: int | None
    months: int | None
    category: str | None
    amount: Money
    currency: str
    rule: str
    status: str
    batch_id: int | None
    batch_row: int | None
    entry_id: int | None
    reversal_entry_id: int | None
    bank_reference: str | None
    paid_on: date | None
    bank_account_tail: str | None
    memo: str
    entered_by: int
    entered_at: datetime
    updated_at: datetime
    events: list[EventOut] | None = None


class RowIssue(Output):
    row: int
    field: str
    problem: str
    expected: str | None = None


class BatchRowOut(Output):
    row: int
    village: str
    household_head: str
    payee_party_id: int | None
    amount: str | None
    rule: str | None
    ok: bool
    issues: list[RowIssue]


class BatchReport(Output):
    dry_run: bool
    program_id: int
    period: str
    filename: str
    rows: int
    valid_rows: int
    invalid_rows: int
    total: str
    available: str
    ok: bool
    batch_id: int | None = None
    issues: list[RowIssue]
    lines: list[BatchRowOut] | None = None
    encoding: str | None = Field(default=None, description="how the CSV's text was read: UTF-8 or GB18030 (GBK); "
                                                          "null for XLSX")


class BatchOut(Output):
    id: int
    program_id: int
    county_code: str
    period: str
    filename: str
    row_count: int
    total: str
    created_by: int
    created_at: datetime
    approved_by: int | None
    approved_at: datetime | None
    status_counts: dict[str, int] = Field(default_factory=dict)


class BulkPaidOut(Output):
    marked_paid: int
    payment_ids: list[int]
    encoding: str | None = Field(default=None, description="how the CSV's text was read: UTF-8 or GB18030 (GBK); "
                                                          "null for XLSX")


class ReconciliationOut(Output):
    id: int
    county_code: str | None
    program_id: int | None
    filename: str
    statement_lines: int
    matched: int
    amount_differences: int
    unmatched_statement: int
    unmatched_payments: int
    created_by: int
    created_at: datetime
    report: dict[str, Any] | None = None
    encoding: str | None = Field(default=None, description="how the CSV's text was read: UTF-8 or GB18030 (GBK); "
                                                          "null for XLSX")


