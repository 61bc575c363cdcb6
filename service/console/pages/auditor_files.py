"""Every report format for the auditor, served by the console itself: the API takes bearer tokens only,
so a signed-in auditor's browser downloads through these routes, which call the same report services."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.datastructures import State
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.guards import requires
from service.auth.models import Role
from service.console import audit
from service.console.i18n import LABELS, lang_of
from service.console.render import page
from service.errors import NotFound
from service.reports import exports, formats, opendata
from service.reports import service as reports

At = Annotated[int | None, Parameter(ge=0, le=2**62, required=False, description="a ledger sequence number")]
Build = Callable[[AsyncSession, State, int | None, str], Awaitable[tuple[bytes, dict[str, Any]]]]


async def _audit(session: AsyncSession, state: State, at: int | None, fmt: str) -> tuple[bytes, dict[str, Any]]:
    doc = await reports.audit(session, as_of_sequence=at)
    return exports.render_audit(doc, fmt), doc["as_of"]


def _table(part: Callable[[dict[str, Any]], list[dict[str, Any]]]) -> Build:
    async def build(session: AsyncSession, state: State, at: int | None, fmt: str) -> tuple[bytes, dict[str, Any]]:
        doc = await reports.audit(session, as_of_sequence=at)
        return formats.to_csv(part(doc)), doc["as_of"]
    return build


async def _journal(session: AsyncSession, state: State, at: int | None, fmt: str) -> tuple[bytes, dict[str, Any]]:
    return await exports.journal_parquet(session, at)


async def _transparency(session: AsyncSession, state: State, at: int | None, fmt: str) -> tuple[bytes, dict[str, Any]]:
    doc = await reports.transparency(session, k=state.settings.k_anonymity, as_of_sequence=at)
    return exports.render_transparency(doc, fmt), doc["as_of"]


async def _giving(session: AsyncSession, state: State, at: int | None, fmt: str) -> tuple[bytes, dict[str, Any]]:
    package = await opendata.package(session, secret=state.settings.secret, as_of_sequence=at)
    return opendata.render(package, fmt), package["x-shanshui"]["as_of"]


# file stem -> (how to build it, the formats it comes in, its label)
FILES: dict[str, tuple[Build, tuple[str, ...], str]] = {
    "audit": (_audit, ("json", "xlsx"), "au_dl_audit"),
    "trial-balance": (_table(lambda d: d["trial_balance"]["accounts"]), ("csv",), "au_trial_balance"),
    "flows": (_table(lambda d: d["flows"]["links"]), ("csv",), "au_flows"),
    "anomalies": (_table(lambda d: d["anomalies"]["findings"]), ("csv",), "au_anomalies"),
    "journal": (_journal, ("parquet",), "au_dl_journal"),
    "transparency": (_transparency, ("json", "csv", "parquet", "xlsx", "html"), "au_dl_transparency"),
    "360giving": (_giving, ("json", "csv", "xlsx"), "au_dl_giving"),
}


@get("/audit/downloads", guards=[requires(Role.AUDITOR)])
async def downloads(request: Request, at: Annotated[str | None, Parameter(max_length=20, required=False)] = None
                    ) -> Response:
    """`at` comes from a form field, so an empty one means the head."""
    point = int(at) if at and at.strip().isdigit() else None
    return page(request, "auditor/downloads.html", title=LABELS[lang_of(request)]["au_downloads"], files=FILES,
                at=point)


@get("/audit/downloads/{file_name:str}", guards=[requires(Role.AUDITOR)])
async def download(request: Request, session: AsyncSession, state: State, file_name: str, at: At = None) -> Response:
    stem, _, fmt = file_name.rpartition(".")
    if stem not in FILES or fmt not in FILES[stem][1]:
        raise NotFound(f"no report file {file_name[:60]!r}")
    body, point = await FILES[stem][0](session, state, at, fmt)
    audit.event(request, "console_report_download", file=file_name, sequence=point["sequence"],
                by=request.user.user_id)
    return Response(content=body, media_type=formats.MEDIA[fmt], headers={
        "Content-Disposition": f'attachment; filename="{stem}-{point["sequence"]}.{fmt}"',
        "X-Ledger-Sequence": str(point["sequence"]), "X-Ledger-Hash": point["hash"], "Cache-Control": "no-store"})


routes: list[Any] = [downloads, download]
