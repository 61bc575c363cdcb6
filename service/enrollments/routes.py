"""HTTP routes of enrollments, change requests and payment cycles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.actor import Actor
from service.auth.guards import requires
from service.auth.models import Role
from service.compensation.routes import Multipart, _file_print, _read, approvers
from service.compensation.schemas import ReasonIn
from service.db import fetch_one
from service.enrollments import cycles, imports
from service.enrollments import service as enr
from service.enrollments.models import ChangeStatus, Cycle
from service.enrollments.repository import readable_cycles
from service.enrollments.schemas import (
    ChangeRequestIn,
    ChangeRequestOut,
    CycleIn,
    CycleOut,
    CycleReport,
    EnrollmentIn,
    EnrollmentOut,
    ImportReport,
)
from service.errors import NotFound
from service.pagination import Id, Limit, Offset, OptionalId, Page
from service.writes import perform

COUNTY_READERS = (Role.OFFICIAL, Role.APPROVER, Role.AUDITOR)


@dataclass
class RegisterUpload:
    file: UploadFile
    program_id: int


class EnrollmentController(Controller):
    path = "/api/v1/enrollments"
    tags = ["enrollments"]

    @post("/", guards=[requires(Role.OFFICIAL)], status_code=201)
    async def create(self, request: Request, data: EnrollmentIn) -> Response[EnrollmentOut]:
        """Enroll a household in a program from a date with its basis: parcels, persons or months. A parcel
        already enrolled in the program is refused, naming both households (to the official only)."""
        secret = request.app.state.settings.secret

        async def op(session: AsyncSession, actor: Actor) -> EnrollmentOut:
            return await enr.enrollment_out(session, await enr.create_enrollment(session, actor, data, secret))

        return await perform(request, data, op)

    @get("/", guards=[requires(*COUNTY_READERS)])
    async def list_enrollments(self, session: AsyncSession, actor: Actor, program_id: OptionalId = None,
                               household_party_id: OptionalId = None, limit: Limit = 100,
                               offset: Offset = 0) -> Page[EnrollmentOut]:
        """Enrollments in the caller's county with their basis today."""
        rows = await enr.list_enrollments(session, actor, limit=limit, offset=offset, program_id=program_id,
                                          household_party_id=household_party_id)
        return Page(items=[await enr.enrollment_out(session, e) for e in rows], limit=limit, offset=offset)

    @get("/{enrollment_id:int}", guards=[requires(*COUNTY_READERS)])
    async def get_enrollment(self, session: AsyncSession, actor: Actor, enrollment_id: Id) -> EnrollmentOut:
        """One enrollment: its basis today and its full history (every line with its dates)."""
        return await enr.enrollment_out(session, await enr.visible_enrollment(session, actor, enrollment_id), history=True)

    @post("/import", guards=[requires(Role.OFFICIAL)], status_code=201)
    async def import_register(self, request: Request, data: Annotated[RegisterUpload, Multipart],
                              dry_run: bool = False) -> Response[ImportReport]:
        """Import enrollments and parcels from the county's register (CSV or XLSX, one row per parcel).
        `?dry_run=true` checks every row and writes nothing; otherwise all rows or none."""
        filename, content = await _read(data.file)
        secret = request.app.state.settings.secret
        if dry_run:
            async with request.app.state.db.reading() as session:
                rep = await imports.run(session, request.user, data.program_id, filename, content, secret, dry_run=True)
            return Response(content=rep, status_code=200)

        async def op(session: AsyncSession, actor: Actor) -> ImportReport:
            return await imports.run(session, actor, data.program_id, filename, content, secret, dry_run=False)

        return await perform(request, _file_print(filename, content, program_id=data.program_id), op)


class ChangeRequestController(Controller):
    path = "/api/v1/change-requests"
    tags = ["enrollments"]

    @post("/", guards=[requires(Role.OFFICIAL)], status_code=201)
    async def enter(self, request: Request, data: ChangeRequestIn) -> Response[ChangeRequestOut]:
        """Enter a change of basis with its effective date; it takes effect when a second official approves it."""
        secret = request.app.state.settings.secret

        async def op(session: AsyncSession, actor: Actor) -> ChangeRequestOut:
            return enr.change_out(await enr.enter_change(session, actor, data, secret))

        return await perform(request, data, op)

    @get("/", guards=[requires(*COUNTY_READERS)])
    async def list_changes(self, session: AsyncSession, actor: Actor, status: ChangeStatus | None = None,
                           enrollment_id: OptionalId = None, program_id: OptionalId = None, limit: Limit = 100,
                           offset: Offset = 0) -> Page[ChangeRequestOut]:
        """Change requests in the caller's county, newest last."""
        rows = await enr.list_changes(session, actor, limit=limit, offset=offset, status=status,
                                      enrollment_id=enrollment_id, program_id=program_id)
        return Page(items=[enr.change_out(c) for c in rows], limit=limit, offset=offset)

    @get("/{change_id:int}", guards=[requires(*COUNTY_READERS)])
    async def get_change(self, session: AsyncSession, actor: Actor, change_id: Id) -> ChangeRequestOut:
        """One change request and its decision."""
        return enr.change_out(await enr.visible_change(session, actor, change_id))

    @post("/{change_id:int}/approve", guards=[approvers()], status_code=200)
    async def approve(self, request: Request, change_id: Id) -> Response[ChangeRequestOut]:
        """Approve (not by the official who entered it): the basis changes from the effective date."""

        async def op(session: AsyncSession, actor: Actor) -> ChangeRequestOut:
            return enr.change_out(await enr.decide(session, actor, change_id, approve=True))

        return await perform(request, None, op, status_code=200)

    @post("/{change_id:int}/reject", guards=[approvers()], status_code=200)
    async def reject(self, request: Request, change_id: Id, data: ReasonIn) -> Response[ChangeRequestOut]:
        """Reject with a reason: the basis stays as it is."""

        async def op(session: AsyncSession, actor: Actor) -> ChangeRequestOut:
            return enr.change_out(await enr.decide(session, actor, change_id, approve=False, reason=data.reason))

        return await perform(request, data, op, status_code=200)


class CycleController(Controller):
    path = "/api/v1/cycles"
    tags = ["enrollments"]

    @post("/dry-run", guards=[requires(Role.OFFICIAL, Role.APPROVER)], status_code=200)
    async def dry_run(self, request: Request, data: CycleIn, lines: bool | None = None) -> CycleReport:
        """Every enrolled household's entitlement for the period from the basis in force and the program's
        rule, the exceptions, and the total against the fund's available money. Writes nothing."""
        async with request.app.state.db.reading() as session:
            return await cycles.dry_run(session, request.user, data, with_lines=lines)

    @post("/", guards=[requires(Role.OFFICIAL)], status_code=201)
    async def commit(self, request: Request, data: CycleIn, lines: bool = False) -> Response[CycleReport]:
        """Commit the period's payments as one batch (pending, reserving the fund), once per program and
        period; it then goes through `POST /payments/batches/{batch_id}/approve`, the bank export and mark-paid."""

        async def op(session: AsyncSession, actor: Actor) -> CycleReport:
            return await cycles.commit(session, actor, data, with_lines=lines)

        return await perform(request, data, op)

    @get("/", guards=[requires(*COUNTY_READERS)])
    async def list_cycles(self, session: AsyncSession, actor: Actor, program_id: OptionalId = None,
                          limit: Limit = 100, offset: Offset = 0) -> Page[CycleOut]:
        """Committed cycles in the caller's county."""
        q = readable_cycles(actor).order_by(Cycle.id)
        if program_id is not None:
            q = q.where(Cycle.program_id == program_id)
        rows = (await session.execute(q.limit(limit).offset(offset))).scalars()
        return Page(items=[cycles.cycle_out(c) for c in rows], limit=limit, offset=offset)

    @get("/{cycle_id:int}", guards=[requires(*COUNTY_READERS)])
    async def get_cycle(self, session: AsyncSession, actor: Actor, cycle_id: Id) -> CycleOut:
        """One committed cycle and its batch."""
        found = await fetch_one(session, readable_cycles(actor).where(Cycle.id == cycle_id))
        if found is None:
            raise NotFound(f"cycle {cycle_id} not found")
        return cycles.cycle_out(found)


routes = [EnrollmentController, ChangeRequestController, CycleController]
