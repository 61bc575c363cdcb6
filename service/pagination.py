"""Limit/offset pages with a hard maximum."""

from __future__ import annotations

from typing import Generic, TypeVar

from litestar.params import Parameter
from pydantic import BaseModel
from typing_extensions import Annotated

T = TypeVar("T")
MAX_LIMIT = 500

Limit = Annotated[int, Parameter(ge=1, le=MAX_LIMIT, description=f"page size, at most {MAX_LIMIT}")]
Offset = Annotated[int, Parameter(ge=0, le=10_000_000, description="items to skip")]
# Ids and sequence numbers in paths and queries: bounded so that a huge number is a 4xx, never a
# database overflow (a 500).
MAX_ID = 2**62
Id = Annotated[int, Parameter(ge=1, le=MAX_ID, description="an object id")]
# Optional query filters: the constraint must sit outside the union, or Litestar does not enforce it.
OptionalId = Annotated[int | None, Parameter(ge=1, le=MAX_ID, description="an object id")]
OptionalSequenceNo = Annotated[int | None, Parameter(ge=0, le=MAX_ID, description="a ledger sequence number")]


class Page(BaseModel, Generic[T]):
    items: list[T]
    limit: int
    offset: int
