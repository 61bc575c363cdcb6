"""Render report documents in the requested format, and export the journal as Parquet."""

from __future__ import annotations

import io
from typing import Any

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from service.reports import formats, journal
from service.reports.service import transparency_table
from service.reports.html import transparency_html


def render_transparency(doc: dict[str, Any], fmt: str, lang: str = "en") -> bytes:
    if fmt == "json":
        return formats.to_json(doc)
    if fmt == "html":
        return transparency_html(doc, lang)
    table = transparency_table(doc)
    if fmt == "csv":
        return formats.to_csv(table)
    if fmt == "parquet":
        return formats.to_parquet(formats.to_frame(table))
    about = [("report", "transparency"), ("as_of_sequence", str(doc["as_of"]["sequence"])),
             ("as_of_hash", doc["as_of"]["hash"]), ("currency", doc["currency"]),
             ("k_anonymity", str(doc["k_anonymity"])), *(("note", n) for n in doc["notes"])]
    return formats.to_xlsx({"figures": table, "gender": doc["gender"], "villages": doc["villages"],
                            "months": doc["months"]}, about)


def render_audit(doc: dict[str, Any], fmt: str) -> bytes:
    if fmt == "json":
        return formats.to_json(doc)
    about = [("report", "audit"), ("as_of_sequence", str(doc["as_of"]["sequence"])),
             ("as_of_hash", doc["as_of"]["hash"]), ("chain_ok", str(doc["chain"]["ok"])),
             ("trial_balance_balanced", str(doc["trial_balance"]["balanced"]))]
    return formats.to_xlsx({
        "trial balance": doc["trial_balance"]["accounts"],
        "flows": doc["flows"]["links"],
        "reconciliation": doc["reconciliation"],
        "anomalies": doc["anomalies"]["findings"],
    }, about)


async def journal_parquet(session: AsyncSession, as_of_sequence: int | None) -> tuple[bytes, dict[str, Any]]:
    """The postings frame itself (typed columns, no names): what the reports are computed from."""
    j = await journal.load(session, as_of_sequence=as_of_sequence)

    def write() -> bytes:
        buf = io.BytesIO()
        j.lines.sort("sequence", "posting_id").write_parquet(buf, compression="zstd", statistics=True)
        return buf.getvalue()

    return await anyio.to_thread.run_sync(write), {"sequence": j.sequence, "hash": j.hash}
