"""One formula guard for every spreadsheet reader and writer: they agree on what a formula is."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, strategies as st

from service.compensation import sheets
from service.errors import DomainError
from service.formulas import looks_like_formula, neutralise
from service.patrols import imports
from service.reports import formats

FORMULAS = ["=1+1", "+1+1", "-1+cmd|' /C calc'!A0", "@SUM(A1)", "\t=x", "\r=x", "=HYPERLINK(\"x\")"]
NOT_FORMULAS = ["-5", "+3.50", "-12.50", "12", "胡玉兰", "a=b", ""]


@pytest.mark.parametrize("cell", FORMULAS)
def test_formulas_are_refused_on_upload_and_neutralised_in_every_export(cell):
    assert looks_like_formula(cell) and neutralise(cell) == "'" + cell
    with pytest.raises(DomainError):
        sheets.read_rows(f"payee,amount\n{_quoted(cell)},100.00\n".encode(), "batch.csv", {"payee": ("payee",),
                         "amount": ("amount",)}, ["payee", "amount"])
    _, _, errors, _ = imports.parse(("Patrol ID,Patrol Start Date,Start Time,End Time,Members,Comment\n"
                                     f"1,2025-03-01,06:00,07:00,YP01,{_quoted(cell)}\n").encode())
    assert [e.field for e in errors] == ["observations"]
    statement_csv = formats.to_csv([{"memo": cell, "amount": "-12.50"}]).decode().lstrip("\ufeff")
    assert list(csv.reader(io.StringIO(statement_csv, newline="")))[1] == ["'" + cell.replace("\r", "\n"), "-12.50"]


@pytest.mark.parametrize("cell", NOT_FORMULAS)
def test_plain_numbers_and_text_pass_everywhere(cell):
    assert not looks_like_formula(cell) and neutralise(cell) == cell
    statement_csv = formats.to_csv([{"memo": cell}]).decode().lstrip("\ufeff")
    assert list(csv.reader(io.StringIO(statement_csv, newline="")))[1:] == [[cell]]


@given(st.text(max_size=30))
def test_a_neutralised_cell_never_starts_a_formula(text):
    out = neutralise(text)
    assert out == text or (out == "'" + text and looks_like_formula(text))
    assert not looks_like_formula(out)


def _quoted(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"'
