"""Reading the spreadsheets county clerks and banks send, and writing the ones banks receive.

Uploads are read as text only (never evaluated), decoded by `service.textfiles` (UTF-8 or GB18030),
and are refused whole if any cell looks like a spreadsheet formula: such a file is either a mistake
or an attack on whoever opens the export later. Exports neutralise formula-looking cells with a leading apostrophe
(`service.formulas`, the one guard).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import polars as pl

from service import textfiles
from service.errors import DomainError, InvalidField, TooLarge
from service.formulas import FORMULA_START, looks_like_formula, neutralise

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 200_000  # a county of 200,000 households in one year-end file (10 MB holds about that)

# Canonical column -> headers accepted (compared case-insensitively, spaces and brackets ignored).
BATCH_COLUMNS: dict[str, tuple[str, ...]] = {
    "village": ("village", "村", "村名", "行政村", "村委会"),
    "household_head": ("household_head", "household head", "name", "户主", "户主姓名", "姓名"),
    "id_tail": ("id_tail", "id number tail", "id_number_tail", "身份证后四位", "身份证号后四位", "身份证后4位"),
    "area_mu": ("area_mu", "area", "area (mu)", "面积", "面积(亩)", "面积（亩）", "亩数"),
    "persons": ("persons", "人数", "人口"),
    "months": ("months", "月数"),
    "category": ("category", "类别", "档次"),
    "amount": ("amount", "金额", "金额(元)", "金额（元）", "补偿金额", "补偿金额(元)"),
    "bank_account_tail": ("bank_account_tail", "bank account tail", "银行账号后四位", "卡号后四位", "账号后四位"),
}
BATCH_REQUIRED = ("village", "household_head", "id_tail")

STATEMENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "reference": ("reference", "bank_reference", "交易流水号", "流水号", "银行流水号"),
    "date": ("date", "paid_on", "value_date", "交易日期", "日期"),
    "amount": ("amount", "金额", "交易金额", "金额(元)"),
    "payment_ref": ("payment_ref", "payment reference", "付款编号", "摘要"),
}
STATEMENT_REQUIRED = ("reference", "date", "amount")


class BadFile(DomainError):
    status = 422
    slug = "bad-file"
    title = "The file cannot be read"


def _norm(header: str) -> str:
    return "".join(ch for ch in header.strip().lower().replace("（", "(").replace("）", ")") if ch not in " _()")


def _header_map(headers: Sequence[str], columns: dict[str, tuple[str, ...]], required: Sequence[str]) -> dict[str, str]:
    lookup = {_norm(alias): canon for canon, aliases in columns.items() for alias in aliases}
    mapping: dict[str, str] = {}
    for h in headers:
        canon = lookup.get(_norm(str(h)))
        if canon and canon not in mapping.values():
            mapping[str(h)] = canon
    missing = [c for c in required if c not in mapping.values()]
    if missing:
        raise BadFile(
            f"missing column(s) {', '.join(missing)}; found {', '.join(map(str, headers))[:300]}. "
            f"Accepted headers: " + "; ".join(f"{c}: {', '.join(columns[c])}" for c in missing),
            field="file",
        )
    return mapping


# every character Python's str.strip() removes: Polars strips exactly these, so a cell reads the same
# whichever way it is read
_SPACES = "".join(chr(c) for c in range(0x110000) if chr(c).isspace())


@dataclass(frozen=True)
class Sheet:
    frame: pl.DataFrame  # canonical columns (every one of `columns`), stripped text, '' for blank or absent
    encoding: str | None  # how a CSV's text was read (textfiles.UTF8 / GB18030); None for XLSX

    @cached_property
    def rows(self) -> list[dict[str, str]]:
        """The rows one dict each, for files of a few hundred rows read row by row."""
        return self.frame.rows(named=True)


def _frame(content: bytes, filename: str) -> tuple[pl.DataFrame, str | None]:
    if len(content) > MAX_FILE_BYTES:
        raise TooLarge(f"the file is {len(content)} bytes; at most {MAX_FILE_BYTES} are accepted", field="file")
    if not content.strip():
        raise BadFile("the file is empty", field="file")
    try:
        if content[:4] == b"PK\x03\x04" or filename.lower().endswith(".xlsx"):
            return pl.read_excel(io.BytesIO(content), engine="calamine", infer_schema_length=0), None
        text = textfiles.decode(content)
        return pl.read_csv(io.StringIO(text.text), infer_schema=False, truncate_ragged_lines=False), text.encoding
    except DomainError:
        raise
    except Exception as exc:  # polars/calamine parse errors: report, never a 500
        raise BadFile(f"the file cannot be read as CSV or XLSX: {str(exc).splitlines()[0][:200]}", field="file") from None


def read_rows(content: bytes, filename: str, columns: dict[str, tuple[str, ...]], required: Sequence[str]) -> Sheet:
    """The file's columns under their canonical names, and how the file was decoded."""
    frame, encoding = _frame(content, filename)
    if frame.height > MAX_ROWS:
        raise TooLarge(f"the file has {frame.height} rows; at most {MAX_ROWS} are accepted", field="file")
    mapping = _header_map(frame.columns, columns, required)
    frame = frame.select([pl.col(src).cast(pl.String).str.strip_chars(_SPACES).fill_null("").alias(dst)
                          for src, dst in mapping.items()])
    # only a row with one of the characters a formula starts with can hold one: Polars finds those rows
    # (usually none), Python checks them exactly
    starts = "[" + "".join(re.escape(c) for c in FORMULA_START) + "]"
    names = frame.columns
    suspects = frame.with_row_index("_row").filter(
        pl.any_horizontal([pl.col(c).str.contains(starts) for c in names])) if names else frame
    _refuse_formulas([(r.pop("_row"), r) for r in suspects.rows(named=True)])
    missing = [pl.lit("").alias(c) for c in columns if c not in names]
    return Sheet(frame.with_columns(missing) if missing else frame, encoding)


def _refuse_formulas(rows: list[tuple[int, dict[str, str]]]) -> None:
    """`rows`: (index in the file's rows, row)."""
    bad = [(i + 2, col) for i, row in rows for col, value in row.items()
           if looks_like_formula(value)]
    if bad:
        cells = ", ".join(f"row {r} {c}" for r, c in bad[:10])
        raise BadFile(
            f"{len(bad)} cell(s) look like spreadsheet formulas ({cells}); remove the leading = + - @ and upload again",
            field="file", cells=[{"row": r, "column": c} for r, c in bad[:50]],
        )


def write(frame: pl.DataFrame, fmt: str) -> tuple[bytes, str]:
    """CSV (UTF-8 with BOM, so Excel shows Chinese) or XLSX bytes, every string cell neutralised."""
    frame = frame.with_columns(
        pl.col(c).map_elements(neutralise, return_dtype=pl.String) for c, t in frame.schema.items() if t == pl.String
    )
    buf = io.BytesIO()
    if fmt == "xlsx":
        frame.write_excel(buf, worksheet="payments", autofit=True)
        return buf.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    if fmt != "csv":
        raise InvalidField("format", "must be csv or xlsx")
    buf.write("\ufeff".encode())
    frame.write_csv(buf)
    return buf.getvalue(), "text/csv"  # the response adds "; charset=utf-8"
