"""Batch upload: the dry run as a table (every row, problems highlighted, total against the fund's
available money), then the very same file committed with one button."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.response import Redirect
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from service import money
from service.auth.actor import Actor
from service.auth.guards import requires
from service.compensation import batches
from service.compensation.models import PaymentBatch
from service.compensation.repository import readable_batches
from service.compensation.schemas import BatchReport
from service.compensation.sheets import MAX_FILE_BYTES
from service.console import county, forms, staging
from service.console.i18n import LABELS, lang_of
from service.console.pages.official import OFFICIAL
from service.console.render import page
from service.errors import DomainError, InvalidField, TooLarge
from service.pagination import Id
from service.schemas import Input


class BatchForm(Input):
    program_id: int
    period: str


async def _upload_page(request: Request, session: AsyncSession, actor: Actor, values: dict[str, Any],
                       errors: dict[str, str], report: BatchReport | None = None, upload_id: str | None = None,
                       status: int = 200) -> Response:
    q = readable_batches(actor).order_by(PaymentBatch.id.desc()).limit(50)
    over = report is not None and money.parse(report.total) > money.parse(report.available)
    return page(request, "official/batches.html", status=status, title=LABELS[lang_of(request)]["batches"],
                programs=[(p.id, f"{p.id} · {p.name}") for p in await county.programs(session, actor)],
                values=forms.fields(values), errors=errors, report=report, upload_id=upload_id, over=over,
                batches=list((await session.execute(q)).scalars()))


@get("/batches", guards=[requires(*OFFICIAL)])
async def batch_page(request: Request, session: AsyncSession, actor: Actor) -> Response:
    return await _upload_page(request, session, actor, dict(request.query_params), {})


async def _file(values: dict[str, Any]) -> tuple[str, bytes]:
    upload = values.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise InvalidField("file", "choose a CSV or XLSX file")
    content = await upload.read(MAX_FILE_BYTES + 1)
    if len(content) > MAX_FILE_BYTES:
        raise TooLarge(f"the file is larger than {MAX_FILE_BYTES} bytes", field="file")
    return upload.filename[:255], content


class Staged(BaseModel):
    upload_id: str


@post("/batches/dry-run", guards=[requires(*OFFICIAL)], status_code=200)
async def dry_run(request: Request, session: AsyncSession, actor: Actor) -> Response:
    """Checks the file (nothing written to the books) and keeps it for the commit button."""
    values = await forms.read(request)
    data, errors = forms.parse(BatchForm, values, lang_of(request))
    if data is None:
        return await _upload_page(request, session, actor, values, errors, status=422)
    try:
        filename, content = await _file(values)
        checked = await batches.check(session, actor, data.program_id, data.period, filename, content)
        report = batches.report(checked, dry_run=True, with_lines=True)
    except DomainError as exc:
        return await _upload_page(request, session, actor, values, forms.as_errors(exc, lang_of(request)),
                                  status=exc.status)
    upload_id = None
    if report.ok:
        async with request.app.state.db.writing() as s:
            upload_id = await staging.stage(s, actor, data.program_id, data.period, filename, content)
    return await _upload_page(request, session, actor, values, {}, report, upload_id, 200 if report.ok else 422)


@post("/batches/commit", guards=[requires(*OFFICIAL)], status_code=200)
async def commit(request: Request, session: AsyncSession, actor: Actor) -> Response:
    values = await forms.read(request)
    upload_id = str(values.get("upload_id", ""))

    async def op(s: AsyncSession, a: Actor) -> BatchReport:
        staged = await staging.take(s, a, upload_id)
        checked = await batches.check(s, a, staged.program_id, staged.period, staged.filename, staged.content)
        return (await batches.commit(s, a, checked, None)).model_copy(update={"lines": None})

    outcome = await forms.submit(request, values, {"upload_id": upload_id}, op)
    if not outcome.ok:
        return await _upload_page(request, session, actor, {}, outcome.errors, status=outcome.status)
    return Redirect(path=f"/console/batches/{outcome.saved['batch_id']}?ok=batch_committed", status_code=303)


@get("/batches/{batch_id:int}", guards=[requires(*OFFICIAL)])
async def batch_detail(request: Request, session: AsyncSession, actor: Actor, batch_id: Id) -> Response:
    batch = await batches.batch_out(session, await batches.visible_batch(session, actor, batch_id))
    rows = await county.payments(session, actor, limit=5000, batch_id=batch_id)
    t = LABELS[lang_of(request)]
    return page(request, "official/batch.html", title=f"{t['batch']} #{batch_id}", batch=batch, rows=rows)


routes: list[Any] = [batch_page, dry_run, commit, batch_detail]
