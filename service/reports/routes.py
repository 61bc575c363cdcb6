"""Reports API: audit (auditors), transparency (public), benefit statements, exports."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from litestar import Controller, Request, Response, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.actor import Actor
from service.auth.guards import PUBLIC, requires
from service.auth.models import Role
from service.documents import documents
from service.errors import NotFound
from service.pagination import MAX_ID, Id
from service.parties.models import Party
from service.reports import exports, formats, opendata
from service.reports import service as reports
from service.pages.i18n import choose
from service.ratelimit import RATE_LIMITED
from service.reports.html import statement_html
from service.reports.replica import lag_headers, provide_report_session
from service.roots import proofs

JSON_OR_FILES = documents(*formats.MEDIA.values())
FILES = documents(formats.MEDIA["parquet"])
PeriodFilter = Parameter(default=None, pattern=r"^[0-9]{4}(-(0[1-9]|1[0-2]))?$", description="a year (2026) or a month (2026-03)")
AsOf = Parameter(ge=0, le=MAX_ID, description="compute the report as it was at this ledger sequence number",
                 required=False)


# Reports, statements and exports read from the reports database (a replica when configured).
REPORT_READS = {"session": Provide(provide_report_session)}


def _response(body: bytes, fmt: str, doc_as_of: dict[str, Any], filename: str,
              lag: dict[str, str] | None = None) -> Response[bytes]:
    headers = {"X-Ledger-Sequence": str(doc_as_of["sequence"]), "X-Ledger-Hash": doc_as_of["hash"], **(lag or {})}
    if fmt not in ("json", "html"):
        headers["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    # Litestar appends "; charset=utf-8" to text/* types itself: pass the bare type, or it says it twice.
    return Response(content=body, media_type=formats.MEDIA[fmt].split(";")[0], headers=headers)


class ReportController(Controller):
    path = "/api/v1/reports"
    tags = ["reports"]
    dependencies = REPORT_READS

    @get("/transparency", opt=PUBLIC, operation_class=JSON_OR_FILES)
    async def transparency(
        self, request: Request, session: AsyncSession, state: State,
        format: Literal["json", "csv", "parquet", "xlsx", "html"] = "json",
        as_of_sequence: int | None = AsOf, county: str | None = None, program: str | None = None,
        trust: str | None = None, period: str | None = PeriodFilter, lang: str | None = None,
    ) -> Response[bytes]:
        """Public: money in and out per county, program, trust and period; small cells suppressed."""
        doc = await reports.transparency(
            session, k=state.settings.k_anonymity, as_of_sequence=as_of_sequence, county=county, program=program,
            trust=trust, period=period,
        )
        body = exports.render_transparency(doc, format, choose(lang, request.headers.get("accept-language")))
        return _response(body, format, doc["as_of"], f"transparency-{doc['as_of']['sequence']}",
                         await lag_headers(state, session))

    @get("/audit", guards=[requires(Role.AUDITOR)], operation_class=JSON_OR_FILES)
    async def audit(
        self, session: AsyncSession, state: State, format: Literal["json", "xlsx"] = "json",
        as_of_sequence: int | None = AsOf, as_of_date: date | None = None,
        flows_by: Literal["program", "county", "trust", "period"] = "program",
    ) -> Response[bytes]:
        """Trial balance, flows, reconciliation, anomaly findings and the chain check, at one point."""
        doc = await reports.audit(session, as_of_sequence=as_of_sequence, as_of_date=as_of_date, flows_by=flows_by)
        return _response(exports.render_audit(doc, format), format, doc["as_of"], f"audit-{doc['as_of']['sequence']}",
                         await lag_headers(state, session))

    @get("/audit/trial-balance", guards=[requires(Role.AUDITOR)])
    async def trial_balance(
        self, session: AsyncSession, as_of_sequence: int | None = AsOf, as_of_date: date | None = None,
    ) -> dict[str, Any]:
        """The trial balance: every account's posted total, debits equal to credits."""
        doc = await reports.audit(session, as_of_sequence=as_of_sequence, as_of_date=as_of_date)
        return {"as_of": doc["as_of"], "as_of_date": doc["as_of_date"], **doc["trial_balance"]}

    @get("/audit/flows", guards=[requires(Role.AUDITOR)])
    async def flows(
        self, session: AsyncSession, by: Literal["program", "county", "trust", "period"] = "program",
        as_of_sequence: int | None = AsOf,
    ) -> dict[str, Any]:
        """Nodes and links (source account -> destination) ready for a Sankey picture."""
        doc = await reports.audit(session, as_of_sequence=as_of_sequence, flows_by=by)
        return {"as_of": doc["as_of"], **doc["flows"]}

    @get("/audit/reconciliation", guards=[requires(Role.AUDITOR)])
    async def reconciliation(self, session: AsyncSession, as_of_sequence: int | None = AsOf) -> dict[str, Any]:
        """Payments by reconciliation status (matched with the bank statement or not)."""
        doc = await reports.audit(session, as_of_sequence=as_of_sequence)
        return {"as_of": doc["as_of"], "statuses": doc["reconciliation"]}

    @get("/audit/anomalies", guards=[requires(Role.AUDITOR)])
    async def anomalies(self, session: AsyncSession, as_of_sequence: int | None = AsOf) -> dict[str, Any]:
        """Anomaly findings (duplicate payments, amounts above the rule, outside the area or period,
        self-approval and more) and the chain check."""
        doc = await reports.audit(session, as_of_sequence=as_of_sequence)
        return {"as_of": doc["as_of"], **doc["anomalies"], "chain": doc["chain"]}

    @get("/journal", guards=[requires(Role.AUDITOR)], operation_class=FILES)
    async def journal_export(self, session: AsyncSession, state: State,
                             as_of_sequence: int | None = AsOf) -> Response[bytes]:
        """Parquet of every posted posting up to a point, enough to re-derive the transparency figures."""
        body, point = await exports.journal_parquet(session, as_of_sequence)
        return _response(body, "parquet", point, f"journal-{point['sequence']}", await lag_headers(state, session))

    @get("/open-data/360giving", guards=[requires(Role.AUDITOR)], operation_class=JSON_OR_FILES)
    async def giving(
        self, session: AsyncSession, state: State, format: Literal["json", "csv", "xlsx"] = "json",
        as_of_sequence: int | None = AsOf,
    ) -> Response[bytes]:
        """360Giving Data Standard package (grants to villages, organisations and pseudonymous households)."""
        package = await opendata.package(session, secret=state.settings.secret, as_of_sequence=as_of_sequence)
        body = opendata.render(package, format)
        return _response(body, format, package["x-shanshui"]["as_of"], "360giving", await lag_headers(state, session))


def can_read_statement(actor: Actor, party: Party) -> bool:
    if actor.reads_everything:
        return True
    if actor.role == Role.COMMUNITY:
        return party.id == actor.party_id
    if actor.role in (Role.OFFICIAL, Role.APPROVER):
        return party.county_code is not None and actor.in_county(party.county_code)
    return False


async def readable_party(session: AsyncSession, actor: Actor, party_id: int) -> Party:
    party = await session.get(Party, party_id)
    if party is None or not can_read_statement(actor, party):
        raise NotFound(f"party {party_id} not found")
    return party


class StatementController(Controller):
    path = "/api/v1/statements"
    tags = ["reports"]
    dependencies = REPORT_READS

    @get("/{party_id:int}", guards=[requires(Role.AUDITOR, Role.COMMUNITY, Role.OFFICIAL, Role.APPROVER)],
         operation_class=JSON_OR_FILES)
    async def statement(
        self, request: Request, session: AsyncSession, actor: Actor, state: State, party_id: Id,
        format: Literal["json", "csv", "html"] = "json", period: str | None = None,
        as_of_sequence: int | None = AsOf, lang: str | None = None,
    ) -> Response[bytes]:
        """Every credit to the party's benefits account, with the rule behind it and a running total."""
        party = await readable_party(session, actor, party_id)
        doc = await reports.statement(session, party, secret=state.settings.secret, period=period,
                                      as_of_sequence=as_of_sequence)
        if format != "csv":  # each line's leaf and inclusion proof (service/roots)
            doc = await proofs.attach(session, doc)
        if format == "html":
            body = statement_html(doc, choose(lang, request.headers.get("accept-language")))
        elif format == "csv":
            body = formats.to_csv(doc["lines"])
        else:
            body = formats.to_json(doc)
        return _response(body, format, doc["as_of"], f"statement-{party_id}-{doc['period'] or 'all'}",
                         await lag_headers(state, session))

    @get("/verify/{code:str}", opt={**PUBLIC, RATE_LIMITED: True})
    async def verify(self, request: Request, session: AsyncSession, state: State, code: str) -> dict[str, Any]:
        """Public: confirm a statement's totals from its verification code. Names nobody."""
        return await reports.verify_statement(session, code, state.settings.secret)


routes = [ReportController, StatementController]
