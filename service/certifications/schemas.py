"""Pydantic inputs and outputs of the certifications domain."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field, model_validator

from service import money
from service.certifications.models import Scheme
from service.schemas import Input, Money, Hundredths, Output, Thousandths, read_from

Text = Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")
Id = Field(ge=1, le=2**62)


class CertificationIn(Input):
    scheme: Scheme
    certificate_number: str = Field(min_length=1, max_length=60, pattern=r"^[^\x00-\x1f\x7f]+$")
    issuing_body_party_id: int = Id
    holder_party_id: int = Id
    product: str = Text
    area_mu: str = Field(default="0", max_length=16, examples=["35.5"], description="certified area in mu")
    valid_from: date
    valid_to: date
    trace_prefix: str = Field(pattern=r"^[A-Z0-9][A-Z0-9-]{2,31}$", examples=["ZN-GI-2019-"],
                              description="every traceability code printed on the product starts with it")

    @model_validator(mode="after")
    def _dates(self) -> CertificationIn:
        if self.valid_to < self.valid_from:
            raise ValueError("valid_to must not be before valid_from")
        return self


class ActionIn(Input):
    reason: str = Field(min_length=1, max_length=1000)
    effective_on: date | None = Field(default=None, description="defaults to today")


class CertificationOut(Output):
    id: int
    scheme: str
    certificate_number: str
    issuing_body_party_id: int
    holder_party_id: int
    county_code: str
    product: str
    area_mu: Hundredths = read_from("area_mu", "area_centimu")
    valid_from: date
    valid_to: date
    trace_prefix: str
    status: str
    status_on: date
    action: str | None
    action_on: date | None
    action_reason: str | None
    created_at: datetime


class PublicVerification(Output):
    """What anyone may learn from a traceability code: never a person's name."""

    code: str
    genuine: bool
    status: str
    checked_on: date
    scheme: str
    product: str
    certificate_number: str
    issuing_body: str
    valid_from: date
    valid_to: date
    holder: str | None = Field(description="the holder's name if it is an organisation; null for individual producers")
    holder_type: str


class LevyRuleIn(Input):
    name: str = Text
    county_code: str = Field(pattern=r"^[0-9]{6}$")
    scheme: Scheme | None = None
    basis_points: int = Field(ge=1, le=10_000, description="share of the sale amount, 100 = 1%")
    village_party_id: int = Id


class LevyRuleOut(Output):
    id: int
    name: str
    county_code: str
    scheme: str | None
    basis_points: int
    village_party_id: int
    pool_account_id: int
    active: bool


class SaleIn(Input):
    certification_id: int = Id
    product: str | None = Field(default=None, min_length=1, max_length=200)
    quantity: str = Field(max_length=20, examples=["120.5"])
    unit: str = Field(min_length=1, max_length=20, pattern=r"^[^\x00-\x1f\x7f]+$", examples=["kg"])
    amount: money.Amount
    currency: money.Currency = "CNY"
    sale_date: date
    buyer: str = Field(default="", max_length=200)


class SaleOut(Output):
    id: int
    certification_id: int
    holder_party_id: int
    county_code: str
    product: str
    quantity: Thousandths = read_from("quantity", "quantity_milli")
    unit: str
    amount: Money = read_from("amount", "amount_minor")
    currency: str
    sale_date: date
    buyer: str
    levy_rule_id: int | None
    levy: Money = read_from("levy", "levy_minor")
    levy_entry_id: int | None
    entered_at: datetime
