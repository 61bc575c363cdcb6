from __future__ import annotations

from datetime import datetime

from pydantic import Field

from service.auth.models import Role
from service.schemas import Input, Output


class TokenIn(Input):
    name: str = Field(min_length=1, max_length=120, pattern=r"^[^\x00-\x1f\x7f]+$")
    role: Role
    county_code: str | None = Field(default=None, pattern=r"^[0-9]{6}$")
    trust_id: int | None = Field(default=None, ge=1, le=2**62)
    party_id: int | None = Field(default=None, ge=1, le=2**62)
    valid_days: int = Field(default=365, ge=1, le=3650)


class TokenOut(Output):
    token_id: int
    user_id: int
    prefix: str
    expires_at: datetime | None
    revoked_at: datetime | None = None
    token: str | None = Field(default=None, description="the bearer token, shown once at creation only")


class MeOut(Output):
    user_id: int
    name: str
    role: str
    county_code: str | None
    trust_id: int | None
    party_id: int | None
