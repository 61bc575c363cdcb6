"""Shared schema bases: inputs refuse unknown fields (no mass assignment) and control characters."""

from __future__ import annotations

import re
from contextvars import ContextVar
from typing import Annotated, Any, get_args

from pydantic import (AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field, ModelWrapValidatorHandler, ValidationInfo,
                      field_validator, model_validator)

from service import money

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
        field = cls.model_fields.get(info.field_name or "")
        if isinstance(value, bool) and field is not None and not _accepts_bool(field.annotation):
            raise ValueError("must not be true/false")  # lax mode would read true as 1
        return _refuse_controls(value)


# The currency of the object being rendered; nested outputs (a run's lines) inherit their parent's.
_CURRENCY: ContextVar[str | None] = ContextVar("output_currency", default=None)


def _decimal_string(value: Any) -> Any:
    """Integer minor units (a model's attribute) become the decimal string clients see: 123456 -> "1234.56"."""
    if isinstance(value, int) and not isinstance(value, bool):
        currency = _CURRENCY.get()
        if currency is None:
            raise ValueError("minor units need a currency: the object (or its parent) has no `currency`")
        return money.format(value, currency)
    return value


# THE money serializer of every output: declare `amount: Money` and `Model.model_validate(orm_object)`
# renders the object's integer minor units in its own currency. A decimal string passes as it is.
Money = Annotated[money.Amount, BeforeValidator(_decimal_string)]


def _fixed_point(places: int) -> BeforeValidator:
    def render(value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            whole, frac = divmod(value, 10**places)
            return f"{whole}.{frac:0{places}d}"
        return value
    return BeforeValidator(render)


# Quantities kept as integers of a fixed fraction (area in 1/100 mu, distance in metres, quantity in
# 1/1000 of its unit) are shown as decimal strings: 1240 -> "12.40".
Hundredths = Annotated[str, _fixed_point(2)]
Thousandths = Annotated[str, _fixed_point(3)]


def read_from(field: str, attribute: str) -> Any:
    """An output field filled from a differently named attribute (`amount` from `amount_minor`); building
    the output by its field name still works."""
    return Field(validation_alias=AliasChoices(field, attribute))


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    @model_validator(mode="wrap")
    @classmethod
    def _in_its_currency(cls, value: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        currency = value.get("currency") if isinstance(value, dict) else getattr(value, "currency", None)
        if not isinstance(currency, str):
            return handler(value)
        token = _CURRENCY.set(currency)
        try:
            return handler(value)
        finally:
            _CURRENCY.reset(token)


class _Merged:
    """An object read as `obj`, except for the named attributes (see `with_fields`)."""

    __slots__ = ("_obj", "_fields")

    def __init__(self, obj: Any, fields: dict[str, Any]) -> None:
        self._obj, self._fields = obj, fields

    def __getattr__(self, name: str) -> Any:
        fields = object.__getattribute__(self, "_fields")
        if name in fields:
            return fields[name]
        return getattr(object.__getattribute__(self, "_obj"), name)


def with_fields(obj: Any, **computed: Any) -> Any:
    """`obj` with some attributes computed elsewhere (a balance, a name, a status on a day), for
    `Out.model_validate(with_fields(row, balance=fund.posted_balance))`: the row's own attributes are
    copied as they are, money in the row's `currency` (or a `currency=` given here)."""
    return _Merged(obj, computed)
