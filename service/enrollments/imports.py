"""The county's existing register (CSV or XLSX, one row per parcel) as enrollments: a dry run with
row-level errors, then all rows or none. Households are matched as payment batches match them
(village, household head, ID tail: compensation.batches), files are read by compensation.sheets."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.actor import Actor
from service.compensation import batches, matching, rules, sheets
from service.compensation.models import Program
from service.compensation.service import eligibility_problem, visible_program
from service.enrollments import service as enr
from service.enrollments.models import BasisKind, BasisLine, Enrollment
from service.enrollments.schemas import EnrollmentIn, ImportReport, ParcelIn
from service.errors import DomainError, InvalidField, NotFound
from service.parties.models import Party

REGISTER_COLUMNS: dict[str, tuple[str, ...]] = {
    "village": sheets.BATCH_COLUMNS["village"],
    "household_head": sheets.BATCH_COLUMNS["household_head"],
    "id_tail": sheets.BATCH_COLUMNS["id_tail"],
    "bank_account_tail": sheets.BATCH_COLUMNS["bank_account_tail"],
    "parcel_code": ("parcel_code", "parcel", "小班号", "地块编号", "林地编号", "宗地编号"),
    "area_mu": sheets.BATCH_COLUMNS["area_mu"],
    "land_class": ("land_class", "land class", "地类", "林地类别", "事权等级"),
    "start_date": ("start_date", "enrolled_from", "纳入日期", "起始日期"),
    "evidence": ("evidence", "contract", "certificate", "合同编号", "林权证号", "证号"),
}
REQUIRED = ("village", "household_head", "id_tail", "parcel_code", "area_mu", "start_date")
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$")


class RegisterRow(NamedTuple):
    row: int
    parcel: ParcelIn
    start: date
    evidence: str


@dataclass
class Plan:
    """A checked register: what the import would create (household -> its rows) and every row's problems."""

    program_id: int
    filename: str
    rows: int
    encoding: str | None
    households: dict[int, list[RegisterRow]] = field(default_factory=lambda: defaultdict(list))
    names: dict[int, tuple[str, str]] = field(default_factory=dict)  # party id -> (village, household head)
    errors: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.rows > 0 and not self.errors


async def run(session: AsyncSession, actor: Actor, program_id: int, filename: str, content: bytes, secret: str,
              dry_run: bool) -> ImportReport:
    plan = await check(session, actor, program_id, filename, content)
    if plan.ok and not dry_run:
        await _write(session, actor, plan, secret)
    if plan.errors and not dry_run:
        raise batches.BatchRefused(f"{len(plan.errors)} problem(s) in the register; nothing was written",
                                   field="file", errors=plan.errors[:200])
    return report(plan, dry_run)


def report(plan: Plan, dry_run: bool) -> ImportReport:
    return ImportReport(dry_run=dry_run, program_id=plan.program_id, filename=plan.filename, rows=plan.rows,
                        enrollments=len(plan.households), parcels=sum(len(v) for v in plan.households.values()),
                        ok=plan.ok, errors=plan.errors[:500], encoding=plan.encoding)


async def check(session: AsyncSession, actor: Actor, program_id: int, filename: str, content: bytes) -> Plan:
    """Every row checked against the county's households and the program's parcels; nothing written."""
    program = await visible_program(session, actor, program_id)
    if not actor.in_county(program.county_code):
        raise NotFound(f"program {program_id} not found")
    sheet = sheets.read_rows(content, filename, REGISTER_COLUMNS, REQUIRED)
    plan = Plan(program_id=program.id, filename=filename, rows=len(sheet.rows), encoding=sheet.encoding)
    directory = await matching.directory(session, program)
    matched = matching.match(sheet.frame, directory).select("payee_party_id", "division", "match_field", "match_problem")
    holders = await _holders(session, program.id)
    enrolled = set(await session.scalars(select(Enrollment.household_party_id).where(Enrollment.program_id == program.id)))
    errors = plan.errors
    seen_codes: dict[str, int] = {}
    for i, (raw, (payee_id, division, match_field, match_problem)) in enumerate(
            zip(sheet.rows, matched.iter_rows(), strict=True)):
        row = i + 2
        if match_problem is not None:
            errors.append({"row": row, "field": match_field, "reason": match_problem})
        parcel, start = _parcel(raw, row, errors), _date(raw["start_date"], row, errors)
        if parcel is None or start is None or payee_id is None:
            continue
        payee = directory.payee(payee_id)
        misfit = _misfit(program, payee, division, start)
        if misfit:
            errors.append({"row": row, **misfit})
            continue
        code = parcel.parcel_code
        if code in seen_codes:
            errors.append({"row": row, "field": "parcel_code", "reason": f"parcel {code} is also on row {seen_codes[code]}"})
            continue
        seen_codes[code] = row
        if code in holders:
            holder = holders[code]
            errors.append({"row": row, "field": "parcel_code", "reason": f"parcel {code} is already enrolled by "
                           f"household {holder[1]} (party {holder[0]}); it cannot also be enrolled for {payee.name}"})
            continue
        if payee.id in enrolled:
            errors.append({"row": row, "field": "household_head", "reason": "the household is already enrolled in this "
                           "program: add a parcel with a change request"})
            continue
        plan.households[payee.id].append(RegisterRow(row, parcel, start, raw.get("evidence", "")))
        plan.names[payee.id] = (raw["village"], payee.name)
    errors += _same_start(plan.households)
    if not sheet.rows:
        errors.append({"row": 1, "field": "file", "reason": "the file has no rows"})
    return plan


def _misfit(program: Program, payee: matching.Payee, division: str, start: date) -> dict[str, str] | None:
    """What create_enrollment would refuse for this household and date, found by the dry run already."""
    problem = eligibility_problem(program, payee, division, str(max(start, program.period_start).year))
    if problem and problem[0] != "period":
        return {"field": "household_head", "reason": problem[1]}
    if not program.period_start <= start <= program.period_end:
        return {"field": "start_date", "reason": f"{start} is outside the program's period "
                f"{program.period_start} to {program.period_end}"}
    return None


def _parcel(raw: dict[str, str], row: int, errors: list[dict]) -> ParcelIn | None:
    if not _CODE.match(raw["parcel_code"]):
        errors.append({"row": row, "field": "parcel_code", "reason": "give a parcel code of letters, digits, . _ / -"})
        return None
    try:
        rules.parse_area(raw["area_mu"])
        return ParcelIn(parcel_code=raw["parcel_code"], area_mu=raw["area_mu"],
                        land_class=raw.get("land_class", "")[:40], evidence=raw.get("evidence", "")[:120])
    except DomainError as exc:
        errors.append({"row": row, "field": exc.field or "area_mu", "reason": _reason(exc)})
    except ValidationError as exc:
        first = exc.errors()[0]
        errors.append({"row": row, "field": str(first["loc"][0]) if first["loc"] else "file", "reason": first["msg"]})
    return None


def _date(text: str, row: int, errors: list[dict]) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.append({"row": row, "field": "start_date", "reason": f"{text[:20]!r} is not a date (YYYY-MM-DD)"})
        return None


def _same_start(households: dict[int, list[RegisterRow]]) -> list[dict]:
    return [{"row": r, "field": "start_date", "reason": f"the household's rows give different start dates "
             f"({rows[0].start} on row {rows[0].row})"}
            for rows in households.values() for r, _, start, _ in rows[1:] if start != rows[0].start]


async def _holders(session: AsyncSession, program_id: int) -> dict[str, tuple[int, str]]:
    """Parcels already held in the program (now or from a future date): code -> (party id, name)."""
    q = (select(BasisLine.key, Party.id, Party.name).join(Enrollment, Enrollment.id == BasisLine.enrollment_id)
         .join(Party, Party.id == Enrollment.household_party_id)
         .where(BasisLine.program_id == program_id, BasisLine.kind == BasisKind.PARCEL, BasisLine.valid_until.is_(None)))
    return {code: (pid, name) for code, pid, name in (await session.execute(q)).all()}


async def _write(session: AsyncSession, actor: Actor, plan: Plan, secret: str) -> None:
    for party_id, rows in plan.households.items():
        try:
            await enr.create_enrollment(session, actor, EnrollmentIn(
                program_id=plan.program_id, household_party_id=party_id, start_date=rows[0].start,
                evidence=rows[0].evidence[:120], parcels=[r.parcel for r in rows]), secret)
        except DomainError as exc:  # the service's own checks (eligibility, program period): the first row answers
            plan.errors.append({"row": rows[0].row, "field": exc.field or "file", "reason": _reason(exc)})


def _reason(exc: DomainError) -> str:
    """The refusal without its field's name in front: the row's column already names it."""
    return exc.reason if isinstance(exc, InvalidField) else exc.detail
