"""Whole numbers in text people type or codes they carry: ASCII digits only, within a bound.

`str.isdigit()` also accepts '²' (then `int()` raises: a 500), `int()` reads '١٢' and '１２', and a
25-digit id overflows the database's integer. Parse with `whole_number` instead.
"""

from __future__ import annotations

import re

from service.pagination import MAX_ID

_ASCII_DIGITS = re.compile(r"[0-9]+")


def whole_number(text: str, *, maximum: int = MAX_ID) -> int | None:
    """The number `text` spells in ASCII digits, if it is at most `maximum`; otherwise None."""
    if len(text) > len(str(maximum)) or not _ASCII_DIGITS.fullmatch(text):
        return None  # the length check first: int() refuses more than 4300 digits with an error
    n = int(text)
    return n if n <= maximum else None


def is_ascii_digits(text: str) -> bool:
    return _ASCII_DIGITS.fullmatch(text) is not None
