"""Exact money: integer minor units inside, decimal strings outside. Never a float."""

from __future__ import annotations

import re
from typing import Annotated, Literal, get_args

from pydantic import Field

from service.errors import InvalidField

# Minor-unit exponent per ISO 4217 currency we accept.
CURRENCIES: dict[str, int] = {"CNY": 2, "USD": 2, "EUR": 2, "HKD": 2, "JPY": 0}
MAX_MINOR = 10**15 - 1  # 9,999,999,999,999.99 yuan: far beyond any real payment, well inside int64

_DECIMAL = re.compile(r"^(-)?([0-9]{1,16})(?:\.([0-9]+))?$")  # ASCII: \d and int() take '１２' too

AMOUNT_PATTERN = r"^-?[0-9]{1,16}(\.[0-9]{1,2})?$"
Amount = Annotated[
    str,
    Field(
        pattern=AMOUNT_PATTERN,
        max_length=20,
        description="Decimal string in the currency's major unit, e.g. \"1234.56\". Numbers are refused.",
        examples=["1234.56"],
    ),
]
# A Literal, so that the API document lists the currencies the server takes (written out, so that
# type checkers read it too; the assert keeps it equal to CURRENCIES).
CurrencyCode = Literal["CNY", "USD", "EUR", "HKD", "JPY"]
assert get_args(CurrencyCode) == tuple(CURRENCIES), "CurrencyCode must list CURRENCIES in order"
Currency = Annotated[CurrencyCode, Field(description="ISO 4217 code", examples=["CNY"])]


def exponent(currency: str, field: str = "currency") -> int:
    try:
        return CURRENCIES[currency]
    except KeyError:
        raise InvalidField(field, f"unsupported currency {currency!r}; accepted: {', '.join(CURRENCIES)}") from None


def parse(text: object, currency: str = "CNY", field: str = "amount", allow_negative: bool = False) -> int:
    """Parse a decimal string into minor units, refusing floats, exponents and excess precision."""
    if not isinstance(text, str):
        raise InvalidField(field, "must be a decimal string such as \"12.50\", not a number")
    m = _DECIMAL.match(text.strip())
    if not m:
        raise InvalidField(field, f"{text[:40]!r} is not a decimal amount such as \"12.50\"")
    sign, whole, frac = m.group(1), m.group(2), m.group(3) or ""
    exp = exponent(currency)
    if len(frac) > exp:
        raise InvalidField(field, f"{currency} has {exp} decimal places; {text!r} has {len(frac)}")
    minor = int(whole) * 10**exp + (int(frac.ljust(exp, "0")) if exp else 0)
    if sign:
        minor = -minor
    if abs(minor) > MAX_MINOR:
        raise InvalidField(field, "amount is out of range")
    if minor < 0 and not allow_negative:
        raise InvalidField(field, "must not be negative")
    return minor


def parse_positive(text: object, currency: str = "CNY", field: str = "amount") -> int:
    minor = parse(text, currency, field)
    if minor == 0:
        raise InvalidField(field, "must be greater than zero")
    return minor


def format(minor: int, currency: str = "CNY") -> str:  # noqa: A001 - the natural name
    """Format minor units as a decimal string with the currency's precision: 123456 -> "1234.56"."""
    exp = exponent(currency)
    sign = "-" if minor < 0 else ""
    whole, frac = divmod(abs(minor), 10**exp)
    return f"{sign}{whole}.{frac:0{exp}d}" if exp else f"{sign}{whole}"
