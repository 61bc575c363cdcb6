"""The auditor's journal: entries with filters, and a drill-down from any entry to its postings, its
hash (checked again by the ledger's own verifier) and the entries around it in the chain."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.params import Parameter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.guards import requires
from service.auth.models import Role
from service.console.i18n import LABELS, lang_of
from service.console.pages.auditor import accounts_of
from service.console.pages.roles_common import user_names
from service.console.render import page
from service.ledger import service as ledger
from service.ledger.models import GENESIS_HASH, EntryStatus, JournalEntry
from service.ledger.verify import _check_entry
from service.pagination import Id

PAGE = 50
KINDS = ("funding", "payment", "stipend", "contribution", "disbursement", "fee", "distribution", "levy",
         "adjustment", "reversal")
Text = Annotated[str | None, Parameter(max_length=120, required=False)]
Offset = Annotated[int, Parameter(ge=0, le=10_000_000)]


async def read_filters(session: AsyncSession, shown: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The filter form's text (empty fields arrive as "") as list_entries' arguments, or errors by field."""
    out: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in ("date_from", "date_to"):
        try:
            out[name] = date.fromisoformat(shown[name]) if shown[name] else None
        except ValueError:
            errors[name] = "a date such as 2026-03-31"
    for name in ("sequence_from", "sequence_to"):
        ok = shown[name].isdigit() and len(shown[name]) <= 18
        out[name] = int(shown[name]) if ok else None
        if shown[name] and not ok:
            errors[name] = "a whole number"
    out["kind"] = shown["kind"] if shown["kind"] in KINDS else None
    out["status"] = shown["status"] if shown["status"] in ("pending", "posted", "voided") else None
    out["account_id"] = None
    if shown["account"]:
        found = await ledger.account_by_code(session, shown["account"])
        if found is None:
            errors["account"] = f"no account has the code {shown['account']!r}"
        else:
            out["account_id"] = found.id
    return out, errors


@get("/audit/journal", guards=[requires(Role.AUDITOR)])
async def journal(
    request: Request, session: AsyncSession, kind: Text = None, status: Text = None, date_from: Text = None,
    date_to: Text = None, sequence_from: Text = None, sequence_to: Text = None, account: Text = None,
    offset: Offset = 0,
) -> Response:
    given = dict(kind=kind, status=status, date_from=date_from, date_to=date_to, sequence_from=sequence_from,
                 sequence_to=sequence_to, account=account)
    shown = {k: (v or "").strip() for k, v in given.items()}
    filters, errors = await read_filters(session, shown)
    entries = [] if errors else await ledger.list_entries(session, limit=PAGE + 1, offset=offset, **filters)
    t = LABELS[lang_of(request)]
    return page(request, "auditor/journal.html", status=422 if errors else 200, title=t["au_journal"],
                entries=entries[:PAGE], more=len(entries) > PAGE, offset=offset, page_size=PAGE, values=shown,
                errors=errors, kinds=KINDS, query={k: v for k, v in shown.items() if v}, names=await user_names(
                    session, [u for e in entries for u in (e.entered_by, e.approved_by)]))


async def _predecessor_hash(session: AsyncSession, entry: JournalEntry) -> str:
    if not entry.sequence or entry.sequence == 1:
        return GENESIS_HASH
    found = await session.scalar(select(JournalEntry.hash).where(JournalEntry.sequence == entry.sequence - 1))
    return found or ""


async def _around(session: AsyncSession, entry: JournalEntry, reach: int = 3) -> list[JournalEntry]:
    """Neighbours in the chain by sequence; an entry outside the chain (pending, voided) by id."""
    if entry.sequence:
        q = select(JournalEntry).where(JournalEntry.sequence.between(entry.sequence - reach, entry.sequence + reach))
        q = q.order_by(JournalEntry.sequence)
    else:
        q = (select(JournalEntry).where(JournalEntry.id.between(entry.id - reach, entry.id + reach))
             .order_by(JournalEntry.id))
    return list((await session.execute(q)).scalars())


@get("/audit/journal/{entry_id:int}", guards=[requires(Role.AUDITOR)])
async def entry(request: Request, session: AsyncSession, entry_id: Id) -> Response:
    e = await ledger.get_entry(session, entry_id)
    postings = [(p.account_id, p.currency, p.amount) for p in e.postings]
    broken = None
    if e.status == EntryStatus.POSTED and e.sequence:
        found = _check_entry(e, postings, e.sequence, await _predecessor_hash(session, e))
        broken = found.reason if found else None
    reversed_by = await session.scalar(select(JournalEntry.id).where(JournalEntry.reversal_of_id == e.id))
    t = LABELS[lang_of(request)]
    return page(request, "auditor/entry.html", title=t["au_entry_title"].format(id=e.id), e=e, broken=broken,
                accounts=await accounts_of(session, [e]), around=await _around(session, e), reversed_by=reversed_by,
                names=await user_names(session, [e.entered_by, e.approved_by, e.voided_by]))


routes: list[Any] = [journal, entry]
