from __future__ import annotations

from datetime import datetime

from pydantic import Field, model_validator

from service.parties.models import AgeBand, Gender, OrgType, PartyKind
from service.schemas import Input, Output

Name = Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")


class PartyIn(Input):
    kind: PartyKind
    name: str = Name
    org_type: OrgType | None = None
    division_code: str | None = Field(default=None, pattern=r"^[0-9]{6}([0-9]{3}([0-9]{3})?)?$",
                                      description="GB/T 2260 code: 6 digits (county), 9 or 12 (township, village)")
    parent_id: int | None = Field(default=None, ge=1, le=2**62)
    registration_code: str | None = Field(default=None, pattern=r"^[0-9A-Z]{18}$",
                                          description="unified social credit code of an organisation")
    gender: Gender | None = None
    age_band: AgeBand | None = None
    id_number: str | None = Field(default=None, pattern=r"^[0-9]{17}[0-9X]$",
                                  description="national ID number; only a keyed hash and the last 4 are kept")
    bank_account_tail: str | None = Field(default=None, pattern=r"^[0-9]{4}$")
    household_size: int | None = Field(default=None, ge=1, le=50)

    @model_validator(mode="after")
    def _fits_kind(self) -> PartyIn:
        personal = self.kind in (PartyKind.HOUSEHOLD, PartyKind.PERSON)
        if self.kind == PartyKind.ORGANISATION and self.org_type is None:
            raise ValueError("org_type is required for an organisation")
        if self.kind != PartyKind.ORGANISATION and self.org_type is not None:
            raise ValueError("org_type applies only to organisations")
        if not personal and (self.gender or self.age_band or self.id_number):
            raise ValueError("gender, age_band and id_number apply only to households and people")
        if self.kind == PartyKind.COMMUNITY and not self.division_code:
            raise ValueError("a community needs its administrative division_code")
        return self


class PartyOut(Output):
    id: int
    kind: str
    name: str
    org_type: str | None
    division_code: str | None
    county_code: str | None
    parent_id: int | None
    registration_code: str | None
    gender: str | None
    age_band: str | None
    id_number_tail: str | None
    bank_account_tail: str | None
    household_size: int | None
    created_at: datetime
    benefit_account_id: int | None = None
