"""HTTP routes of the compensation domain: programs, payments, batches, bank files, reconciliations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, get, post
from litestar.connection import ASGIConnection
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.exceptions import PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import Body
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.actor import Actor
from service.auth.guards import READERS, requires
from service.auth.models import Role
from service.compensation import batches, funding, reconcile
from service.compensation import repository as repo
from service.compensation import service as comp
from service.compensation.models import (
    FundingKind,
    FundingStatus,
    PaymentBatch,
    PaymentStatus,
    Reconciliation,
)
from service.compensation.schemas import (
    BatchOut,
    BatchReport,
    BudgetReceiptIn,
    BudgetSourceIn,
    BudgetSourceOut,
    BulkPaidOut,
    FundingIn,
    FundingOut,
    MarkPaidIn,
    PaymentIn,
    PaymentOut,
    ProgramIn,
    ProgramOut,
    ReasonIn,
    ReconciliationOut,
)
from service.compensation.sheets import MAX_FILE_BYTES
from service.db import fetch_one
from service.documents import documents
from service.errors import NotFound, TooLarge
from service.ledger.models import Account
from service.pagination import Id, Limit, Offset, OptionalId, Page
from service.schemas import with_fields
from service.writes import perform

OFFICIALS = (Role.OFFICIAL, Role.APPROVER)
COUNTY_READERS = (Role.OFFICIAL, Role.APPROVER, Role.AUDITOR)
FOUR_EYES = ("four-eyes rule: approving or rejecting money needs a second official with the approver role, "
             "never the one who entered it; ask an approver of your county to do it")


def approvers():
    """`requires(Role.APPROVER)`, telling whoever else tries what to do rather than which roles exist."""
    check = requires(Role.APPROVER)

    async def guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
        try:
            await check(connection, handler)
        except PermissionDeniedException:
            raise PermissionDeniedException(FOUR_EYES) from None

    guard.roles = check.roles  # type: ignore[attr-defined]  # read by the access-control tests
    return guard


EXPORT_TYPES = ("text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


ExportOperation = documents(*EXPORT_TYPES)
Multipart = Body(media_type=RequestEncodingType.MULTI_PART)


@dataclass
class BatchUpload:
    file: UploadFile
    program_id: int
    period: str
    effective_date: date | None = None


@dataclass
class FileUpload:
    file: UploadFile
    program_id: int | None = None


async def _read(upload: UploadFile) -> tuple[str, bytes]:
    content = await upload.read(MAX_FILE_BYTES + 1)
    if len(content) > MAX_FILE_BYTES:
        raise TooLarge(f"the file is larger than {MAX_FILE_BYTES} bytes", field="file")
    return (upload.filename or "upload")[:255], content


class ProgramController(Controller):
    path = "/api/v1/programs"
    tags = ["compensation"]

    @post("/", guards=[requires(Role.OFFICIAL)], status_code=201)
    async def create_program(self, request: Request, data: ProgramIn) -> Response[ProgramOut]:
        """Register a compensation program with its rate rule; a program fund account is opened for it."""

        async def op(session: AsyncSession, actor: Actor) -> ProgramOut:
            return await comp.program_out(session, await comp.create_program(session, actor, data))

        return await perform(request, data, op)

    @get("/", guards=[requires(*READERS)])
    async def list_programs(self, session: AsyncSession, actor: Actor, county_code: str | None = None,
                            limit: Limit = 100, offset: Offset = 0) -> Page[ProgramOut]:
        """Compensation programs in the caller's county (all for auditors and admins)."""
        programs = await comp.list_programs(session, actor, county_code, limit, offset)
        return Page(items=[await comp.program_out(session, p) for p in programs], limit=limit, offset=offset)

    @get("/{program_id:int}", guards=[requires(*READERS)])
    async def get_program(self, session: AsyncSession, actor: Actor, program_id: Id) -> ProgramOut:
        """One program with its rule, its fund account and balance."""
        return await comp.program_out(session, await comp.visible_program(session, actor, program_id))

    @post("/{program_id:int}/funding", guards=[requires(Role.OFFICIAL)], status_code=201)
    async def fund_program(self, request: Request, program_id: Id, data: FundingIn) -> Response[FundingOut]:
        """Enter a funding of the program from a county fund: pending (the money is reserved at the source,
        the program gets nothing yet) until a second official approves it (`POST /fundings/{id}/approve`)."""

        async def op(session: AsyncSession, actor: Actor) -> FundingOut:
            program = await comp.visible_program(session, actor, program_id)
            return await funding.funding_out(session, await funding.fund_program(session, actor, program, data))

        return await perform(request, data, op)


class FundingController(Controller):
    path = "/api/v1/fundings"
    tags = ["compensation"]

    @get("/", guards=[requires(*COUNTY_READERS)])
    async def list_fundings(
        self, session: AsyncSession, actor: Actor, status: FundingStatus | None = None,
        kind: FundingKind | None = None, program_id: OptionalId = None, county_code: str | None = None,
        limit: Limit = 100, offset: Offset = 0,
    ) -> Page[FundingOut]:
        """Program fundings and county budget receipts (`?status=pending`: what awaits approval)."""
        rows = await funding.list_fundings(session, actor, limit=limit, offset=offset, status=status, kind=kind,
                                           program_id=program_id, county_code=county_code)
        return Page(items=[await funding.funding_out(session, f) for f in rows], limit=limit, offset=offset)

    @get("/{funding_id:int}", guards=[requires(*COUNTY_READERS)])
    async def get_funding(self, session: AsyncSession, actor: Actor, funding_id: Id) -> FundingOut:
        return await funding.funding_out(session, await funding.visible(session, actor, funding_id))

    @post("/{funding_id:int}/approve", guards=[approvers()], status_code=200)
    async def approve(self, request: Request, funding_id: Id) -> Response[FundingOut]:
        """Post the pending funding entry. The official who entered it cannot approve it."""

        async def op(session: AsyncSession, actor: Actor) -> FundingOut:
            return await funding.funding_out(session, await funding.approve(session, actor, funding_id))

        return await perform(request, None, op, status_code=200)

    @post("/{funding_id:int}/reject", guards=[approvers()], status_code=200)
    async def reject(self, request: Request, funding_id: Id, data: ReasonIn) -> Response[FundingOut]:
        """Void the pending funding entry with a reason; the source's reservation is released."""

        async def op(session: AsyncSession, actor: Actor) -> FundingOut:
            return await funding.funding_out(session, await funding.reject(session, actor, funding_id, data.reason))

        return await perform(request, data, op, status_code=200)


class BudgetController(Controller):
    path = "/api/v1"
    tags = ["compensation"]

    @post("/budget-sources", guards=[requires()], status_code=201)
    async def register_source(self, request: Request, data: BudgetSourceIn) -> Response[BudgetSourceOut]:
        """Register a province's budget source account, once (admin): the province's counties then
        record their budget receipts from it themselves."""

        async def op(session: AsyncSession, actor: Actor) -> BudgetSourceOut:
            source = await funding.register_source(session, actor, data)
            account = await session.get_one(Account, source.account_id)
            return BudgetSourceOut.model_validate(with_fields(source, account_code=account.code, account_name=account.name))

        return await perform(request, data, op)

    @get("/budget-sources", guards=[requires(*COUNTY_READERS)])
    async def list_sources(self, session: AsyncSession, limit: Limit = 100, offset: Offset = 0) -> Page[BudgetSourceOut]:
        return Page(items=await funding.list_sources(session, limit, offset), limit=limit, offset=offset)

    @post("/budget-receipts", guards=[requires(Role.OFFICIAL)], status_code=201)
    async def receive_budget(self, request: Request, data: BudgetReceiptIn) -> Response[FundingOut]:
        """Enter the county's budget receipt from its province's budget source into a county fund: pending
        until a second official approves it (`POST /fundings/{id}/approve`)."""

        async def op(session: AsyncSession, actor: Actor) -> FundingOut:
            return await funding.funding_out(session, await funding.receive_budget(session, actor, data))

        return await perform(request, data, op)


class PaymentController(Controller):
    path = "/api/v1/payments"
    tags = ["compensation"]

    @post("/", guards=[requires(Role.OFFICIAL)], status_code=201)
    async def create_payment(self, request: Request, data: PaymentIn) -> Response[PaymentOut]:
        """Enter a payment: the amount comes from the program's rule (or is checked against it) and a
        pending ledger entry reserves it in the program fund."""

        async def op(session: AsyncSession, actor: Actor) -> PaymentOut:
            return await comp.enter_payment(session, actor, data)

        return await perform(request, data, op, together=comp.enter_payments)

    @get("/", guards=[requires(*READERS, Role.COMMUNITY)])
    async def list_payments(
        self, session: AsyncSession, actor: Actor, program_id: OptionalId = None, status: PaymentStatus | None = None,
        period: str | None = None, payee_party_id: OptionalId = None, batch_id: OptionalId = None,
        county_code: str | None = None, limit: Limit = 100, offset: Offset = 0,
    ) -> Page[PaymentOut]:
        """Payments in the caller's scope, filtered by program, status, period, payee, batch or county."""
        rows = await comp.list_payments(session, actor, limit=limit, offset=offset, program_id=program_id,
                                        status=status, period=period, payee_party_id=payee_party_id,
                                        batch_id=batch_id, county_code=county_code)
        return Page(items=[comp.payment_out(p) for p in rows], limit=limit, offset=offset)

    @get("/{payment_id:int}", guards=[requires(*READERS, Role.COMMUNITY)])
    async def get_payment(self, session: AsyncSession, actor: Actor, payment_id: Id) -> PaymentOut:
        """One payment with its full trail of transitions (who, when, what)."""
        return await comp.payment_with_events(session, await comp.visible_payment(session, actor, payment_id))

    async def _transition(self, request: Request, data, action, **together: Any) -> Response[PaymentOut]:
        async def op(session: AsyncSession, actor: Actor) -> PaymentOut:
            return await comp.payment_with_events(session, await action(session, actor))

        return await perform(request, data, op, status_code=200, **together)

    @post("/{payment_id:int}/approve", guards=[approvers()], status_code=200)
    async def approve(self, request: Request, payment_id: Id) -> Response[PaymentOut]:
        """Post the pending entry. The official who entered the payment cannot approve it."""
        return await self._transition(request, None, lambda s, a: comp.approve(s, a, payment_id),
                                      together=comp.approve_payments, item=payment_id)

    @post("/{payment_id:int}/reject", guards=[approvers()], status_code=200)
    async def reject(self, request: Request, payment_id: Id, data: ReasonIn) -> Response[PaymentOut]:
        """Void the pending entry with a reason; the reservation is released."""
        return await self._transition(request, data, lambda s, a: comp.reject(s, a, payment_id, data.reason))

    @post("/{payment_id:int}/mark-paid", guards=[requires(*OFFICIALS)], status_code=200)
    async def mark_paid(self, request: Request, payment_id: Id, data: MarkPaidIn) -> Response[PaymentOut]:
        """Record the bank transfer (reference and date) of an approved payment."""
        return await self._transition(request, data, lambda s, a: comp.mark_paid(s, a, payment_id, data))

    @post("/{payment_id:int}/reverse", guards=[requires(*OFFICIALS)], status_code=200)
    async def reverse(self, request: Request, payment_id: Id, data: ReasonIn) -> Response[PaymentOut]:
        """Correct an approved or paid payment with a reversal entry; the payee may then be paid again."""
        return await self._transition(request, data, lambda s, a: comp.reverse(s, a, payment_id, data.reason))

    @post("/mark-paid", guards=[requires(*OFFICIALS)], status_code=200)
    async def mark_paid_from_file(
        self, request: Request, data: Annotated[FileUpload, Multipart]
    ) -> Response[BulkPaidOut]:
        """Mark approved payments paid from the bank's confirmation file (payment_ref, reference, date,
        amount). All rows or none."""
        filename, content = await _read(data.file)

        async def op(session: AsyncSession, actor: Actor) -> BulkPaidOut:
            ids, encoding = await batches.mark_paid_from_file(session, actor, filename, content)
            return BulkPaidOut(marked_paid=len(ids), payment_ids=ids, encoding=encoding)

        return await perform(request, _file_print(filename, content), op, status_code=200)

    @get("/export", guards=[requires(*READERS)], operation_class=ExportOperation)
    async def export(
        self, session: AsyncSession, actor: Actor, format: Literal["csv", "xlsx"] = "csv",
        program_id: OptionalId = None, status: PaymentStatus | None = None, period: str | None = None,
        batch_id: OptionalId = None,
    ) -> Response[bytes]:
        """Payments for the bank as CSV (UTF-8) or XLSX; formula-looking cells are neutralised."""
        content, media_type = await batches.export(session, actor, format, program_id=program_id, status=status,
                                                   period=period, batch_id=batch_id)
        return Response(content=content, media_type=media_type, headers={
            "Content-Disposition": f'attachment; filename="payments.{format}"'})


def _file_print(filename: str, content: bytes, **fields) -> dict:
    import hashlib

    return {"filename": filename, "sha256": hashlib.sha256(content).hexdigest(), **fields}


class BatchController(Controller):
    path = "/api/v1/payments/batches"
    tags = ["compensation"]

    @post("/", guards=[requires(Role.OFFICIAL)], status_code=201)
    async def upload(
        self, request: Request, data: Annotated[BatchUpload, Multipart], dry_run: bool = False,
        lines: bool | None = None,
    ) -> Response[BatchReport]:
        """Upload a CSV or XLSX of payments. `?dry_run=true` returns the row-by-row report and writes
        nothing; otherwise the whole file is committed (pending entries) or, if any row is wrong, nothing."""
        filename, content = await _read(data.file)
        if dry_run:
            async with request.app.state.db.reading() as session:
                checked = await batches.check(session, request.user, data.program_id, data.period, filename, content)
                rep = batches.report(checked, dry_run=True, with_lines=lines)
            return Response(content=rep, status_code=200)

        async def op(session: AsyncSession, actor: Actor) -> BatchReport:
            checked = await batches.check(session, actor, data.program_id, data.period, filename, content)
            rep = await batches.commit(session, actor, checked, data.effective_date)
            return rep if lines is not False else rep.model_copy(update={"lines": None})

        fields = dict(program_id=data.program_id, period=data.period, effective_date=str(data.effective_date))
        return await perform(request, _file_print(filename, content, **fields), op)

    @post("/dry-run", guards=[requires(Role.OFFICIAL)], status_code=200)
    async def dry_run(self, request: Request, data: Annotated[BatchUpload, Multipart],
                      lines: bool | None = None) -> BatchReport:
        """The same as `POST /payments/batches?dry_run=true`."""
        filename, content = await _read(data.file)
        async with request.app.state.db.reading() as session:
            checked = await batches.check(session, request.user, data.program_id, data.period, filename, content)
            return batches.report(checked, dry_run=True, with_lines=lines)

    @get("/", guards=[requires(*READERS)])
    async def list_batches(self, session: AsyncSession, actor: Actor, program_id: OptionalId = None,
                           limit: Limit = 100, offset: Offset = 0) -> Page[BatchOut]:
        """Uploaded payment batches in the caller's county, optionally of one program."""
        q = repo.readable_batches(actor).order_by(PaymentBatch.id)
        if program_id is not None:
            q = q.where(PaymentBatch.program_id == program_id)
        rows = (await session.execute(q.limit(limit).offset(offset))).scalars()
        return Page(items=[await batches.batch_out(session, b) for b in rows], limit=limit, offset=offset)

    @get("/{batch_id:int}", guards=[requires(*READERS)])
    async def get_batch(self, session: AsyncSession, actor: Actor, batch_id: Id) -> BatchOut:
        """One batch: its rows' total and how many payments are in each status."""
        return await batches.batch_out(session, await batches.visible_batch(session, actor, batch_id))

    @post("/{batch_id:int}/approve", guards=[approvers()], status_code=200)
    async def approve(self, request: Request, batch_id: Id) -> Response[BatchOut]:
        """Approve every pending payment of the batch at once (not by the official who uploaded it)."""

        async def op(session: AsyncSession, actor: Actor) -> BatchOut:
            return await batches.batch_out(session, await batches.approve_batch(session, actor, batch_id))

        return await perform(request, None, op, status_code=200)


class ReconciliationController(Controller):
    path = "/api/v1/reconciliations"
    tags = ["compensation"]

    @post("/", guards=[requires(*OFFICIALS)], status_code=201)
    async def create(self, request: Request, data: Annotated[FileUpload, Multipart]) -> Response[ReconciliationOut]:
        """Import a bank statement CSV/XLSX (reference, date, amount) and match it to paid payments."""
        filename, content = await _read(data.file)

        async def op(session: AsyncSession, actor: Actor) -> ReconciliationOut:
            if data.program_id is not None:
                await comp.visible_program(session, actor, data.program_id)
            return reconcile.run_out(await reconcile.run(session, actor, filename, content, data.program_id))

        return await perform(request, _file_print(filename, content, program_id=data.program_id), op)

    @get("/", guards=[requires(*READERS)])
    async def list_runs(self, session: AsyncSession, actor: Actor, limit: Limit = 100,
                        offset: Offset = 0) -> Page[ReconciliationOut]:
        """Bank-statement reconciliation runs of the caller's county (without their row reports)."""
        q = repo.readable_reconciliations(actor).order_by(Reconciliation.id)
        rows = (await session.execute(q.limit(limit).offset(offset))).scalars()
        return Page(items=[reconcile.run_out(r, with_report=False) for r in rows],
                    limit=limit, offset=offset)

    @get("/{run_id:int}", guards=[requires(*READERS)])
    async def get_run(self, session: AsyncSession, actor: Actor, run_id: Id) -> ReconciliationOut:
        """One reconciliation run with its row-by-row report."""
        run = await fetch_one(session, repo.readable_reconciliations(actor).where(Reconciliation.id == run_id))
        if run is None:
            raise NotFound(f"reconciliation {run_id} not found")
        return reconcile.run_out(run)


routes = [ProgramController, FundingController, BudgetController, BatchController, PaymentController,
          ReconciliationController]
