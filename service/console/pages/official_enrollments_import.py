"""The county's enrollment register imported from the console: upload the CSV or XLSX, read the dry run
(every problem by row in plain words, the totals, the households and parcels it would enroll), then
confirm the very same file with one button. All rows or none, as over the API."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.actor import Actor
from service.auth.guards import requires
from service.compensation import rules
from service.console import county, forms, staging
from service.console.i18n import LABELS, lang_of, register
from service.console.pages.official import OFFICIAL
from service.console.pages.official_batches import _file
from service.console.refusals import in_chinese
from service.console.render import add_nav, page
from service.enrollments import imports
from service.enrollments.schemas import ImportReport
from service.errors import DomainError
from service.schemas import Input

add_nav("/console/enrollments/import", "register_import", *OFFICIAL)
FIELD_LABELS = {"bank_account_tail": "bank_tail", "evidence": "register_evidence"}

register({
    "en": {"register_import": "Import the register", "register_file_hint": "CSV or XLSX, one row per parcel: village, "
           "household head, ID number's last 4, parcel code, area (mu), land class, enrolled from, contract or "
           "certificate number",
           "register_households": "Households to enroll", "register_parcels": "Parcels", "register_area": "Area (mu)",
           "register_evidence": "Contract / certificate", "register_to_create": "What the import will create",
           "register_problems": "Problems by row", "register_has_errors": "Correct the rows listed below, then upload "
           "the file again. Nothing was written.",
           "register_confirm": "Confirm the import ({households} households, {parcels} parcels)", "register_imported": "The register was imported: its households "
           "are enrolled below.", "register_rows": "Rows", "register_column": "Column"},
    "zh": {"register_import": "导入登记名册", "register_file_hint": "CSV 或 XLSX，每个地块一行：村、户主、身份证后四位、"
           "小班号、面积（亩）、地类、纳入日期、合同或林权证号",
           "register_households": "将登记的农户", "register_parcels": "地块数", "register_area": "面积（亩）",
           "register_evidence": "合同 / 林权证号", "register_to_create": "导入后将新建的登记",
           "register_problems": "逐行问题", "register_has_errors": "请更正下列各行后重新上传。未写入任何数据。",
           "register_confirm": "确认导入（{households} 户，{parcels} 个地块）", "register_imported": "名册已导入：新登记的农户见下表。",
           "register_rows": "行数", "register_column": "列"},
})


class RegisterForm(Input):
    program_id: int


async def _import_page(request: Request, session: AsyncSession, actor: Actor, values: dict[str, Any],
                       errors: dict[str, str], plan: imports.Plan | None = None, upload_id: str | None = None,
                       status: int = 200) -> Response:
    lang = lang_of(request)
    return page(request, "official/enrollments_import.html", status=status, title=LABELS[lang]["register_import"],
                programs=[(p.id, f"{p.id} · {p.name}") for p in await county.programs(session, actor)],
                values=forms.fields(values), errors=errors, upload_id=upload_id,
                report=imports.report(plan, dry_run=True) if plan else None,
                households=_households(plan) if plan else [], problems=_problems(plan, lang) if plan else [],
                area=_area(plan) if plan else "0.00")


def _households(plan: imports.Plan) -> list[dict[str, Any]]:
    return [{"party_id": pid, "village": plan.names[pid][0], "head": plan.names[pid][1], "start": rows[0].start,
             "evidence": rows[0].evidence, "parcels": [r.parcel for r in rows],
             "area": rules.format_area(sum(rules.parse_area(r.parcel.area_mu) for r in rows))}
            for pid, rows in plan.households.items()]


def _area(plan: imports.Plan) -> str:
    return rules.format_area(sum(rules.parse_area(r.parcel.area_mu) for rows in plan.households.values() for r in rows))


def _problems(plan: imports.Plan, lang: str) -> list[dict[str, Any]]:
    """Each problem with its column's name and the reason in the reader's language."""
    t = LABELS[lang]
    return [{"row": e["row"], "field": t[FIELD_LABELS.get(e["field"], e["field"])],
             "reason": in_chinese(e["reason"]) if lang == "zh" else e["reason"]}
            for e in sorted(plan.errors[:500], key=lambda e: e["row"])]


@get("/enrollments/import", guards=[requires(*OFFICIAL)])
async def import_page(request: Request, session: AsyncSession, actor: Actor) -> Response:
    return await _import_page(request, session, actor, dict(request.query_params), {})


@post("/enrollments/import/dry-run", guards=[requires(*OFFICIAL)], status_code=200)
async def import_dry_run(request: Request, session: AsyncSession, actor: Actor) -> Response:
    """Checks the register (nothing written) and keeps the file for the confirm button."""
    values = await forms.read(request)
    data, errors = forms.parse(RegisterForm, values, lang_of(request))
    if data is None:
        return await _import_page(request, session, actor, values, errors, status=422)
    try:
        filename, content = await _file(values)
        plan = await imports.check(session, actor, data.program_id, filename, content)
    except DomainError as exc:
        return await _import_page(request, session, actor, values, forms.as_errors(exc, lang_of(request)),
                                  status=exc.status)
    upload_id = None
    if plan.ok:
        async with request.app.state.db.writing() as s:
            upload_id = await staging.stage(s, actor, plan.program_id, staging.REGISTER, filename, content)
    return await _import_page(request, session, actor, values, {}, plan, upload_id, 200 if plan.ok else 422)


@post("/enrollments/import/commit", guards=[requires(*OFFICIAL)], status_code=200)
async def import_commit(request: Request, session: AsyncSession, actor: Actor) -> Response:
    """Imports the checked file. The form key makes a double click replay the first answer; the staged
    file is taken in the same transaction, so a second confirm form finds nothing left to import."""
    values = await forms.read(request)
    upload_id = str(values.get("upload_id", ""))
    secret = request.app.state.settings.secret

    async def op(s: AsyncSession, a: Actor) -> ImportReport:
        staged = await staging.take(s, a, upload_id, register=True)
        return await imports.run(s, a, staged.program_id, staged.filename, staged.content, secret, dry_run=False)

    outcome = await forms.submit(request, values, {"upload_id": upload_id}, op)
    if not outcome.ok:
        return await _import_page(request, session, actor, {}, outcome.errors, status=outcome.status)
    program_id = (outcome.result or {})["program_id"]
    return Redirect(path=f"/console/enrollments?program_id={program_id}&ok=register_imported", status_code=303)


routes: list[Any] = [import_page, import_dry_run, import_commit]
