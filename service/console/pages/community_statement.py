"""A household's statement as the household reads it: every line of the benefit statement (the reports
service's), each with its state — paid, on its way (approved and waiting for the bank, or waiting for
approval), or corrected — and a signed, expiring link that opens it from a printed QR code."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from typing import Any

import segno
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service import money
from service.compensation.models import Payment, PaymentStatus, Program
from service.errors import DomainError, NotFound
from service.ledger.models import JournalEntry
from service.parties.models import Party
from service.patrols.models import RunStatus, StipendLine, StipendRun
from service.reports import service as reports
from service.roots import proofs

PAID, ON_ITS_WAY, CORRECTED = "paid", "on_its_way", "corrected"


@dataclass
class Line:
    date: str
    kind: str
    description: str
    rule: str | None
    amount: str
    state: str
    note: str  # a label key
    note_args: dict[str, Any] = field(default_factory=dict)
    sequence: int | None = None
    running_total: str | None = None


@dataclass
class View:
    doc: dict[str, Any]
    lines: list[Line]
    waiting: list[Line]
    paid: str
    on_its_way: str


def _state(line: dict[str, Any], payment: Payment | None) -> tuple[str, str, dict[str, Any]]:
    if line["reversal"]:
        return CORRECTED, "cm_note_correction", {}
    if payment is None:
        return PAID, "cm_note_credited", {}
    if payment.status == PaymentStatus.PAID:
        return PAID, "cm_note_bank", {"date": payment.paid_on, "reference": payment.bank_reference or ""}
    if payment.status == PaymentStatus.REVERSED:
        return CORRECTED, "cm_note_reversed", {}
    return ON_ITS_WAY, "cm_note_approved", {}


async def _payments(session: AsyncSession, party_id: int) -> list[tuple[Payment, int | None]]:
    q = (select(Payment, JournalEntry.sequence).outerjoin(JournalEntry, JournalEntry.id == Payment.entry_id)
         .where(Payment.payee_party_id == party_id).order_by(Payment.id))
    return [(p, s) for p, s in (await session.execute(q)).all()]


async def _waiting(session: AsyncSession, party_id: int, payments: list[Payment], period: str | None) -> list[Line]:
    """Money entered for the household that an approver has not decided on yet (not in the ledger's chain)."""
    ids = {p.program_id for p in payments if p.status == PaymentStatus.PENDING}
    names = dict((await session.execute(select(Program.id, Program.name).where(Program.id.in_(ids))))
                 .all()) if ids else {}
    out = [Line(date="", kind="payment", description=names.get(p.program_id, ""), rule=p.rule,
                amount=money.format(p.amount, p.currency), state=ON_ITS_WAY, note="cm_note_waiting",
                note_args={"period": p.period})
           for p in payments if p.status == PaymentStatus.PENDING and (not period or p.period.startswith(period))]
    stipends = await session.execute(
        select(StipendLine).join(StipendRun, StipendRun.id == StipendLine.run_id)
        .where(StipendLine.member_party_id == party_id, StipendLine.live.is_(True),
               StipendRun.status == RunStatus.PENDING).order_by(StipendLine.id))
    out += [Line(date="", kind="stipend", description=s.period, rule=s.rule_text, amount=money.format(s.amount_minor),
                 state=ON_ITS_WAY, note="cm_note_waiting", note_args={"period": s.period})
            for s in stipends.scalars() if not period or s.period.startswith(period)]
    return out


async def statement_view(session: AsyncSession, party: Party, secret: str, period: str | None) -> View:
    doc = await reports.statement(session, party, secret=secret, period=period)
    doc = await proofs.attach(session, doc)  # each line's inclusion proof (service/roots)
    rows = await _payments(session, party.id)
    by_sequence = {s: p for p, s in rows if s is not None}
    lines = []
    for line in doc["lines"]:
        state, note, args = _state(line, by_sequence.get(line["sequence"]))
        lines.append(Line(date=line["date"], kind=line["kind"], description=line["description"], rule=line["rule"],
                          amount=line["amount"], state=state, note=note, note_args=args, sequence=line["sequence"],
                          running_total=line["running_total"]))
    waiting = await _waiting(session, party.id, [p for p, _ in rows], period)
    approved = sum(money.parse(x.amount) for x in lines if x.state == ON_ITS_WAY)  # in the ledger, not at the bank
    on_way = approved + sum(money.parse(x.amount) for x in waiting)
    paid = money.parse(doc["total"], allow_negative=True) - approved
    return View(doc=doc, lines=lines, waiting=waiting, paid=money.format(paid), on_its_way=money.format(on_way))


# --- the signed link of a printed statement -------------------------------------------------------

TOKEN = re.compile(r"^(\d{1,18})\.(all|\d{4}(?:-\d{2})?)\.(\d{1,12})\.([0-9a-f]{32})$")


class LinkExpired(DomainError):
    status = 410
    slug = "link-expired"
    title = "This link has expired"


def _mac(secret: str, party_id: int, period: str, expires: int) -> str:
    msg = f"console-statement-link:{party_id}|{period}|{expires}".encode()
    return hmac.new(secret.encode(), msg, hashlib.sha256).hexdigest()[:32]


def link_token(secret: str, party_id: int, period: str | None, expires: int) -> str:
    """party.period.expiry.mac: the expiry (Unix seconds) is inside what the app secret signs."""
    p = period or "all"
    return f"{party_id}.{p}.{expires}.{_mac(secret, party_id, p, expires)}"


def read_token(secret: str, token: str, now: int) -> tuple[int, str | None]:
    """(party id, period) of a genuine, unexpired link; NotFound for anything else, LinkExpired when late."""
    m = TOKEN.match(token)
    if not m or not hmac.compare_digest(m.group(4), _mac(secret, int(m.group(1)), m.group(2), int(m.group(3)))):
        raise NotFound("no statement matches this link")
    if int(m.group(3)) < now:
        raise LinkExpired("this statement link has expired; ask the village committee for a new printout")
    return int(m.group(1)), None if m.group(2) == "all" else m.group(2)


def qr_svg(url: str, title: str) -> str:
    """The link as an inline SVG QR code (segno), sized by CSS through its viewBox."""
    return segno.make(url, error="m").svg_inline(scale=4, omitsize=True, light="#fff", title=title, svgclass="qr-code")
