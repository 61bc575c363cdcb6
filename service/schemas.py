"""Shared schema bases: inputs refuse unknown fields (no mass assignment) and control characters."""

from __future__ import annotations

import re
from typing import Any, get_args

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

# C0 controls except tab, newline and carriage return, and DEL. NUL cannot even be stored by
# PostgreSQL (it answered 500); escape sequences would reach logs, terminals and exports.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _refuse_controls(value: Any) -> Any:
    if isinstance(value, str):
        if _CONTROL.search(value):
            raise ValueError("control characters are not allowed")
    elif isinstance(value, dict):
        for k, v in value.items():
            _refuse_controls(k)
            _refuse_controls(v)
    elif isinstance(value, list):
        for v in value:
            _refuse_controls(v)
    return value


def _accepts_bool(annotation: Any) -> bool:
    return annotation is bool or bool in get_args(annotation) or annotation is Any


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_control_characters(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, bool) and not _accepts_bool(cls.model_fields[info.field_name].annotation):
            raise ValueError("must not be true/false")  # lax mode would read true as 1
        return _refuse_controls(value)


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)
