"""The auditor's pages (read-only): anomalies, each followed to the entries behind it; flows as a Sankey
picture; the trial balance; and the ledger check with the head it verified. Every figure comes from
the reports service at one ledger point, stated on the page."""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.params import Parameter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from service import money
from service.auth.guards import requires
from service.auth.models import Role
from service.console.i18n import LABELS, lang_of
from service.console.pages import auditor_labels  # noqa: F401  (registers the au_ labels)
from service.console.pages.roles_common import user_names
from service.console.pages.signin import START
from service.console.render import add_nav, page
from service.errors import NotFound
from service.ledger import service as ledger
from service.ledger.models import Account, JournalEntry
from service.ledger.verify import verify_ledger
from service.reports import charts
from service.reports import service as reports

AUDIT = "/console/audit"
for href, label in (("anomalies", "au_anomalies"), ("journal", "au_journal"), ("flows", "au_flows"),
                    ("trial-balance", "au_trial_balance"), ("verify", "au_verify"), ("downloads", "au_downloads")):
    add_nav(f"{AUDIT}/{href}", label, Role.AUDITOR)
START[Role.AUDITOR] = f"{AUDIT}/anomalies"
At = Annotated[int | None, Parameter(ge=0, le=2**62, required=False, description="a ledger sequence number")]
FlowsBy = Annotated[str, Parameter(pattern=r"^(program|county|trust|period)$")]


@get("/audit/anomalies", guards=[requires(Role.AUDITOR)])
async def anomalies(request: Request, session: AsyncSession, at: At = None) -> Response:
    doc = await reports.audit(session, as_of_sequence=at)
    return page(request, "auditor/anomalies.html", title=LABELS[lang_of(request)]["au_anomalies"], doc=doc,
                findings=list(enumerate(doc["anomalies"]["findings"], start=1)))


async def entries_at(session: AsyncSession, sequences: list[int]) -> list[JournalEntry]:
    if not sequences:
        return []
    q = (select(JournalEntry).where(JournalEntry.sequence.in_(sequences)).options(selectinload(JournalEntry.postings))
         .order_by(JournalEntry.sequence))
    return list((await session.execute(q)).scalars())


async def accounts_of(session: AsyncSession, entries: list[JournalEntry]) -> dict[int, Account]:
    ids = {p.account_id for e in entries for p in e.postings}
    if not ids:
        return {}
    return {a.id: a for a in (await session.execute(select(Account).where(Account.id.in_(ids)))).scalars()}


@get("/audit/anomalies/{number:int}", guards=[requires(Role.AUDITOR)])
async def finding(request: Request, session: AsyncSession, number: Annotated[int, Parameter(ge=1, le=10**6)],
                  at: At = None) -> Response:
    """One finding (numbered as listed at ledger point `at`) and the entries behind it."""
    doc = await reports.audit(session, as_of_sequence=at)
    found = doc["anomalies"]["findings"]
    if number > len(found):
        raise NotFound(f"finding {number} not found at ledger entry {doc['as_of']['sequence']}")
    item = found[number - 1]
    entries = await entries_at(session, [s for s in item["sequences"] if s])
    t = LABELS[lang_of(request)]
    return page(request, "auditor/finding.html", title=t["au_finding_title"].format(n=number), doc=doc, f=item,
                number=number, entries=entries, accounts=await accounts_of(session, entries),
                names=await user_names(session, [u for e in entries for u in (e.entered_by, e.approved_by)]))


def sankey_of(flows: dict[str, Any], title: str) -> str:
    """The flows summed over the dimension they were split by, drawn by the reports' own chart."""
    totals: dict[tuple[int, int], int] = defaultdict(int)
    for link in flows["links"]:
        totals[(link["source"], link["target"])] += money.parse(link["amount"])
    # the last column has about 24 characters of room in the chart; the table below names each node in full
    names = [n["name"] if len(n["name"]) <= 24 else n["name"][:23] + "…" for n in flows["nodes"]]
    return charts.sankey(names, [(s, d, v) for (s, d), v in sorted(totals.items()) if v > 0], title, width=900)


@get("/audit/flows", guards=[requires(Role.AUDITOR)])
async def flows(request: Request, session: AsyncSession, by: FlowsBy = "program", at: At = None) -> Response:
    doc = await reports.audit(session, as_of_sequence=at, flows_by=by)
    t = LABELS[lang_of(request)]
    return page(request, "auditor/flows.html", title=t["au_flows"], doc=doc, by=by,
                picture=sankey_of(doc["flows"], t["au_flows_picture"]), dimensions=list(reports.FLOW_DIMENSIONS))


@get("/audit/trial-balance", guards=[requires(Role.AUDITOR)])
async def trial_balance(request: Request, session: AsyncSession, at: At = None) -> Response:
    doc = await reports.audit(session, as_of_sequence=at)
    return page(request, "auditor/trial_balance.html", title=LABELS[lang_of(request)]["au_trial_balance"], doc=doc,
                tb=doc["trial_balance"])


@get("/audit/verify", guards=[requires(Role.AUDITOR)])
async def verify(request: Request, session: AsyncSession, run: bool = False) -> Response:
    """The button is a GET form: checking the chain writes nothing, so it needs no CSRF token."""
    report = await verify_ledger(session) if run else None  # first, so that PostgreSQL reads one snapshot
    sequence, head_hash = await ledger.head(session)
    return page(request, "auditor/verify.html", title=LABELS[lang_of(request)]["au_verify"], report=report,
                head={"sequence": sequence, "hash": head_hash})


routes: list[Any] = [anomalies, finding, flows, trial_balance, verify]
