"""Report documents -> bytes. Every writer is deterministic: same document, same bytes."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any

import polars as pl
import xlsxwriter

from service.formulas import neutralise

MEDIA = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
}
FIXED_TIME = datetime(2000, 1, 1)  # workbook metadata must not carry the time of the request


def to_json(doc: Any) -> bytes:
    return (json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=False, default=str) + "\n").encode()


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    cols: list[str] = []
    for r in rows:
        cols += [c for c in r if c not in cols]
    return cols


def _cell(v: Any) -> Any:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False, sort_keys=True)
    if isinstance(v, str):  # memos are typed by people: one may start with "=", or carry a lone CR
        return str(neutralise(v)).replace("\r\n", "\n").replace("\r", "\n")  # the csv module leaves CR unquoted
    return v


def to_csv(rows: list[dict[str, Any]], columns: list[str] | None = None) -> bytes:
    cols = columns or _columns(rows)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for r in rows:
        w.writerow(["" if r.get(c) is None else _cell(r.get(c)) for c in cols])
    return ("\ufeff" + buf.getvalue()).encode()  # BOM so spreadsheet programs read Chinese correctly


def to_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Everything as text (money is decimal strings), so no float creeps into an export."""
    cols = _columns(rows)
    data = {c: [None if r.get(c) is None else str(_cell(r.get(c))) for r in rows] for c in cols}
    return pl.DataFrame(data, schema={c: pl.String for c in cols})


def to_parquet(frame: pl.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.write_parquet(buf, compression="zstd", statistics=False)
    return buf.getvalue()


def to_xlsx(sheets: dict[str, list[dict[str, Any]]], about: list[tuple[str, str]]) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.set_properties({"created": FIXED_TIME, "title": "Shanshui Ledger report"})
    bold = wb.add_format({"bold": True})
    ws = wb.add_worksheet("about")
    for i, (k, v) in enumerate(about):
        ws.write_string(i, 0, k, bold)
        ws.write_string(i, 1, v)
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name[:31])
        cols = _columns(rows)
        for j, c in enumerate(cols):
            ws.write_string(0, j, c, bold)
        for i, r in enumerate(rows, start=1):
            for j, c in enumerate(cols):
                cell = r.get(c)
                if cell is not None:
                    ws.write_string(i, j, str(_cell(cell)))  # text keeps "1234.50" exact
    wb.close()
    return buf.getvalue()
