"""Enrollments and change requests as plain async functions.

An enrollment's basis is a set of lines, each valid for [valid_from, valid_until). An approved change
request closes the lines it touches on its effective date and opens new ones from that date, so the
basis on any past date is still there to read, and a committed cycle is never rewritten.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.actor import Actor
from service.compensation import rules
from service.compensation.models import Program
from service.compensation.service import eligibility_problem, visible_program
from service.db import fetch_one, utcnow
from service.enrollments.models import (
    BasisKind,
    BasisLine,
    ChangeAction,
    ChangeRequest,
    ChangeStatus,
    Cycle,
    Enrollment,
)
from service.enrollments.repository import readable, readable_changes
from service.enrollments.schemas import (
    BasisOut,
    ChangeRequestIn,
    ChangeRequestOut,
    EnrollmentIn,
    EnrollmentOut,
    HistoryLine,
    ParcelIn,
    ParcelOut,
)
from service.errors import Conflict, Forbidden, InvalidField, NotFound
from service.parties import service as parties
from service.parties.models import Party
from service.schemas import with_fields

A = ChangeAction
FOUR_EYES = "four-eyes rule: a change request is approved by a second official, never the one who entered it"


# --- reading the basis ---------------------------------------------------------------------------


def in_force(on: date):
    return (BasisLine.valid_from <= on) & or_(BasisLine.valid_until.is_(None), BasisLine.valid_until > on)


async def lines_on(session: AsyncSession, enrollment_id: int, on: date) -> list[BasisLine]:
    q = select(BasisLine).where(BasisLine.enrollment_id == enrollment_id, in_force(on)).order_by(BasisLine.id)
    return list((await session.execute(q)).scalars())


async def parcel_holder(session: AsyncSession, program_id: int, code: str, on: date) -> tuple[BasisLine, Party] | None:
    """The line holding parcel `code` in the program on `on` or later, with its household."""
    q = (select(BasisLine, Party).join(Enrollment, Enrollment.id == BasisLine.enrollment_id)
         .join(Party, Party.id == Enrollment.household_party_id)
         .where(BasisLine.program_id == program_id, BasisLine.kind == BasisKind.PARCEL, BasisLine.key == code,
                or_(BasisLine.valid_until.is_(None), BasisLine.valid_until > on))
         .order_by(BasisLine.valid_from).limit(1))
    row = (await session.execute(q)).first()
    return (row[0], row[1]) if row else None


def clash(code: str, holder: BasisLine, holder_party: Party, party: Party) -> Conflict:
    """Both holders named: this goes only to the official entering it (never to a public page)."""
    return Conflict(
        f"parcel {code} is already enrolled in this program by household {holder_party.name} (party "
        f"{holder_party.id}, enrollment {holder.enrollment_id}) from {holder.valid_from}; it cannot also be "
        f"enrolled for household {party.name} (party {party.id})", field="parcel_code",
        holder_party_id=holder_party.id, holder_enrollment_id=holder.enrollment_id)


# --- enrollments ---------------------------------------------------------------------------------


async def create_enrollment(session: AsyncSession, actor: Actor, data: EnrollmentIn, secret: str) -> Enrollment:
    program = await visible_program(session, actor, data.program_id)
    if not actor.in_county(program.county_code):
        raise NotFound(f"program {data.program_id} not found")
    party = await parties.find_readable(session, actor, data.household_party_id)
    if party is None or party.county_code != program.county_code:
        raise InvalidField("household_party_id", f"unknown household {data.household_party_id} in county "
                           f"{program.county_code}")
    division = party.division_code or await _village_division(session, party) or party.county_code or ""
    problem = eligibility_problem(program, party, division, str(max(data.start_date, program.period_start).year))
    if problem and problem[0] != "period":
        raise InvalidField("household_party_id", problem[1])
    if not program.period_start <= data.start_date <= program.period_end:
        raise InvalidField("start_date", f"{data.start_date} is outside the program's period "
                           f"{program.period_start} to {program.period_end}")
    if await session.scalar(select(Enrollment.id).where(Enrollment.program_id == program.id,
                                                        Enrollment.household_party_id == party.id)):
        raise Conflict(f"household {party.id} is already enrolled in program {program.id}", field="household_party_id")
    if not (data.parcels or data.persons or data.months):
        raise InvalidField("parcels", "an enrollment needs a basis: parcels, persons or months")
    _no_repeats([p.parcel_code for p in data.parcels], "parcels")
    enrollment = Enrollment(program_id=program.id, household_party_id=party.id, county_code=program.county_code,
                            start_date=data.start_date, evidence=data.evidence, created_by=actor.user_id,
                            created_at=utcnow())
    session.add(enrollment)
    await session.flush()
    for i, p in enumerate(data.parcels):
        holder = await parcel_holder(session, program.id, p.parcel_code, data.start_date)
        if holder:
            exc = clash(p.parcel_code, *holder, party)
            exc.field = f"parcels[{i}].parcel_code"
            raise exc
        session.add(parcel_line(enrollment, p, data.start_date))
    hashes = [parties.hash_id_number(secret, n) for n in data.persons]
    _no_repeats(hashes, "persons")
    session.add_all(BasisLine(enrollment_id=enrollment.id, program_id=program.id, kind=BasisKind.PERSON, key=h,
                              valid_from=data.start_date) for h in hashes)
    if data.months:
        session.add(BasisLine(enrollment_id=enrollment.id, program_id=program.id, kind=BasisKind.MONTHS, key="",
                              quantity=data.months, valid_from=data.start_date))
    await session.flush()
    return enrollment


def _no_repeats(values: list[str], field_name: str) -> None:
    seen: set[str] = set()
    for i, v in enumerate(values):
        if v in seen:
            raise InvalidField(f"{field_name}[{i}]", "given twice")
        seen.add(v)


def parcel_line(enrollment: Enrollment, p: ParcelIn, valid_from: date, change_id: int | None = None) -> BasisLine:
    return BasisLine(enrollment_id=enrollment.id, program_id=enrollment.program_id, kind=BasisKind.PARCEL,
                     key=p.parcel_code, area_centimu=rules.parse_area(p.area_mu), land_class=p.land_class or None,
                     outline=p.outline.model_dump() if p.outline else None, evidence=p.evidence, valid_from=valid_from, change_request_id=change_id)


async def _village_division(session: AsyncSession, party: Party) -> str | None:
    if party.parent_id is None:
        return None
    return await session.scalar(select(Party.division_code).where(Party.id == party.parent_id))


async def visible_enrollment(session: AsyncSession, actor: Actor, enrollment_id: int, lock: bool = False) -> Enrollment:
    found = await fetch_one(session, readable(actor).where(Enrollment.id == enrollment_id), lock=lock)
    if found is None:
        raise NotFound(f"enrollment {enrollment_id} not found")
    return found


async def list_enrollments(session: AsyncSession, actor: Actor, *, limit: int, offset: int,
                           program_id: int | None = None, household_party_id: int | None = None) -> list[Enrollment]:
    q = readable(actor).order_by(Enrollment.id)
    if program_id is not None:
        q = q.where(Enrollment.program_id == program_id)
    if household_party_id is not None:
        q = q.where(Enrollment.household_party_id == household_party_id)
    return list((await session.execute(q.limit(limit).offset(offset))).scalars())


async def enrollment_out(session: AsyncSession, e: Enrollment, on: date | None = None,
                         history: bool = False) -> EnrollmentOut:
    on = on or utcnow().date()
    current = await lines_on(session, e.id, max(on, e.start_date))
    household = await session.get(Party, e.household_party_id)
    pending = await session.scalar(select(func.count()).select_from(ChangeRequest).where(
        ChangeRequest.enrollment_id == e.id, ChangeRequest.status == ChangeStatus.PENDING)) or 0
    parcels = [ParcelOut.model_validate(with_fields(line, parcel_code=line.key, area_mu=line.area_centimu or 0,
                                                    has_outline=line.outline is not None))
               for line in current if line.kind == BasisKind.PARCEL]
    months = [line.quantity for line in current if line.kind == BasisKind.MONTHS]
    basis = BasisOut(on=max(on, e.start_date), area_mu=rules.format_area(sum(l.area_centimu or 0 for l in current
                                                                          if l.kind == BasisKind.PARCEL)),
                     persons=sum(1 for l in current if l.kind == BasisKind.PERSON), months=months[0] if months else None,
                     parcels=parcels)
    out = EnrollmentOut.model_validate(with_fields(
        e, household=household.name if household else "", basis=basis, pending_change_requests=pending,
        flags=await duplicate_flags(session, e, current)))
    if history:
        rows = (await session.execute(select(BasisLine).where(BasisLine.enrollment_id == e.id)
                                      .order_by(BasisLine.valid_from, BasisLine.id))).scalars()
        out.history = [HistoryLine(kind=l.kind, parcel_code=l.key if l.kind == BasisKind.PARCEL else None,
                                   area_mu=rules.format_area(l.area_centimu) if l.area_centimu is not None else None,
                                   months=l.quantity, valid_from=l.valid_from, valid_until=l.valid_until,
                                   change_request_id=l.change_request_id) for l in rows]
    return out


async def duplicate_flags(session: AsyncSession, e: Enrollment, current: list[BasisLine]) -> list[str]:
    """A person (by keyed ID hash) counted in another household of the same program at the same time."""
    keys = [l.key for l in current if l.kind == BasisKind.PERSON]
    if not keys:
        return []
    other = BasisLine.__table__.alias("other")
    q = (select(Enrollment.id, Enrollment.household_party_id).join(other, other.c.enrollment_id == Enrollment.id)
         .where(other.c.program_id == e.program_id, other.c.kind == BasisKind.PERSON, other.c.key.in_(keys),
                other.c.enrollment_id != e.id, or_(other.c.valid_until.is_(None), other.c.valid_until > e.start_date))
         .distinct())
    return [f"duplicate person: a person of this household is also counted in household {party} (enrollment {eid})"
            for eid, party in (await session.execute(q)).all()]


# --- change requests -----------------------------------------------------------------------------


async def enter_change(session: AsyncSession, actor: Actor, data: ChangeRequestIn, secret: str) -> ChangeRequest:
    """Checked as if it were applied now; it takes effect only when a second official approves it."""
    enrollment = await visible_enrollment(session, actor, data.enrollment_id)
    if not actor.in_county(enrollment.county_code):
        raise NotFound(f"enrollment {data.enrollment_id} not found")
    change = ChangeRequest(enrollment_id=enrollment.id, program_id=enrollment.program_id,
                           county_code=enrollment.county_code, action=data.action, payload=_payload(data, secret),
                           effective_date=data.effective_date, reason=data.reason, status=ChangeStatus.PENDING,
                           entered_by=actor.user_id, entered_at=utcnow())
    await apply(session, actor, change, enrollment, write=False)
    session.add(change)
    await session.flush()
    return change


NEEDS: dict[str, tuple[str, ...]] = {
    A.REMEASURE: ("parcel_code", "area_mu"), A.ADD_PARCEL: ("parcel_code", "area_mu"),
    A.REMOVE_PARCEL: ("parcel_code",), A.TRANSFER_PARCEL: ("parcel_code", "to_enrollment_id"),
    A.ADD_PERSON: ("id_number",), A.REMOVE_PERSON: ("id_number",), A.SET_MONTHS: ("months",), A.END: (),
}


def _payload(data: ChangeRequestIn, secret: str) -> dict[str, Any]:
    for name in NEEDS[data.action]:
        if getattr(data, name) is None:
            raise InvalidField(name, f"a {data.action.value} change needs {name}")
    out: dict[str, Any] = {k: getattr(data, k) for k in ("parcel_code", "land_class", "to_enrollment_id", "months")
                           if getattr(data, k) is not None}
    if data.outline is not None:
        out["outline"] = data.outline.model_dump()
    if data.area_mu is not None:
        out["area_centimu"] = rules.parse_area(data.area_mu)
    if data.evidence:
        out["evidence"] = data.evidence
    if data.id_number:  # never stored in clear
        out["person_hash"] = parties.hash_id_number(secret, data.id_number)
        out["person_tail"] = data.id_number[-4:].upper()
    return out


async def _later_cycle_date(session: AsyncSession, program_id: int) -> date | None:
    return await session.scalar(select(func.max(Cycle.basis_date)).where(Cycle.program_id == program_id))


async def apply(session: AsyncSession, actor: Actor, change: ChangeRequest, e: Enrollment, write: bool) -> None:
    """Check a change against the enrollment as it is now; with write=True, close and open its lines."""
    day, p = change.effective_date, change.payload
    if day < e.start_date or (e.end_date is not None and day >= e.end_date):
        raise InvalidField("effective_date", f"{day} is outside the enrollment ({e.start_date} to {e.end_date or 'open'})")
    used = await _later_cycle_date(session, e.program_id)
    if used is not None and day <= max(used, e.start_date):
        raise Conflict(f"a cycle of this program was committed from the basis on {used}; a change never rewrites a "
                       f"past cycle: give an effective date after {max(used, e.start_date)}", field="effective_date")
    latest = await session.scalar(select(func.max(BasisLine.valid_from)).where(BasisLine.enrollment_id == e.id))
    if latest is not None and day < latest:
        raise Conflict(f"the enrollment already has a change from {latest}; enter this one from {latest} or later",
                       field="effective_date")
    current = await lines_on(session, e.id, day)
    action = ChangeAction(change.action)
    if action == A.END:
        if write:
            for line in current:
                line.valid_until = day
            e.end_date = day
        return
    kind = {A.ADD_PERSON: BasisKind.PERSON, A.REMOVE_PERSON: BasisKind.PERSON, A.SET_MONTHS: BasisKind.MONTHS}.get(
        action, BasisKind.PARCEL)
    key: str = (p.get("person_hash") if kind == BasisKind.PERSON else p.get("parcel_code")) or ""
    held = next((l for l in current if l.kind == kind and (kind == BasisKind.MONTHS or l.key == key)), None)
    if action in (A.ADD_PARCEL, A.ADD_PERSON):
        await _check_addition(session, action, e, key, day, held)
    elif action != A.SET_MONTHS and held is None:
        what = f"parcel {key}" if kind == BasisKind.PARCEL else f"the person with ID ending {p.get('person_tail')}"
        raise InvalidField("parcel_code" if kind == BasisKind.PARCEL else "id_number",
                           f"{what} is not in this enrollment's basis on {day}")
    target = await _transfer_target(session, actor, e, p, day) if action == A.TRANSFER_PARCEL else None
    if not write:
        return
    if held is not None:
        held.valid_until = day
    new = _new_line(change, e, held, kind, key, day, target)
    if new is not None:
        session.add(new)
    await session.flush()


async def _check_addition(session: AsyncSession, action: ChangeAction, e: Enrollment, key: str, day: date,
                          held: BasisLine | None) -> None:
    if held is not None:
        raise Conflict("already in this enrollment's basis", field="parcel_code" if action == A.ADD_PARCEL else "id_number")
    if action == A.ADD_PARCEL:
        holder = await parcel_holder(session, e.program_id, key, day)
        if holder:
            raise clash(key, *holder, await session.get(Party, e.household_party_id))  # type: ignore[arg-type]


async def _transfer_target(session: AsyncSession, actor: Actor, e: Enrollment, p: dict[str, Any], day: date) -> Enrollment:
    target = await fetch_one(session, readable(actor).where(Enrollment.id == p["to_enrollment_id"]))
    if target is None or target.program_id != e.program_id or target.id == e.id:
        raise InvalidField("to_enrollment_id", f"{p['to_enrollment_id']} is not another enrollment of this program")
    if day < target.start_date or (target.end_date is not None and day >= target.end_date):
        raise InvalidField("to_enrollment_id", f"enrollment {target.id} is not in force on {day}")
    latest = await session.scalar(select(func.max(BasisLine.valid_from)).where(BasisLine.enrollment_id == target.id))
    if latest is not None and day < latest:
        raise Conflict(f"enrollment {target.id} already has a change from {latest}", field="effective_date")
    return target


def _new_line(change: ChangeRequest, e: Enrollment, held: BasisLine | None, kind: str, key: str, day: date,
              target: Enrollment | None) -> BasisLine | None:
    p, action = change.payload, ChangeAction(change.action)
    if action in (A.REMOVE_PARCEL, A.REMOVE_PERSON):
        return None
    owner = target or e
    line = BasisLine(enrollment_id=owner.id, program_id=e.program_id, kind=kind, key=key, valid_from=day,
                     change_request_id=change.id, evidence=p.get("evidence", held.evidence if held else ""))
    if kind == BasisKind.PARCEL:
        line.area_centimu = p.get("area_centimu", held.area_centimu if held else None)
        line.land_class = p.get("land_class", held.land_class if held else None)
        line.outline = p.get("outline", held.outline if held else None)
    elif kind == BasisKind.MONTHS:
        line.quantity = p["months"]
    return line


async def visible_change(session: AsyncSession, actor: Actor, change_id: int, lock: bool = False) -> ChangeRequest:
    found = await fetch_one(session, readable_changes(actor).where(ChangeRequest.id == change_id), lock=lock)
    if found is None:
        raise NotFound(f"change request {change_id} not found")
    return found


async def decide(session: AsyncSession, actor: Actor, change_id: int, approve: bool, reason: str | None = None) -> ChangeRequest:
    change = await visible_change(session, actor, change_id, lock=True)
    if not actor.in_county(change.county_code):
        raise NotFound(f"change request {change_id} not found")
    if change.status != ChangeStatus.PENDING:
        raise Conflict(f"change request {change.id} is {change.status}; only a pending one can be decided",
                       field="status", status=change.status)
    if change.entered_by == actor.user_id:
        raise Forbidden(FOUR_EYES, field="decided_by")
    if approve:  # after any cycle being committed for the program (it locks the program row too)
        await session.execute(select(Program.id).where(Program.id == change.program_id).with_for_update())
        enrollment = await visible_enrollment(session, actor, change.enrollment_id, lock=True)
        await apply(session, actor, change, enrollment, write=True)
    change.status = ChangeStatus.APPROVED if approve else ChangeStatus.REJECTED
    change.decided_by, change.decided_at, change.decision_reason = actor.user_id, utcnow(), reason
    await session.flush()
    return change


async def list_changes(session: AsyncSession, actor: Actor, *, limit: int, offset: int, status: str | None = None,
                       enrollment_id: int | None = None, program_id: int | None = None) -> list[ChangeRequest]:
    q = readable_changes(actor).order_by(ChangeRequest.id)
    for column, value in ((ChangeRequest.status, status), (ChangeRequest.enrollment_id, enrollment_id),
                          (ChangeRequest.program_id, program_id)):
        if value is not None:
            q = q.where(column == value)
    return list((await session.execute(q.limit(limit).offset(offset))).scalars())


def change_out(c: ChangeRequest) -> ChangeRequestOut:
    details = {k: v for k, v in c.payload.items() if k not in ("person_hash", "outline", "area_centimu")}
    if "area_centimu" in c.payload:
        details["area_mu"] = rules.format_area(c.payload["area_centimu"])
    if "outline" in c.payload:
        details["has_outline"] = True
    return ChangeRequestOut.model_validate(with_fields(c, details=details))
