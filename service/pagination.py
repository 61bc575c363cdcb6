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


class Page(BaseModel, Generic[T]):
    items: list[T]
    limit: int
    offset: int
