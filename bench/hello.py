"""The reference the service is measured against: a Litestar app that validates the same entry body as
`POST /api/v1/ledger/entries` with pydantic and echoes it (no database, no auth). Served by uvicorn
with uvloop and httptools, as `shanshui serve` is, so service / hello-world is the share of the
framework's ceiling the service reaches."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from litestar import Litestar, get, post
from pydantic import BaseModel, ConfigDict, Field

Amount = Annotated[str, Field(pattern=r"^-?[0-9]{1,13}(\.[0-9]{1,2})?$", max_length=20)]


class PostingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    account_id: int = Field(ge=1, le=2**62)
    amount: Amount
    currency: Literal["CNY", "USD", "EUR", "HKD", "JPY"] = "CNY"


class EntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(default="adjustment", pattern=r"^[a-z_]{1,30}$")
    effective_date: date | None = None
    memo: str = Field(default="", max_length=1000)
    metadata: dict[Annotated[str, Field(max_length=64)], str | int | bool | None] = Field(default_factory=dict,
                                                                                          max_length=50)
    postings: list[PostingIn] = Field(min_length=2, max_length=1000)
    pending: bool = False


@post("/entries", status_code=201)
async def echo(data: EntryIn) -> EntryIn:
    return data


@get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


app = Litestar([echo, health], openapi_config=None)
