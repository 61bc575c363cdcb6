"""Pure certificate rules: status on a date, traceability codes, levy arithmetic. No I/O."""

from __future__ import annotations

import re
from datetime import date

from service.certifications.models import Status
from service.errors import InvalidField

PREFIX = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,31}$")
CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,63}$")
_DECIMAL = re.compile(r"^([0-9]{1,12})(?:\.([0-9]+))?$")


def status_on(day: date, valid_from: date, valid_to: date, action: str | None, action_on: date | None) -> Status:
    """A revocation or suspension applies from its date; otherwise the validity dates decide."""
    if action and action_on is not None and day >= action_on:
        return Status(action)
    if day < valid_from:
        return Status.NOT_YET_VALID
    if day > valid_to:
        return Status.EXPIRED
    return Status.ACTIVE


def normalise_code(code: str) -> str:
    code = code.strip().upper()
    if not CODE.match(code):
        raise InvalidField("code", "a traceability code is 3-64 letters, digits and hyphens")
    return code


def candidate_prefixes(code: str) -> list[str]:
    """Every prefix of the code a certificate could own, longest first (exact index lookups)."""
    return [code[:n] for n in range(len(code), 2, -1)]


def parse_scaled(text: object, places: int, field: str, maximum: int = 10**15) -> int:
    """A positive decimal string with at most `places` decimals -> integer in 10^-places units."""
    if not isinstance(text, str):
        raise InvalidField(field, 'must be a decimal string such as "12.5", not a number')
    m = _DECIMAL.match(text.strip())
    if not m:
        raise InvalidField(field, f"{text[:30]!r} is not a positive decimal number")
    frac = m.group(2) or ""
    if len(frac) > places:
        raise InvalidField(field, f"at most {places} decimal places")
    value = int(m.group(1)) * 10**places + int(frac.ljust(places, "0") or 0)
    if value <= 0 or value > maximum:
        raise InvalidField(field, "must be greater than zero and within range")
    return value


def format_scaled(value: int, places: int) -> str:
    whole, frac = divmod(value, 10**places)
    return f"{whole}.{frac:0{places}d}" if places else str(whole)


def levy(amount_minor: int, basis_points: int) -> int:
    """The levy on a sale, rounded half up to the fen (stated on every levy entry)."""
    return (amount_minor * basis_points + 5_000) // 10_000
