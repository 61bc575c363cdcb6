"""Every public output of the transparency report as text, for scanning."""

from __future__ import annotations

import io

import openpyxl
import polars as pl

FORMATS = ("json", "csv", "parquet", "xlsx", "html")


def xlsx_text(body: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(body))
    return "\n".join(",".join("" if v is None else str(v) for v in row)
                     for sheet in book.worksheets for row in sheet.iter_rows(values_only=True))


def as_text(fmt: str, body: bytes) -> str:
    if fmt == "parquet":
        return pl.read_parquet(io.BytesIO(body)).write_csv()
    if fmt == "xlsx":
        return xlsx_text(body)
    return body.decode("utf-8-sig")


async def transparency_texts(client, **params: str) -> dict[str, str]:
    """format -> text of GET /api/v1/reports/transparency with `params`, plus the public page."""
    out = {}
    for fmt in FORMATS:
        r = await client.get("/api/v1/reports/transparency", params={**params, "format": fmt})
        assert r.status_code == 200, (fmt, params, r.text[:300])
        out[fmt] = as_text(fmt, r.content)
    page_params = {k: v for k, v in params.items() if k in ("county", "period")}
    for lang in ("en", "zh"):
        r = await client.get("/transparency", params={**page_params, "lang": lang})
        assert r.status_code == 200
        out[f"page-{lang}"] = r.text
    return out
