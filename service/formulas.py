"""The one spreadsheet-formula guard: every CSV/XLSX reader and writer asks it.

A cell a spreadsheet would run starts with = + - @ (or a tab or carriage return that hides one).
A plain number ("-5", "+3.50", "-12.50" on a correction line) is not a formula: refusing it would
refuse honest patrol counts, and neutralising it would turn a statement's amounts into text.
Readers refuse formula-looking cells; writers prefix them with an apostrophe so they show as text.
"""

from __future__ import annotations

import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def looks_like_formula(value: object) -> bool:
    return (isinstance(value, str) and value.startswith(FORMULA_START)
            and _PLAIN_NUMBER.fullmatch(value) is None)


def neutralise(value: object) -> object:
    """A cell that a spreadsheet would run as a formula gets a leading apostrophe; others are kept."""
    return "'" + value if looks_like_formula(value) and isinstance(value, str) else value
